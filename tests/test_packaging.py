"""Packaging (DESIGN.md §2, STYLE.md "Layout"): every package directory is mapped and listed in setup.cfg."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"core": "sharewise.core", "plugins": "sharewise.plugins", "adapters": "sharewise.adapters", "forms": "sharewise.forms"}


def _options() -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config["options"]


def _listed(value: str) -> set[str]:
    return {line.strip() for line in value.splitlines() if line.strip()}


def test_top_level_directories_are_mapped_into_the_sharewise_namespace() -> None:
    package_dir = {}
    for line in _listed(_options()["package_dir"]):
        name, _, directory = (part.strip() for part in line.partition("="))
        package_dir[name] = directory
    assert package_dir == {package: directory for directory, package in MAPPED.items()}


def test_every_package_directory_is_listed_in_setup_cfg() -> None:
    listed = _listed(_options()["packages"])
    on_disk = set()
    for directory, package in MAPPED.items():
        for init in (ROOT / directory).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / directory).parts
            on_disk.add(".".join((package, *relative)))
    assert on_disk == listed


def test_every_directory_holding_python_or_data_is_a_package() -> None:
    missing = []
    for directory in MAPPED:
        for path in (ROOT / directory).rglob("*"):
            if (
                path.is_dir()
                and "__pycache__" not in path.parts
                and any(path.glob("*.py"))
                and not (path / "__init__.py").exists()
            ):
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []


def test_no_module_shadows_a_library_name() -> None:
    shadowing = [p for d in MAPPED for p in (ROOT / d).rglob("*.py") if p.stem in {"xml", "json", "flask", "yaml", "cel"}]
    assert shadowing == []
