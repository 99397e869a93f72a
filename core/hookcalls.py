"""Call each plugin's implementation of a hook separately, so results can be attributed to
the plugin that produced them and a plugin that fails is contained and reported, never a crash
and never a silent pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pluggy


class Implementation(NamedTuple):
    """One plugin's implementation of a hook: who, what to call, which arguments it takes."""

    plugin: str
    function: Callable[..., Any]
    argnames: tuple[str, ...]


def implementations(pm: pluggy.PluginManager, hook_name: str) -> tuple[Implementation, ...]:
    """The implementations of ``hook_name`` in pluggy's call order (``tryfirst`` first, ``trylast`` last,
    later registrations before earlier); wrappers are not supported for these hooks and are skipped."""
    caller = getattr(pm.hook, hook_name)
    return tuple(
        Implementation(pm.get_name(impl.plugin) or repr(impl.plugin), impl.function, tuple(impl.argnames))
        for impl in reversed(caller.get_hookimpls())
        if not (impl.hookwrapper or impl.wrapper)
    )


def call_each(impls: tuple[Implementation, ...], **kwargs: Any) -> Iterator[tuple[str, Any, BaseException | None]]:
    """Yield ``(plugin name, result, exception)`` for each implementation, each called with just the
    arguments it declares."""
    for impl in impls:
        try:
            result = impl.function(*[kwargs[arg] for arg in impl.argnames])
        except Exception as exc:  # contained: the caller turns it into a finding or a start-up error
            yield impl.plugin, None, exc
            continue
        yield impl.plugin, result, None
