"""Identity from names: provider ids embedded in names, title and year (a regex fast path for
well-named files, guessit only as the fallback for scene names), TV episode and season numbers,
stacked parts, music track numbers."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

# ---------------------------------------------------------------- provider ids in names

_ID_RE = re.compile(
    r"[\[{(]\s*(?P<kind>tmdb|tmdbid|imdb|imdbid|tvdb|tvdbid)\s*[-=:]\s*(?P<value>tt\d{5,10}|\d{1,10})\s*[\]})]",
    re.IGNORECASE)
_BARE_IMDB = re.compile(r"(?<![A-Za-z0-9])(tt\d{7,10})(?![0-9])")


def norm_title(s: str) -> str:
    """A title reduced for comparison: ASCII, lower case, words only, no leading article."""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return re.sub(r"^(the|a|an) ", "", s).strip()


def ids_in_name(name: str) -> dict[str, str]:
    """`{tmdb-603}`, `[tmdbid-603]`, `[imdbid-tt0133093]`, `{tvdb-81189}`, bare `tt0133093`."""
    out: dict[str, str] = {}
    for m in _ID_RE.finditer(name):
        kind = m.group("kind").lower().removesuffix("id")
        value = m.group("value")
        if kind == "imdb" and not value.lower().startswith("tt"):
            continue
        out.setdefault(kind, value.lower() if kind == "imdb" else value)
    if "imdb" not in out:
        m = _BARE_IMDB.search(name)
        if m:
            out["imdb"] = m.group(1)
    return out


def strip_ids(name: str) -> str:
    return _BARE_IMDB.sub(" ", _ID_RE.sub(" ", name))


# ---------------------------------------------------------------- title and year

@dataclass(frozen=True)
class ParsedTitle:
    title: str
    year: int | None
    source: str  # fast | guessit | raw


_YEAR_PAREN = re.compile(r"^(?P<title>.*?\S)\s*[(\[](?P<year>(?:18|19|20)\d{2})[)\]]")
_SCENE_YEAR = re.compile(r"^(?P<title>.+?)[ ._\-]+[(\[]?(?P<year>(?:19|20)\d{2})[)\]]?(?:[ ._\-\[]|$)")
_SCENE_MARKERS = re.compile(
    r"[ ._\-\[](?:2160p|1080[pi]|720p|576p|480p|4k|uhd|bluray|blu-ray|bdrip|brrip|web-?dl|webrip|hdtv|dvdrip|"
    r"x264|x265|h\.?264|h\.?265|hevc|xvid|remux|proper|repack|hdr|dts|aac|ac3)(?:[ ._\-\]]|$)", re.IGNORECASE)
_EXT = re.compile(r"\.[A-Za-z0-9]{2,4}$")


def clean_title(raw: str) -> str:
    t = raw.replace("_", " ")
    if " " not in t and t.count(".") >= 1:
        t = t.replace(".", " ")
    return re.sub(r"\s+", " ", t).strip(" -.")


def parse_title(name: str, *, allow_guessit: bool = True) -> ParsedTitle:
    """Title and year from a folder or file name (without extension)."""
    base = strip_ids(name).strip()
    m = _YEAR_PAREN.match(base)
    if m and not _SCENE_MARKERS.search(m.group("title")):
        return ParsedTitle(clean_title(m.group("title")), int(m.group("year")), "fast")
    if not _SCENE_MARKERS.search(base):
        m = _SCENE_YEAR.match(base)
        if m:
            return ParsedTitle(clean_title(m.group("title")), int(m.group("year")), "fast")
        if not re.search(r"(?:19|20)\d{2}", base):
            return ParsedTitle(clean_title(base), None, "fast")
    if allow_guessit:
        g = _guessit(base)
        if g and g.title:
            return g
    m = _SCENE_YEAR.match(base)
    if m:
        return ParsedTitle(clean_title(m.group("title")), int(m.group("year")), "raw")
    cut = _SCENE_MARKERS.search(base)
    return ParsedTitle(clean_title(base[:cut.start()] if cut else base), None, "raw")


def _guessit(name: str) -> ParsedTitle | None:
    try:
        from guessit import guessit  # slow to import and to run (~14 ms/name): fallback only
        g = guessit(name, {"type": "movie"})
    except Exception:
        return None
    title = g.get("title")
    year = g.get("year")
    return ParsedTitle(str(title), int(year) if isinstance(year, int) else None, "guessit") if title else None


# ---------------------------------------------------------------- TV

@dataclass(frozen=True)
class EpisodeRef:
    season: int | None
    episodes: tuple[int, ...]
    absolute: int | None = None
    air_date: str | None = None


_SXE = re.compile(r"(?<![A-Za-z0-9])s(?P<s>\d{1,4})[ ._]?e(?P<e>\d{1,4})(?P<more>(?:[ ._-]*(?:e|-e?)\d{1,4})*)",
                  re.IGNORECASE)
_MORE = re.compile(r"(\d{1,4})")
_NXM = re.compile(r"(?<![A-Za-z0-9])(?P<s>\d{1,2})x(?P<e>\d{2,3})(?P<more>(?:[ ._-]*(?:x|-)\d{2,3})*)(?![0-9])",
                  re.IGNORECASE)
_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[ ._-](?P<m>\d{2})[ ._-](?P<d>\d{2})(?!\d)")
_ABSOLUTE = re.compile(r"(?:^|[ _\]\)-])(?:-\s*|ep?\.?\s*|#)?(?P<n>\d{1,4})(?:v\d)?(?=\s*(?:[\[(]|$|-\s|\.\w+$|\s+[A-Za-z]))",
                       re.IGNORECASE)


def parse_episode(name: str) -> EpisodeRef | None:
    """`S01E02`, `s1e2`, `1x02`, `S01E02E03`, `S01E02-E03`, `S01E02-03`, dates, anime absolute numbers."""
    base = _EXT.sub("", name)
    m = _SXE.search(base)
    if m:
        first = int(m.group("e"))
        more = [int(x) for x in _MORE.findall(m.group("more") or "")]
        eps = _expand(first, more, "-" in (m.group("more") or "") and not re.search(r"e\d", m.group("more") or "", re.I))
        return EpisodeRef(int(m.group("s")), eps)
    m = _NXM.search(base)
    if m:
        first = int(m.group("e"))
        more = [int(x) for x in _MORE.findall(m.group("more") or "")]
        return EpisodeRef(int(m.group("s")), _expand(first, more, False))
    m = _DATE.search(base)
    if m:
        try:
            d = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        except ValueError:
            d = None
        if d:
            return EpisodeRef(d.year, (d.month * 100 + d.day,), air_date=d.isoformat())
    tail = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", base)  # drop [Group] [1080p] (2019) tags
    matches = list(_ABSOLUTE.finditer(tail.strip()))
    m = matches[-1] if matches else None  # the last number is the episode ("Show 2 - 07")
    if m:
        n = int(m.group("n"))
        if not 1900 <= n <= 2099 and n not in (480, 576, 720, 1080, 2160):
            return EpisodeRef(None, (n,), absolute=n)
    return None


def _expand(first: int, more: list[int], is_range: bool) -> tuple[int, ...]:
    if not more:
        return (first,)
    last = more[-1]
    if is_range or (len(more) == 1 and last > first + 1):
        if 0 < last - first < 50:
            return tuple(range(first, last + 1))
    return tuple(dict.fromkeys([first, *more]))


_SEASON_DIR = re.compile(r"^(?:season|series|saison|staffel|temporada|stagione)[ ._-]*(?P<n>\d{1,4})$|^s(?P<s>\d{1,4})$",
                         re.IGNORECASE)


def parse_season_dir(name: str) -> int | None:
    if name.strip().lower() in ("specials", "special", "extras specials"):
        return 0
    m = _SEASON_DIR.match(name.strip())
    if m:
        return int(m.group("n") or m.group("s"))
    return None


# ---------------------------------------------------------------- stacks and tracks

_STACK = re.compile(r"^(?P<base>.*?)[ ._-]*(?:cd|dvd|part|pt|disc|disk)[ ._-]*(?P<n>\d{1,2})$", re.IGNORECASE)


def stack_part(stem: str) -> tuple[str, int] | None:
    """`Movie cd1` → ('Movie', 1); None if the stem has no part token."""
    m = _STACK.match(stem)
    if m and m.group("base"):
        return m.group("base").strip(" ._-"), int(m.group("n"))
    return None


_TRACK = re.compile(r"^(?:(?P<disc>\d)[-.])?(?P<n>\d{1,3})(?:\s*[-._]\s*|\s+)(?P<title>.+)$")


def parse_track(stem: str) -> tuple[int | None, int | None, str]:
    """`01 - Title` / `1-02 Title` → (disc, track, title)."""
    m = _TRACK.match(stem)
    if m:
        return (int(m.group("disc")) if m.group("disc") else None), int(m.group("n")), m.group("title").strip()
    return None, None, stem.strip()
