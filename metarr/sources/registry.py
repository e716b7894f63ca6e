"""The provider seam: one descriptor per metadata/artwork source, read by the configuration (URL and
key variables), the gateway (endpoints, default limits), scoring (trust), enrichment (artwork-only
sources by entity kind) and the providers API (the connection test). A new source is its module
(requests and parsing), one entry here, and its emulator in web/demo/emulation/."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from metarr.sources import fanart
from metarr.sources.http import Call, Endpoint, Request
from metarr.sources.models import Art
from metarr.sources.ratelimit import Limits

ArtFetcher = Callable[[Call, dict[str, str]], list[Art]]   # (call, ids Metarr holds) -> candidates


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    url_var: str
    default_url: str
    key_var: str | None             # None: works without a key (MusicBrainz, Cover Art Archive)
    limits: Limits                  # default pacing; METARR_PROVIDER_LIMITS overrides
    trust: int                      # artwork scoring: how much its images are preferred
    probe: Request                  # one cheap real request for "test connection"
    endpoint: Callable[[str, str | None], Endpoint]   # (base URL, key) -> how requests are made
    art: dict[str, ArtFetcher] = field(default_factory=dict)   # artwork-only lookups by entity kind


def _tmdb(url: str, key: str | None) -> Endpoint:
    return Endpoint(url, params={"api_key": key or ""})      # v3 keys go in api_key=, not Bearer


def _fanart(url: str, key: str | None) -> Endpoint:
    return Endpoint(url, params={"api_key": key or ""})


def _omdb(url: str, key: str | None) -> Endpoint:
    return Endpoint(url, params={"apikey": key or ""})


def _tvdb(url: str, key: str | None) -> Endpoint:
    return Endpoint(url)      # Bearer token from /login, added on first use


def _musicbrainz(url: str, key: str | None) -> Endpoint:
    return Endpoint(url, params={"fmt": "json"}, timeout=30.0, throttle_503=True)


def _coverart(url: str, key: str | None) -> Endpoint:
    return Endpoint(url, timeout=30.0, throttle_503=True)


def _fanart_movie(call: Call, ids: dict[str, str]) -> list[Art]:
    ident = ids.get("tmdb") or ids.get("imdb")
    return fanart.movie_art(call, ident) if ident else []


def _fanart_collection(call: Call, ids: dict[str, str]) -> list[Art]:
    return fanart.collection_art(call, int(ids["tmdb"])) if str(ids.get("tmdb") or "").isdigit() else []


def _fanart_series(call: Call, ids: dict[str, str]) -> list[Art]:
    return fanart.tv_art(call, int(ids["tvdb"])) if ids.get("tvdb") else []


# documented or conservative limits: reference/reliability-performance.md §B
SOURCES: tuple[Source, ...] = (
    Source("tmdb", "TMDB", "METARR_TMDB_URL", "https://api.themoviedb.org/3", "METARR_TMDB_API_KEY",
           Limits(20.0, 10, 8), 10, Request("tmdb", "/configuration", cache_ttl=0), _tmdb),   # soft ceiling ~40-50 rps
    # TheTVDB publishes no number; the one given is about 100 per 10 s: a burst of 5 on top of
    # 10 s at 9/s stays under it (10/s with a burst of 10 was 110)
    Source("tvdb", "TheTVDB", "METARR_TVDB_URL", "https://api4.thetvdb.com/v4", "METARR_TVDB_API_KEY",
           Limits(9.0, 5, 4), 8, Request("tvdb", "/search", (("query", "test"), ("type", "series")), cache_ttl=0),
           _tvdb),
    Source("fanart", "Fanart.tv", "METARR_FANART_URL", "https://webservice.fanart.tv/v3", "METARR_FANART_API_KEY",
           Limits(5.0, 5, 4), 9, Request("fanart", "/movies/603", cache_ttl=0, not_found_ok=True), _fanart,
           art={"movie": _fanart_movie, "series": _fanart_series, "collection": _fanart_collection}),
    Source("musicbrainz", "MusicBrainz", "METARR_MUSICBRAINZ_URL", "https://musicbrainz.org/ws/2", None,
           Limits(1.0, 1, 1), 8, Request("musicbrainz", "/artist", (("query", "test"), ("limit", "1")), cache_ttl=0),
           _musicbrainz),   # 1 rps average, strict spacing
    Source("coverart", "Cover Art Archive", "METARR_COVERART_URL", "https://coverartarchive.org", None,
           Limits(1.0, 1, 1), 8, Request("coverart", "/release-group/00000000-0000-0000-0000-000000000000",
                                         cache_ttl=0, not_found_ok=True), _coverart),
    Source("omdb", "OMDb", "METARR_OMDB_URL", "https://www.omdbapi.com", "METARR_OMDB_API_KEY",
           Limits(2.0, 2, 2), 5, Request("omdb", "/", (("i", "tt0063350"),), cache_ttl=0), _omdb),   # 1,000/day free
)

# not a source of its own: TMDB's image host, paced by the TMDB budget when on the same host
EXTRA_URL_VARS = {"tmdb_image": ("METARR_TMDB_IMAGE_URL", "https://image.tmdb.org/t/p")}


def sources() -> tuple[Source, ...]:
    return SOURCES


def get(name: str) -> Source | None:
    return next((s for s in SOURCES if s.name == name), None)


def url_vars() -> dict[str, tuple[str, str]]:
    return {**{s.name: (s.url_var, s.default_url) for s in SOURCES}, **EXTRA_URL_VARS}


def key_vars() -> dict[str, str]:
    return {s.name: s.key_var for s in SOURCES if s.key_var}


def default_limits() -> dict[str, Limits]:
    return {s.name: s.limits for s in SOURCES}


def trust() -> dict[str, int]:
    return {s.name: s.trust for s in SOURCES}


def endpoints(urls: dict[str, str], keys: dict[str, str]) -> dict[str, Endpoint]:
    """The sources that can be asked: keyless ones always, the others when their key is set."""
    return {s.name: s.endpoint(urls[s.name], keys.get(s.name)) for s in SOURCES
            if s.key_var is None or s.name in keys}


def art_fetchers(kind: str) -> list[tuple[str, ArtFetcher]]:
    """Artwork-only sources for an entity kind, in declaration order."""
    return [(s.name, s.art[kind]) for s in SOURCES if kind in s.art]


def parse_limits(text: str) -> dict[str, Limits]:
    """`METARR_PROVIDER_LIMITS`: `tmdb=38/1/8,fanart=5` — requests per second, then optionally the
    burst and the concurrency; what is left out keeps the provider's default."""
    defaults = default_limits()
    out: dict[str, Limits] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, spec = part.partition("=")
        name = name.strip().lower()
        is_host = "." in name or ":" in name or name == "localhost"   # an artwork host: image.tmdb.org=10/5/4
        if name not in defaults and not is_host:
            raise ValueError(f"METARR_PROVIDER_LIMITS: unknown provider {name!r} "
                             f"(one of {', '.join(sorted(defaults))}, or an artwork host name)")
        base = defaults.get(name) or Limits(10.0, 5, 4)
        fields = [f.strip() for f in spec.split("/")]
        try:
            rps = float(fields[0])
            burst = int(fields[1]) if len(fields) > 1 and fields[1] else base.burst
            conc = int(fields[2]) if len(fields) > 2 and fields[2] else base.concurrency
        except ValueError:
            raise ValueError(f"METARR_PROVIDER_LIMITS: {part!r} is not name=rps[/burst[/concurrency]]") from None
        if not (rps > 0 and burst >= 1 and conc >= 1) or len(fields) > 3:
            raise ValueError(f"METARR_PROVIDER_LIMITS: {part!r} needs rps > 0, burst >= 1, concurrency >= 1")
        out[name] = Limits(rps, burst, conc)
    return out


def parse_timeouts(text: str) -> dict[str, float]:
    """`METARR_PROVIDER_TIMEOUTS`: `fanart=5,musicbrainz=30` — seconds an answer may take (default
    10, MusicBrainz and Cover Art Archive 30); a provider that takes longer counts as failing."""
    names = {s.name for s in SOURCES}
    out: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if name not in names:
            raise ValueError(f"METARR_PROVIDER_TIMEOUTS: unknown provider {name!r} (one of {', '.join(sorted(names))})")
        try:
            seconds = float(value)
        except ValueError:
            raise ValueError(f"METARR_PROVIDER_TIMEOUTS: {part!r} is not name=seconds") from None
        if not 0 < seconds <= 600:
            raise ValueError(f"METARR_PROVIDER_TIMEOUTS: {part!r} needs 0 < seconds <= 600")
        out[name] = seconds
    return out
