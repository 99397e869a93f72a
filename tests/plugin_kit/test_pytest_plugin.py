"""The pytest plugin sharewise ships for plugin authors: fixtures and finding assertions."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

LOCAL_PLUGIN = '''
from sharewise.core import hookimpl
from sharewise.core.rules import RuleSet

rules = RuleSet("information-sharing-decision", plugin="localrules")

@rules.rule("LOC-1", "advice", field="urgency", reference="Local protocol 1")
def routine(answers, context):
    """Routine sharing."""
    if answers.get("urgency") == "routine":
        return "Routine sharing: use the weekly panel."

@hookimpl
def sharewise_validate(form, answers, context):
    return rules.run(form, answers, context)
'''


@pytest.fixture
def local_plugin(pytester: pytest.Pytester) -> None:
    package = pytester.mkpydir("localpkg")
    (package / "rules.py").write_text(LOCAL_PLUGIN)
    pytester.syspathinsert()


def test_fixtures_enable_plugins_named_in_the_ini_option(pytester: pytest.Pytester, local_plugin: None) -> None:
    pytester.makeini("[pytest]\nsharewise_plugins = localpkg.rules\n")
    pytester.makepyfile(
        """
        def test_enabled(sharewise_engine, sharewise_plugins):
            assert sharewise_plugins == ["localpkg.rules"]
            assert "localpkg.rules" in sharewise_engine.plugin_names

        def test_rule(sharewise_check, core_answers, assert_finding, assert_no_finding):
            evaluation = sharewise_check("information-sharing-decision", core_answers)
            assert evaluation.valid
            assert_no_finding(evaluation, "LOC-1")
            core_answers["urgency"] = "routine"
            finding = assert_finding(sharewise_check("information-sharing-decision", core_answers), "LOC-1", "advice", "urgency")
            assert finding.plugin == "localpkg.rules"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_plugins_fixture_can_be_overridden_in_a_conftest(pytester: pytest.Pytester, local_plugin: None) -> None:
    pytester.makeconftest("import pytest\n\n@pytest.fixture\ndef sharewise_plugins():\n    return ['localpkg.rules']\n")
    pytester.makepyfile("def test_enabled(sharewise_engine):\n    assert 'localpkg.rules' in sharewise_engine.plugin_names\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_by_default_only_the_built_ins_are_enabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_default(sharewise_engine):\n    assert sharewise_engine.plugin_names == ('forms', 'england')\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_assert_finding_failure_lists_what_was_found(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_wrong(sharewise_check, core_answers, assert_finding):
            core_answers["share_method"] = "letter"
            assert_finding(sharewise_check("information-sharing-decision", core_answers), "ISD-19", severity="error")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*expected a finding ISD-19 error; found ISD-19 warning on share_method*"])


def test_assert_no_finding_failure_names_the_finding(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_wrong(sharewise_check, core_answers, assert_no_finding):
            core_answers["share_method"] = "letter"
            assert_no_finding(sharewise_check("information-sharing-decision", core_answers), "ISD-19", field="share_method")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*expected no finding ISD-19 on share_method; found ISD-19 warning on share_method*"])


def test_helpers_are_importable(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from sharewise.adapters.pytest_plugin import assert_finding

        def test_import(sharewise_check, core_answers):
            core_answers["share_method"] = "letter"
            assert_finding(sharewise_check("information-sharing-decision", core_answers), "ISD-19")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
