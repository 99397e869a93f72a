"""Finding, loading and describing plugins; one fresh plugin manager per engine.

Three tiers (STYLE.md): built-ins that are always on unless a deployment explicitly
replaces them (``forms``, ``england``); opt-in plugins shipped with sharewise
(``liverpool``); and third-party distributions exposing entry point group ``sharewise``,
also opt-in. A plugin is switched on by naming it (``--plugin``, ``SHAREWISE_PLUGINS``): by
its short name, or by a dotted module path (origin "config"). Installing a distribution
never changes a deployment's checks by itself.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata as metadata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pluggy

from sharewise.core import hookspecs
from sharewise.core.errors import PluginError

BUILTIN = {"forms": "sharewise.forms", "england": "sharewise.plugins.england"}
OPT_IN = {"liverpool": "sharewise.plugins.liverpool"}
ENTRY_POINT_GROUP = "sharewise"
ENV_VARIABLE = "SHAREWISE_PLUGINS"


@dataclass(frozen=True)
class PluginInfo:
    """What ``sharewise plugins list`` shows about one plugin."""

    name: str
    module: str
    version: str
    origin: str
    enabled: bool
    hooks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "name": self.name,
            "module": self.module,
            "version": self.version,
            "origin": self.origin,
            "enabled": self.enabled,
            "hooks": list(self.hooks),
        }


def plugins_from_env(environ: Mapping[str, str]) -> list[str]:
    """The plugin names in ``SHAREWISE_PLUGINS`` (comma-separated; blanks ignored)."""
    return [name.strip() for name in environ.get(ENV_VARIABLE, "").split(",") if name.strip()]


def sharewise_version() -> str:
    """The installed sharewise version (``0+unknown`` when running from an uninstalled tree)."""
    try:
        return metadata.version("sharewise")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def resolve(name: str) -> tuple[ModuleType | Any, str, str]:
    """Load plugin ``name``; return ``(plugin object, origin, version)`` or raise ``PluginError``."""
    if name in BUILTIN or name in OPT_IN:
        module = _import(BUILTIN.get(name) or OPT_IN[name], name)
        return module, "built-in" if name in BUILTIN else "built-in (opt-in)", sharewise_version()
    entry_points = _entry_points()
    if name in entry_points:
        entry_point = entry_points[name]
        try:
            plugin = entry_point.load()
        except Exception as exc:  # a broken third-party package must not crash start-up with a traceback
            raise PluginError(f"plugin '{name}' is installed but cannot be loaded: {type(exc).__name__}: {exc}") from None
        version = entry_point.dist.version if entry_point.dist is not None else "unknown"
        return plugin, "entry point", version
    if "." in name:
        module = _import(name, name)
        return module, "config", str(getattr(module, "__version__", None) or _distribution_version(name))
    available = set(OPT_IN) | set(entry_points)
    hint = difflib.get_close_matches(name, sorted(available), n=1, cutoff=0.75)
    suggestion = f"did you mean '{hint[0]}'? " if hint else ""
    known = ", ".join(sorted(available)) or "none installed"
    raise PluginError(f"unknown plugin '{name}' ({suggestion}available: {known}; or give a dotted module path)")


def _import(module_name: str, name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(f"plugin '{name}' cannot be imported: {exc}") from None
    except Exception as exc:  # a plugin's configuration check failing at import, say
        raise PluginError(f"plugin '{name}' cannot be loaded: {exc}") from None


def _distribution_version(module_name: str) -> str:
    top = module_name.split(".")[0]
    for distribution in metadata.packages_distributions().get(top, []):
        return metadata.version(distribution)
    return "unknown"


def make_plugin_manager(
    enabled: Sequence[str] = (), *, builtins: Iterable[str] = tuple(BUILTIN), extra: Mapping[str, Any] | None = None
) -> tuple[pluggy.PluginManager, list[PluginInfo]]:
    """A fresh plugin manager with the built-ins, the named plugins and any ``extra`` objects.

    ``extra`` maps names to plugin objects registered directly (tests and embedding code).
    Returns the manager and a description of each registered plugin. Raises ``PluginError``
    for an unknown name, a plugin registered twice, or a hook implementation matching no
    hook (a misspelled hook name).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    registered: list[PluginInfo] = []
    for name in [*builtins, *[n for n in dict.fromkeys(enabled) if n not in builtins]]:
        plugin, origin, version = resolve(name)
        registered.append(_register(pm, name, plugin, origin, version))
    for name, plugin in (extra or {}).items():
        registered.append(_register(pm, name, plugin, "registered in code", "unknown"))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        hooks = ", ".join(sorted(c.name for c in pm.get_hookcallers(exc.plugin) or [] if not c.has_spec())) or "an unknown hook"
        raise PluginError(f"plugin '{name}' implements {hooks}, which is not a sharewise hook (misspelt?)") from None
    return pm, registered


def _register(pm: pluggy.PluginManager, name: str, plugin: Any, origin: str, version: str) -> PluginInfo:
    try:
        pm.register(plugin, name=name)
    except ValueError as exc:
        raise PluginError(f"plugin '{name}' cannot be registered: {exc}") from None
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin '{name}' is not valid: {exc}") from None
    module = getattr(plugin, "__name__", type(plugin).__module__)
    return PluginInfo(name, module, version, origin, True, hooks_of(pm, plugin))


def hooks_of(pm: pluggy.PluginManager, plugin: Any) -> tuple[str, ...]:
    """The names of the hooks ``plugin`` implements."""
    return tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or []))


def catalogue(enabled: Sequence[PluginInfo]) -> list[PluginInfo]:
    """Every plugin sharewise knows of: the enabled ones, then available opt-in ones (disabled)."""
    seen = {info.name for info in enabled}
    available: list[PluginInfo] = list(enabled)
    candidates = [(name, "built-in (opt-in)") for name in OPT_IN] + [(name, "entry point") for name in _entry_points()]
    for name, origin in candidates:
        if name in seen:
            continue
        seen.add(name)
        try:
            plugin, origin, version = resolve(name)
        except PluginError:
            available.append(PluginInfo(name, "?", "unknown", origin + " (cannot be loaded)", False, ()))
            continue
        probe = pluggy.PluginManager(hookspecs.PROJECT)
        probe.add_hookspecs(hookspecs)
        probe.register(plugin, name=name)
        module = getattr(plugin, "__name__", type(plugin).__module__)
        available.append(PluginInfo(name, module, version, origin, False, hooks_of(probe, plugin)))
    return available
