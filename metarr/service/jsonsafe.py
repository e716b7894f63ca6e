"""JSON from outside (request bodies, websocket messages): strict and bounded. A document nested
beyond what the parser can recurse, or one with NaN/Infinity (not JSON, but Python reads them), is
refused with a clear message instead of a 500 or a non-finite setting."""
from __future__ import annotations

import json
from typing import Any


class BadJson(ValueError):
    pass


def _no_constants(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def loads(raw: bytes | str) -> Any:
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except BadJson:
        raise
    except RecursionError:
        raise BadJson("JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise BadJson(f"malformed JSON: {e}") from None
