"""Enrichment of music: an artist (MusicBrainz, Fanart.tv) with its albums, or one album on its own
(release group, Cover Art Archive, Fanart.tv's covers)."""
from __future__ import annotations

import logging
import time

from metarr import metadata as md
from metarr.db.database import write_tx
from metarr.db.media import Album, Artist
from metarr.enrichment import scoring
from metarr.enrichment.artwork_selection import auto_select, store_candidates
from metarr.enrichment.context import (
    Ctx,
    EnrichResult,
    finish,
    mark,
    no_match_reason,
    not_identified,
    provider_update,
    safe,
)
from metarr.sources import fanart, musicbrainz
from metarr.sources.models import Art

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ music

def enrich_artist(db, ctx: Ctx, artist_id: int) -> EnrichResult:
    a = Artist.get_by_id(artist_id)
    res = EnrichResult("artist", artist_id, a.state)
    mbid = a.musicbrainz_id
    if not mbid:
        hits = safe(res, "musicbrainz", musicbrainz.search_artist, ctx.call, a.name, default=[], needed=True) or []
        best, cands = scoring.pick(a.name, None, [h for h in hits], threshold=0.8)
        if best is None:
            not_identified(db, Artist, artist_id, no_match_reason(cands), cands)
            res.state = Artist.get_by_id(artist_id).state
            return res
        mbid = best.id
    meta = safe(res, "musicbrainz", musicbrainz.artist, ctx.call, mbid)
    album_art: dict[str, list[Art]] = {}
    arts: list[Art] = []
    if meta is not None:
        res.changed += md.apply(db, "artist", artist_id, provider_update("provider:musicbrainz", meta))
    if "fanart" in ctx.configured:
        got = safe(res, "fanart", fanart.music_art, ctx.call, mbid, default=([], {})) or ([], {})
        arts, album_art = list(got[0]), got[1]
    res.candidates = store_candidates(db, "artist", artist_id, arts, ctx.language, res)
    res.selected = auto_select(db, "artist", artist_id, res=res)
    groups = (meta.ids.get("release_groups") if meta else None) or {}
    for al in list(Album.select().where((Album.artist_id == artist_id) & Album.deleted_at.is_null(True))):
        _enrich_album(db, ctx, res, a, al, groups, album_art)
    finish(db, Artist, artist_id, a.state, res)
    return res


def _enrich_album(db, ctx: Ctx, res: EnrichResult, a: Artist, al: Album, groups: dict[str, str],
                  album_art: dict[str, list[Art]]) -> str | None:
    """One album of `a`: its release group (stored, matched in the artist's list by title, or
    searched), metadata, cover art and Fanart.tv's covers for it. The album's state afterwards, or
    None when no release group was found (the album is left as it was)."""
    rg = al.musicbrainz_id or next((k for k, t in groups.items()
                                    if scoring.norm_title(t) == scoring.norm_title(al.title)), None)
    if not rg:
        hits = safe(res, "musicbrainz", musicbrainz.search_release_group, ctx.call, a.name, al.title, default=[]) or []
        best, _ = scoring.pick(al.title, al.year, hits, threshold=0.8)
        rg = best.id if best else None
    if not rg:
        return None
    rmeta = safe(res, "musicbrainz", musicbrainz.release_group, ctx.call, rg)
    before = res.touched
    if rmeta is not None:
        res.touched += len(md.apply(db, "album", al.id, provider_update("provider:musicbrainz", rmeta)))
    covers = safe(res, "coverart", musicbrainz.cover_art, ctx.call, rg, default=[]) or []
    store_candidates(db, "album", al.id, covers + album_art.get(rg, []), ctx.language, res)
    auto_select(db, "album", al.id, res=res)
    if res.touched > before or al.state not in ("enriched", "published"):
        with write_tx(db):
            mark(Album, al.id, state="enriched", enriched_at=time.time(), identify_reason=None)
        return "enriched"
    return al.state


def enrich_album(db, ctx: Ctx, album_id: int) -> EnrichResult:
    """One album on its own (the user's "enrich" on an album): what the artist's enrichment does
    for it, without the artist's other albums. Fanart.tv's covers and the artist's list of release
    groups need the artist's MusicBrainz id; without it the release group is searched."""
    al = Album.get_by_id(album_id)
    a = Artist.get_by_id(al.artist_id)
    res = EnrichResult("album", album_id, al.state)
    groups: dict[str, str] = {}
    album_art: dict[str, list[Art]] = {}
    if a.musicbrainz_id:
        if not al.musicbrainz_id:
            meta = safe(res, "musicbrainz", musicbrainz.artist, ctx.call, a.musicbrainz_id)
            groups = (meta.ids.get("release_groups") if meta else None) or {}
        if "fanart" in ctx.configured:
            album_art = (safe(res, "fanart", fanart.music_art, ctx.call, a.musicbrainz_id, default=([], {}))
                         or ([], {}))[1]
    state = _enrich_album(db, ctx, res, a, al, groups, album_art)
    if state is None:   # no release group: shown with the reason, as an unidentified movie is
        not_identified(db, Album, album_id, "provider_down" if res.degraded else "no_match")
        state = "unidentified"
    res.state = state
    return res
