"""How a Kodi (19–21, default `tvshowmatching`) numbers an episode file from its path. With local
NFOs Kodi takes the episode's details from the NFO but its season and number from the name
whenever the name gives a number (VideoInfoScanner: "override with episode and season number from
file"); only a date-named file (`Show.2024.03.14.mkv`) takes the NFO's numbers. Observed with a
real Kodi 20 in tests/trust/test_real_kodi.py. Pure."""
from __future__ import annotations

import re

# Kodi's default expressions, in its order (xbmc/settings/AdvancedSettings.cpp); (by date, regex).
# Compared case-insensitively against the whole path; an empty season group means season 1.
_EPISODE = r"([0-9]+(?:(?:[a-i]|\.[1-9])(?![0-9]))?)"
_DEFAULT = (
    (False, re.compile(r"s([0-9]+)[ ._x-]*e" + _EPISODE + r"([^\\/]*)$", re.IGNORECASE)),
    (False, re.compile(r"[\._ -]()[Ee][Pp]_?" + _EPISODE + r"([^\\/]*)$", re.IGNORECASE)),
    (True, re.compile(r"([0-9]{4})[\.-]([0-9]{2})[\.-]([0-9]{2})", re.IGNORECASE)),
    (True, re.compile(r"([0-9]{2})[\.-]([0-9]{2})[\.-]([0-9]{4})", re.IGNORECASE)),
    (False, re.compile(r"[\\/\._ \[\(-]([0-9]+)x" + _EPISODE + r"([^\\/]*)$", re.IGNORECASE)),
    (False, re.compile(r"[\\/\._ -]([0-9]+)([0-9][0-9](?:(?:[a-i]|\.[1-9])(?![0-9]))?)([\._ -][^\\/]*)$",
                       re.IGNORECASE)),
    (False, re.compile(r"[\\/\._ -]p(?:ar)?t[_. -]()([ivx]+|[0-9]+)([\._ -][^\\/]*)$", re.IGNORECASE)),
)


def kodi_numbers(path: str) -> tuple[int, int] | None:
    """(season, episode) Kodi reads from the file's path; None where it reads a date or nothing
    (then, if it adds the file at all, the NFO's numbers are the ones it shows)."""
    for by_date, rx in _DEFAULT:
        m = rx.search(path)
        if not m:
            continue
        if by_date:
            return None
        season, episode = m.group(1), m.group(2)
        digits = re.match(r"\d+", episode or "")
        if not digits:
            return None   # a roman part number ("Part IV"): no number to compare
        return (int(season) if season else 1), int(digits.group(0))
    return None
