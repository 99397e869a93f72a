"""Read JSON strictly: real JSON only (no NaN or Infinity) and no repeated keys.

A repeated key would otherwise keep only its last value — silently dropped data.
"""

from __future__ import annotations

import json
from typing import Any

from sharewise.core.errors import InvalidInput


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise InvalidInput(f"the number {text[:20]} is too large")
    return number


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidInput(f"the key '{key}' appears more than once in the same object")
        result[key] = value
    return result


def loads(text: str | bytes, source: str = "input") -> Any:
    """Parse ``text``; raise ``InvalidInput`` naming ``source``, the line and the column on any problem."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite, object_pairs_hook=_no_repeated_keys)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{source} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except InvalidInput as exc:
        raise InvalidInput(f"{source} is not valid JSON: {exc}") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "it is nested too deeply"
        raise InvalidInput(f"{source} cannot be read: {reason}") from None
    except ValueError as exc:  # a number too long to read, say
        raise InvalidInput(f"{source} is not valid JSON: {str(exc).split(';')[0]}") from None
