"""Series, seasons and episodes of a unit."""
from __future__ import annotations

from metarr import metadata as md
from metarr.db.media import Episode, MediaFile, Season, Series
from metarr.db.models import Library
from metarr.nfo import display_order
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


def _take_display_order(series_id: int, nfo: str, doc, rep: ScanReport) -> None:
    """A show met for the first time keeps the episode order its NFO's <displayorder> names (a library
    Jellyfin keeps in DVD order): its files are matched in that order from the first enrichment on.
    Later changes of the NFO are not followed: the order is changed on the show page (which renumbers)."""
    order, why = display_order.order_of(display_order.word(getattr(doc, "unknown", None)))
    if order:
        Series.update(episode_order=order).where(Series.id == series_id).execute()
    elif why:
        rep.problems.append((nfo, why))


def apply_show(db, lib: Library, s: ShowItem, files: dict[str, MediaFile], touched: set[str], ctx: ScanContext,
                rep: ScanReport, now: float) -> int:
    values = {"title": s.title.title, "year": s.title.year}
    row, created = get_or_create(Series, "series", lib, s.key, "title",
                                  {**values, "parsed": {**values, "source": s.title.source}}, rep, now)
    link(db, files, s.files, "series", row.id)
    if s.nfo and (created or s.nfo in touched):
        doc = import_nfo(db, "series", row.id, s.nfo, lib, rep, nfo_map.series_update,
                         fresh("series", values, "title") if created else None)
        if created and doc is not None:
            _take_display_order(row.id, s.nfo, doc, rep)
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


def named_facts(e: EpisodeItem, number: int) -> dict:
    """What the name says of one episode of the file: the kind of numbering and its numbers."""
    kind = "date" if e.air_date else ("absolute" if e.absolute is not None and len(e.episodes) == 1 else "sxe")
    return {"kind": kind, "season": e.season, "episode": number, "absolute": e.absolute, "air_date": e.air_date}


def _episode_row(series_id: int, e: EpisodeItem, f: MediaFile | None, part: int, named: dict) -> Episode | None:
    """The row of one episode of the file: the one already holding this part of this file while the
    name still says the same (matching may have numbered it in the show's order since), else the one
    at the name's numbers unless another file's episode, matched there, holds it."""
    if f is not None:
        ep = Episode.get_or_none((Episode.series_id == series_id) & (Episode.file_id == f.id) & (Episode.part == part))
        if ep is not None and ep.named == named:
            return ep
    ep = Episode.get_or_none((Episode.series_id == series_id) & (Episode.season == e.season)
                             & (Episode.episode == named["episode"]))
    if ep is not None and ep.named not in (None, named) and ep.file_id not in (None, f.id if f else None) \
            and ep.deleted_at is None:
        return None   # matched there for another file
    return ep


def _free_number(series_id: int, season: int) -> int:
    """A number no episode of the season has, below zero: a place for a file's episode until
    matching gives it its own (another file's episode holds the one its name says)."""
    low = (Episode.select(Episode.episode).where((Episode.series_id == series_id) & (Episode.season == season))
           .order_by(Episode.episode).limit(1).scalar()) or 0
    return min(low, 0) - 1


def _apply_episodes(db, lib: Library, series_id: int, e: EpisodeItem, files: dict[str, MediaFile], touched: set[str],
                    rep: ScanReport, now: float) -> list[int]:
    f = files.get(e.path)
    ids = []
    for part, number in enumerate(e.episodes):
        named = named_facts(e, number)
        ep = _episode_row(series_id, e, f, part, named)
        if ep is None:
            taken = Episode.get_or_none((Episode.series_id == series_id) & (Episode.season == e.season)
                                        & (Episode.episode == number))
            ep = new_entity(Episode, series_id=series_id, season=e.season,
                            episode=number if taken is None else _free_number(series_id, e.season),
                            library_id=lib.id, absolute=e.absolute, aired=e.air_date, named=named,
                            title=(e.title if len(e.episodes) == 1 else None) or "",
                            file_id=f.id if f else None, part=part)
            rep.created += 1
        else:
            Episode.update(file_id=f.id if f else None, part=part, named=named, deleted_at=None,
                           updated_at=now).where(Episode.id == ep.id).execute()
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
