"""Series, seasons and episodes of a unit."""
from __future__ import annotations

from metarr import metadata as md
from metarr.db.media import Episode, MediaFile, Season, Series
from metarr.db.models import Library
from metarr.nfo import entity_map as nfo_map
from metarr.scanning.entities import (
    fill,
    fresh,
    get_or_create,
    identified,
    ids_update,
    new_entity,
    retire_children,
)
from metarr.scanning.file_rows import link
from metarr.scanning.group import EpisodeItem, ShowItem
from metarr.scanning.nfo_import import import_nfo
from metarr.scanning.report import ScanContext, ScanReport


def apply_show(db, lib: Library, s: ShowItem, files: dict[str, MediaFile], touched: set[str], ctx: ScanContext,
                rep: ScanReport, now: float) -> int:
    values = {"title": s.title.title, "year": s.title.year}
    row, created = get_or_create(Series, "series", lib, s.key, "title",
                                  {**values, "parsed": {**values, "source": s.title.source}}, rep, now)
    link(db, files, s.files, "series", row.id)
    if s.nfo and (created or s.nfo in touched):
        import_nfo(db, "series", row.id, s.nfo, lib, rep, nfo_map.series_update,
                    fresh("series", values, "title") if created else None)
    fill("series", row.id, ids_update(s.ids, "series"), "name")
    if ctx.ids:
        fill("series", row.id, ids_update(ctx.ids, "series"), "webhook")
    identified(Series, row.id)
    seasons = {x.number: x for x in Season.select().where(Season.series_id == row.id)}
    present: set[int] = set()
    changed = created or any(o.path in touched for o in s.files)
    for e in s.episodes:
        if e.season not in seasons:
            seasons[e.season] = new_entity(Season, series_id=row.id, number=e.season, library_id=lib.id)
        present |= set(_apply_episodes(db, lib, row.id, e, files, touched, rep, now))
        changed = changed or any(o.path in touched for o in e.files)
    retire_children(Episode, Episode.series_id, row.id, present, now)
    if changed:
        rep.targets.append(("series", row.id))
    return row.id


def _apply_episodes(db, lib: Library, series_id: int, e: EpisodeItem, files: dict[str, MediaFile], touched: set[str],
                    rep: ScanReport, now: float) -> list[int]:
    f = files.get(e.path)
    ids = []
    for part, number in enumerate(e.episodes):
        ep = Episode.get_or_none((Episode.series_id == series_id) & (Episode.season == e.season)
                                 & (Episode.episode == number))
        if ep is None:
            ep = new_entity(Episode, series_id=series_id, season=e.season, episode=number, library_id=lib.id,
                             absolute=e.absolute, aired=e.air_date, title=(e.title if len(e.episodes) == 1 else None) or "",
                             file_id=f.id if f else None, part=part)
            rep.created += 1
        else:
            Episode.update(file_id=f.id if f else None, part=part, deleted_at=None, updated_at=now).where(
                Episode.id == ep.id).execute()
        ids.append(ep.id)
    if f is not None:
        link(db, files, e.files, "episode", ids[0])
    if e.nfo and (e.nfo in touched or e.path in touched):
        doc = import_nfo(db, "episode", ids[0], e.nfo, lib, rep, nfo_map.episode_update)
        for sub in getattr(doc, "episodes", ()) or ():
            target = next((i for i, n in zip(ids, e.episodes, strict=True)
                           if n == sub.episode and (sub.season is None or sub.season == e.season)), None)
            if target:
                md.apply(db, "episode", target, nfo_map.episode_update(sub))
                rep.nfo_imported += 1
    return ids
