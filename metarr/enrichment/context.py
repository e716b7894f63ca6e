"""What every enrichment shares: the context of one run (the library's languages, the configured
providers), its result, one provider step that degrades instead of failing, and the marks an item
gets (enriched, unidentified with its reason).

May import: metarr.db, metarr.sources, metarr.service, metarr.enrichment's pure modules."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from metarr import metadata as md
from metarr.db.database import write_tx
from metarr.enrichment import languages, scoring, texts
from metarr.service import settings
from metarr.sources import registry
from metarr.sources.http import Call, NotFound, ProviderError, Unavailable
from metarr.sources.models import Metadata


@dataclass
class EnrichResult:
    entity_type: str
    entity_id: int
    state: str
    changed: list[str] = field(default_factory=list)
    candidates: int = 0
    selected: int = 0
    degraded: list[str] = field(default_factory=list)   # providers that failed or are unconfigured
    touched: int = 0   # rows written besides `changed` (candidates, selections, children, state)
    missing: list[str] = field(default_factory=list)    # providers gone without: their circuit was open
    answered: list[str] = field(default_factory=list)   # providers that gave an answer (or none to give)
    collection: dict | None = None   # a movie's collection link (collection_link.Link as JSON)

    @property
    def modified(self) -> bool:
        """Whether the enrichment changed anything at all (a refresh that did not is not published)."""
        return bool(self.changed) or self.touched > 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


class Ambiguous(Exception):
    pass


def safe(res: EnrichResult, provider: str, fn, *args, default=None, needed: bool = False):
    """Run one provider step; a provider problem is noted and the rest goes on. A `needed` step
    (identification) does not go on without an answer from a provider whose circuit is open:
    no answer is not "no match", and the item would be left unidentified for good."""
    try:
        out = fn(*args)
        if provider not in res.answered:
            res.answered.append(provider)
        return out
    except Unavailable as e:
        if needed and e.retry_after is not None:
            raise   # the job asks again once the circuit lets requests through
        res.degraded.append(f"{provider}: {e}")
        if e.retry_after is not None and provider not in res.missing:
            res.missing.append(provider)   # not "nothing there": filled in once it answers again
    except NotFound:
        if provider not in res.answered:
            res.answered.append(provider)
        res.degraded.append(f"{provider}: not found")
    except ProviderError as e:
        if e.retryable:
            raise   # the job retries later (rate limit, 5xx, timeout)
        res.degraded.append(f"{provider}: {e}")
    return default


def provider_update(source: str, meta: Metadata) -> md.Update:
    return md.Update(source, {k: v for k, v in meta.scalars.items() if v not in (None, "")}, meta.lists,
                     cast=meta.cast or None, ratings=meta.ratings or None)


@dataclass(frozen=True)
class Ctx:
    call: Call
    image_base: str
    configured: frozenset[str]
    language: str = "en"
    min_confidence: float = 0.75
    wish: texts.Wish = texts.Wish()   # the library's languages and certification country
    fanart_count: int = 1          # backdrops chosen for movies and shows (publish.fanart_count)


def mark(model, eid: int, **values) -> None:
    model.update(updated_at=time.time(), **values).where(model.id == eid).execute()


def not_identified(db, model, eid: int, reason: str, candidates=None) -> None:
    """The item stays visibly unidentified (or ambiguous), with the reason the user is shown; publish
    writes nothing for it (metarr.publishing.desired.unidentified_reason)."""
    with write_tx(db):
        mark(model, eid, state="ambiguous" if reason == "ambiguous" else "unidentified", identify_reason=reason,
              candidates=candidates)


def no_match_reason(candidates) -> str:
    return "ambiguous" if candidates else "no_match"


def finish(db, model, eid: int, prior_state: str, res: EnrichResult) -> None:
    """Mark the item enriched, unless it already was and nothing changed: a refresh that found
    nothing new writes nothing (the row keeps its timestamps and its published state)."""
    if prior_state in ("enriched", "published") and not res.modified:
        res.state = prior_state
        return
    with write_tx(db):
        mark(model, eid, state="enriched", enriched_at=time.time(), candidates=None, identify_reason=None)
    res.state = "enriched"
    res.touched += 1


def pick_along(ctx: Ctx, search, title: str, year: int | None):
    """Search in the library's language, then (only while no hit is sure) in its fallbacks: a
    search answers titles in the language asked, and a folder named in English ("Nosferatu") is
    not like the German title of its film. The candidates of the first language otherwise."""
    first = None
    for language in ctx.wish.languages.chain() or (ctx.language,):
        best, cands = scoring.pick(title, year, search(language), ctx.min_confidence)
        if best is not None:
            return best, cands
        first = cands if first is None else first
    return None, first or []


def more_art(res: EnrichResult, ctx: Ctx, kind: str, ids: dict[str, str]) -> list:
    """Candidates from the artwork-only sources declared for this kind (sources/registry.py)."""
    ids = {k: v for k, v in ids.items() if v and v != "None"}
    out: list = []
    for name, fetch in registry.art_fetchers(kind):
        if name in ctx.configured:
            out += safe(res, name, fetch, ctx.call, ids, default=[]) or []
    return out


def make_ctx(db, call: Call, config, configured: set[str], language: str | None = None, library=None) -> Ctx:
    """`library`: the item's library row, whose language, fallbacks and certification country the
    texts and the certification follow."""
    language = (library.language if library is not None else None) or language or settings.get(db, "enrich.language")
    fallbacks = tuple(library.fallback_languages if library is not None and library.fallback_languages is not None
                      else ("en",))
    country = (library.certification_country if library is not None else None) or \
        settings.get(db, "enrich.certification_country")
    wish = texts.Wish(languages.Languages(language, fallbacks, tuple(settings.get(db, "enrich.image_languages"))),
                      country, settings.get(db, "enrich.certification_fallback") or None,
                      settings.get(db, "enrich.certification_style"))
    return Ctx(call=call, image_base=config.provider_urls["tmdb_image"], configured=frozenset(configured),
               language=language, min_confidence=float(settings.get(db, "enrich.min_confidence")), wish=wish,
               fanart_count=int(settings.get(db, "publish.fanart_count")))
