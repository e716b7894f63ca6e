"""Changing a show's episode order: the preview (each file's episode now and in the new order, and
which published files would be written again) and the change itself (the order stored, the files'
episodes renumbered, what the old episodes had from the providers forgotten, their published NFOs
and thumbs moved to the recycle bin). The new texts and files come from the enrichment and publish
jobs the caller queues after."""
from __future__ import annotations

import time
from pathlib import Path

from metarr.db.media import ArtworkSlot, AssetCandidate, Episode, LibraryFile, Series
from metarr.db.models import Library
from metarr.enrichment import episode_match, episode_orders
from metarr.enrichment.context import Ctx
from metarr.enrichment.episode_match import Catalogue, Move
from metarr.library.recyclebin import recycle_path
from metarr.scanning.kodi_names import kodi_numbers
from metarr.sources import tmdb, tvdb


def catalogue(ctx: Ctx, s: Series) -> Catalogue:
    """The show's episodes at the providers (the same requests the enrichment makes, so mostly
    answered from the gateway's cache)."""
    infos = []
    if "tvdb" in ctx.configured and s.tvdb_id:
        infos = episode_orders.entries(tvdb.episodes(ctx.call, s.tvdb_id), "tvdb")
    if "tmdb" in ctx.configured and s.tmdb_id:
        meta = tmdb.tv(ctx.call, s.tmdb_id, ctx.image_base, ctx.language, ctx.wish.languages.image_request())
        for number in sorted(meta.seasons):
            season = tmdb.tv_season(ctx.call, s.tmdb_id, number, ctx.image_base, ctx.language,
                                    ctx.wish.languages.image_request())
            infos += episode_orders.entries(season.episodes, "tmdb")
    return Catalogue.of(infos)


def _plans(ctx: Ctx, s: Series, order: str) -> tuple[Catalogue, list[episode_orders.Row], list[Move], list[Move]]:
    cat = catalogue(ctx, s)
    rows = episode_orders.rows(s.id)
    old = s.episode_order or "aired"
    for o in dict.fromkeys((old, order)):
        episode_orders.add_order(ctx.call, cat, o, s.tmdb_id, s.tvdb_id, ctx.configured)
    if episode_orders.needs_absolute(rows):
        episode_orders.add_absolute(ctx.call, cat, s.tmdb_id, s.tvdb_id, ctx.configured)
    return cat, rows, episode_match.plan(rows, cat, old), episode_match.plan(rows, cat, order)


def _side(m: Move, cat: Catalogue) -> dict:
    number = m.target or m.current
    entry = cat.entries.get(m.match.key) if m.match.key else None
    return {"season": number[0], "episode": number[1], "title": entry.title if entry else None,
            "matched_by": m.match.how, "note": m.note or None}


def preview(ctx: Ctx, s: Series, order: str) -> dict:
    """File → episode in the current order and in `order`, and what would be written again."""
    return _preview(ctx, s, order)[0]


def _preview(ctx: Ctx, s: Series, order: str) -> tuple[dict, list[Move]]:
    order = episode_match.normalise(order)
    cat, rows, before, after = _plans(ctx, s, order)
    files = {r.id: r.file for r in rows}
    was = {m.id: m for m in before}
    out, changed_ids = [], set()
    for m in after:
        b = was[m.id]
        changed = (b.match.key, b.target or b.current) != (m.match.key, m.target or m.current)
        if changed:
            changed_ids.add(m.id)
        kodi = kodi_numbers(files[m.id]) if files.get(m.id) else None
        new = _side(m, cat)
        out.append({"episode_id": m.id, "file": files.get(m.id), "now": _side(b, cat), "new": new,
                    "changed": changed, "kodi_numbers": list(kodi) if kodi else None,
                    "kodi_differs": bool(kodi) and list(kodi) != [new["season"], new["episode"]]})
    out.sort(key=lambda x: (x["new"]["season"], x["new"]["episode"], x["file"] or ""))
    rewritten = [f.path for f in _published(_with_siblings(changed_ids))]
    return {"series_id": s.id, "order": order, "order_words": episode_match.describe(order),
            "current": s.episode_order or "aired", "source": cat.sources.get(order),
            "available": order == "aired" or order in cat.orders or order == "absolute",
            "files": out, "changed": len(changed_ids), "rewritten": sorted(rewritten),
            "display_order": episode_match.jellyfin_display_order(order, cat.group_types.get(order))}, after


def _with_siblings(ids: set[int]) -> set[int]:
    """The episodes sharing a file with these (one NFO holds a multi-episode file's episodes)."""
    if not ids:
        return set()
    files = {e.file_id for e in Episode.select(Episode.file_id).where(Episode.id.in_(list(ids))) if e.file_id}
    more = {e.id for e in Episode.select(Episode.id).where(Episode.file_id.in_(list(files) or [0]))}
    return set(ids) | more


def _published(ids: set[int]) -> list[LibraryFile]:
    if not ids:
        return []
    return list(LibraryFile.select().where((LibraryFile.entity_type == "episode")
                                           & LibraryFile.entity_id.in_(list(ids))))


def apply(db, ctx: Ctx, s: Series, order: str, recycle_root: Path) -> dict:
    """Store the order, renumber the files' episodes, forget the old episodes' provider artwork and
    move their published NFOs and thumbs to the recycle bin. Returns the preview it followed, with
    `recycled` (paths)."""
    shown, after = _preview(ctx, s, order)
    order = shown["order"]
    if not shown["available"]:
        return {**shown, "applied": False, "recycled": []}
    Series.update(episode_order=order, updated_at=time.time()).where(Series.id == s.id).execute()
    episode_orders.renumber(s.id, s.library_id, after)
    changed = {x["episode_id"] for x in shown["files"] if x["changed"]}
    _forget(changed)
    lib = Library.get_by_id(s.library_id)
    recycled = []
    for f in _published(_with_siblings(changed)):
        path = Path(lib.path) / f.path
        if path.exists():
            recycle_path(db, recycle_root, path, f"episode order changed to {shown['order_words']}", lib.id)
            recycled.append(f.path)
        LibraryFile.delete().where(LibraryFile.id == f.id).execute()
    return {**shown, "applied": True, "recycled": sorted(recycled)}


def _forget(ids: set[int]) -> None:
    """An episode row that now holds another episode drops the artwork offered for the old one (its
    thumb would stay otherwise); a user's choice (upload, locked slot) stays."""
    if not ids:
        return
    AssetCandidate.delete().where((AssetCandidate.entity_type == "episode") & AssetCandidate.entity_id.in_(list(ids))
                                  & (AssetCandidate.provider != "local")).execute()
    ArtworkSlot.delete().where((ArtworkSlot.entity_type == "episode") & ArtworkSlot.entity_id.in_(list(ids))
                               & ArtworkSlot.source.startswith("provider:")).execute()

