"""Further `metarr` sub-commands, one function each adding its parser."""
from __future__ import annotations

COMMANDS: list = []
