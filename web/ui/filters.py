"""Template filters that make values readable: a time as a `<time>` element (the page's script says
it in words, in the reader's zone: "2 hours ago", "tomorrow 06:00"; without the script it reads as
UTC), and a path with break opportunities after its slashes (a long path wraps between folders,
never inside a name)."""
from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape


def when(value, empty: str = "never") -> Markup:
    """An ISO time (or epoch seconds) as `<time data-rel>`; `empty` when there is none."""
    if value is None or value == "":
        return Markup(escape(empty))
    if isinstance(value, int | float):
        stamp = dt.datetime.fromtimestamp(value, dt.UTC)
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return Markup(escape(value))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    stamp = stamp.astimezone(dt.UTC)
    iso = stamp.isoformat(timespec="seconds").replace("+00:00", "Z")
    return Markup(f'<time data-rel datetime="{iso}">{stamp:%Y-%m-%d %H:%M} UTC</time>')


def breakable(path) -> Markup:
    """`/srv/media/Films` with a `<wbr>` after each slash."""
    if path is None:
        return Markup("")
    return Markup("/<wbr>").join(escape(part) for part in str(path).split("/"))


FILTERS = {"when": when, "breakable": breakable}
