"""JSON from outside (request bodies, websocket messages): strict and bounded. A document nested
beyond what the parser can recurse, or one with NaN/Infinity (not JSON, but Python reads them), is
refused with a clear message instead of a 500 or a non-finite setting."""
from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 100   # far beyond any real payload (an *arr webhook is 5 deep); well within what storing it recurses


class BadJson(ValueError):
    pass


def _depth(doc: Any) -> int:
    """How deeply arrays and objects nest (iteratively: the point is not to recurse)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        stack.extend((child, d + 1) for child in node if isinstance(child, dict | list))
    return deepest


def _no_constants(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def loads(raw: bytes | str) -> Any:
    """Parsed JSON, or BadJson: malformed, NaN/Infinity, or nested beyond MAX_DEPTH (refused here,
    before anything is done with it: a document the parser took could still break the JSON
    encoder that stores it, deeper in a thread with less stack)."""
    try:
        doc = json.loads(raw, parse_constant=_no_constants)
    except BadJson:
        raise
    except RecursionError:
        raise BadJson("JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise BadJson(f"malformed JSON: {e}") from None
    if _depth(doc) > MAX_DEPTH:
        raise BadJson(f"JSON nested too deeply (more than {MAX_DEPTH} levels)")
    if _has_nul(doc):
        # no text field can hold it (PostgreSQL refuses it, SQLite cuts the text there)
        raise BadJson("a text holds a NUL character (\\u0000)")
    return doc


def _has_nul(doc: Any) -> bool:
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if "\x00" in x:
                return True
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return False
