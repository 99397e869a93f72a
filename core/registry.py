"""The forms an engine knows: collected from ``sharewise_forms``, extended through
``sharewise_extend_form``, compiled once (conditions, answer schema, evaluation plan)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pluggy
from marshmallow import Schema

from sharewise.core.answer_schema import build_answer_schema
from sharewise.core.errors import FormDefinitionError, LintProblem, PluginError, UnknownFormError
from sharewise.core.formbuild import Fragment, build_form
from sharewise.core.formdef import FormDefinition
from sharewise.core.formfiles import read_fragment
from sharewise.core.hookcalls import call_each, implementations
from sharewise.core.visibility import VisibilityPlan


@dataclass(frozen=True)
class CompiledForm:
    """A form ready to check answers against: definition, answer schema and visibility plan."""

    definition: FormDefinition
    schema: Schema
    plan: VisibilityPlan
    order: dict[str, int]


class FormRegistry:
    """Every form version the enabled plugins provide, each extended and compiled once."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._forms: dict[tuple[str, int], CompiledForm] = {}
        owners: dict[tuple[str, int], str] = {}
        problems: list[LintProblem] = []
        for plugin, fragment in self._sources(pm):
            try:
                base = build_form(fragment)
                form = build_form(fragment, self._extensions(pm, base)) if self._has_extenders(pm) else base
            except FormDefinitionError as exc:
                problems.extend(exc.problems)
                continue
            if form.key in owners:
                first, second = sorted((owners[form.key], plugin))
                raise PluginError(f"plugins '{first}' and '{second}' both define form '{form.id}' version {form.version}")
            owners[form.key] = plugin
            self._forms[form.key] = compile_form(form)
        if problems:
            raise FormDefinitionError(problems)

    @staticmethod
    def _sources(pm: pluggy.PluginManager) -> Iterable[tuple[str, Fragment]]:
        for plugin, result, error in call_each(implementations(pm, "sharewise_forms")):
            if error is not None:
                raise PluginError(f"plugin '{plugin}' failed to list its forms: {type(error).__name__}: {error}")
            for source in result or ():
                yield plugin, read_fragment(source, plugin)

    @staticmethod
    def _has_extenders(pm: pluggy.PluginManager) -> bool:
        return bool(pm.hook.sharewise_extend_form.get_hookimpls())

    @staticmethod
    def _extensions(pm: pluggy.PluginManager, base: FormDefinition) -> list[Fragment]:
        fragments = []
        for plugin, result, error in call_each(implementations(pm, "sharewise_extend_form"), form=base):
            if error is not None:
                raise PluginError(f"plugin '{plugin}' failed to extend form '{base.id}': {type(error).__name__}: {error}")
            if result is not None:
                fragments.append(read_fragment(result, plugin))
        return fragments

    def get(self, form_id: str, version: int | None = None) -> CompiledForm:
        """The form ``form_id`` at ``version`` (the latest when ``None``)."""
        if version is not None:
            found = self._forms.get((form_id, version))
            if found is None:
                raise UnknownFormError(_unknown(form_id, version, self.ids()))
            return found
        versions = [key[1] for key in self._forms if key[0] == form_id]
        if not versions:
            raise UnknownFormError(_unknown(form_id, None, self.ids()))
        return self._forms[(form_id, max(versions))]

    def ids(self) -> list[str]:
        """The distinct form ids, sorted."""
        return sorted({key[0] for key in self._forms})

    def all(self) -> list[FormDefinition]:
        """Every form version, sorted by id then version."""
        return [self._forms[key].definition for key in sorted(self._forms)]


def compile_form(form: FormDefinition) -> CompiledForm:
    """Build the answer schema and visibility plan for ``form``."""
    order = {question.id: index for index, question in enumerate(form.iter_questions())}
    return CompiledForm(form, build_answer_schema(form), VisibilityPlan(form), order)


def _unknown(form_id: str, version: int | None, known: list[str]) -> str:
    what = f"form '{form_id}'" + (f" version {version}" if version is not None else "")
    return f"unknown {what} (known forms: {', '.join(known) or 'none'})"
