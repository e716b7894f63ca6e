"""A user's pick of an id is checked with its provider before anything changes or is locked: an id
the provider does not know is refused, and a provider that cannot answer now is a "try again", never
a silent lock of an unverified id (the job would otherwise "succeed" with `degraded: not found` and
publish the bogus id into the NFO)."""
from __future__ import annotations

from dataclasses import dataclass

from metarr.sources import musicbrainz, tmdb, tvdb
from metarr.sources.http import Call, NotFound, ProviderError, RateLimited, Unavailable

COLUMNS = {"tmdb": "tmdb_id", "tvdb": "tvdb_id", "musicbrainz": "musicbrainz_id"}


@dataclass(frozen=True)
class Verified:
    provider: str
    id: int | str
    title: str | None
    year: int | None


class UnknownId(Exception):
    """The provider answered: there is no such item (HTTP 404). Nothing may change."""


class CannotVerify(Exception):
    """The provider cannot answer now (no key, down, rate limited, circuit open): ask again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def verify(call: Call, kind: str, provider: str, ident: int | str, image_base: str, language: str) -> Verified:
    fetch = {("movie", "tmdb"): lambda: tmdb.movie(call, int(ident), image_base, language),
             ("series", "tmdb"): lambda: tmdb.tv(call, int(ident), image_base, language),
             ("series", "tvdb"): lambda: tvdb.series(call, int(ident)),
             ("artist", "musicbrainz"): lambda: musicbrainz.artist(call, str(ident))}.get((kind, provider))
    if fetch is None:
        raise UnknownId(f"{provider} ids do not apply to a {kind}")
    try:
        meta = fetch()
    except NotFound:
        raise UnknownId(f"{provider} has no {kind} with id {ident}") from None
    except (Unavailable, RateLimited) as e:
        raise CannotVerify(f"cannot check the id with {provider} now: {e}", getattr(e, "retry_after", None)) from None
    except ProviderError as e:
        if e.retryable:
            raise CannotVerify(f"cannot check the id with {provider} now: {e}") from None
        raise UnknownId(f"{provider} refused id {ident}: {e}") from None
    title = meta.scalars.get("title") or meta.scalars.get("name")
    return Verified(provider, ident, title, meta.scalars.get("year"))


def take_pick(db, kind: str, eid: int, column: str, value) -> None:
    """The user's verified pick: the id is set and locked, the item leaves the ambiguous state."""
    from metarr import metadata as md
    from metarr.db.database import write_tx
    from metarr.db.media import ENTITY_MODELS
    model = ENTITY_MODELS[kind]
    with write_tx(db):
        model.update(state="identified", candidates=None).where(model.id == eid).execute()
    md.apply(db, kind, eid, md.Update("user", {column: value}, lock=True))

