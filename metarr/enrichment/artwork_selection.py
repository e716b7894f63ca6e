"""Artwork candidates and the choice between them: every image a provider offers is stored as a
scored candidate; the best per slot is selected unless the slot is locked or holds the user's
choice; then (the cache job) the selection is downloaded into the cache and the slots point at it.
A transient download failure never lets a worse image win (see cache_selected)."""
from __future__ import annotations

import logging
import time
from typing import Any

from metarr import metadata as md
from metarr.db.database import write_tx
from metarr.db.media import Album, ArtworkSlot, AssetCandidate, CastMember, Episode, FieldState, Season
from metarr.enrichment import scoring
from metarr.sources.models import Art

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ candidates and selection

CAND_FIELDS = ("slot", "season", "provider", "width", "height", "language", "votes", "vote_average", "likes",
               "score", "breakdown")


def store_candidates(db, entity_type: str, entity_id: int, arts: list[Art], user_lang: str,
                     res=None, image_order: tuple[str | None, ...] | None = None) -> int:
    """Store the offered artwork; rows whose values did not change are not written (counted in
    `res.touched` when given). `image_order`: the languages images are preferred in (None = no
    text), the library's; without it the slot's default order around `user_lang`."""
    now = time.time()
    with write_tx(db):
        # the entity's candidates by slot and URL in one read; new ones in one insert
        fields = [getattr(AssetCandidate, f) for f in CAND_FIELDS]
        existing, current = {}, {}
        for row in AssetCandidate.select(AssetCandidate.id, AssetCandidate.url, *fields).where(
                (AssetCandidate.entity_type == entity_type) & (AssetCandidate.entity_id == entity_id)).tuples():
            values = dict(zip(CAND_FIELDS, row[2:], strict=True))
            existing[(values["slot"], row[1])] = row[0]
            current[(values["slot"], row[1])] = values
        new: dict[tuple[str, str], dict] = {}
        for a in arts:
            prefs = scoring.language_order(a.slot, image_order) if image_order else None
            score, parts = scoring.art_score(a, a.slot, user_lang, prefs)
            values = dict(slot=a.slot, season=a.season, provider=a.provider, width=a.width, height=a.height,
                          language=a.language, votes=a.votes, vote_average=a.vote_average, likes=a.likes, score=score,
                          breakdown=parts)
            key = (a.slot, a.url)
            if key in existing:
                if not _same(current[key], values):
                    AssetCandidate.update(**values).where(AssetCandidate.id == existing[key]).execute()
                    current[key] = values
                    if res is not None:
                        res.touched += 1
            else:   # the last offer of a URL for a slot wins, as when each was written in turn
                new[key] = dict(entity_type=entity_type, entity_id=entity_id, url=a.url, created_at=now, **values)
        if new:
            AssetCandidate.insert_many(list(new.values())).execute()
            if res is not None:
                res.touched += len(new)
    return len(arts)


def _same(old: dict, new: dict) -> bool:
    def norm(v):
        return round(v, 6) if isinstance(v, float) else v
    return all(norm(old.get(k)) == norm(v) for k, v in new.items())


def slot_locked(entity_type: str, entity_id: int, slot: str) -> bool:
    locked, sources = _slot_guards(entity_type, entity_id)
    return slot in locked or sources.get(slot) in ("user", "upload")


def _slot_guards(entity_type: str, entity_id: int) -> tuple[set[str], dict[str, str]]:
    """The entity's locked art slots, and the source of each first-rank slot, in two reads."""
    locked = {f[4:] for (f,) in FieldState.select(FieldState.field).where(
        (FieldState.entity_type == entity_type) & (FieldState.entity_id == entity_id)
        & FieldState.field.startswith("art:") & (FieldState.locked == True)).tuples()}  # noqa: E712
    sources = dict(ArtworkSlot.select(ArtworkSlot.slot, ArtworkSlot.source).where(
        (ArtworkSlot.entity_type == entity_type) & (ArtworkSlot.entity_id == entity_id)
        & (ArtworkSlot.rank == 0)).tuples())
    return locked, sources


def auto_select(db, entity_type: str, entity_id: int, limits: dict[str, int] | None = None,
                res=None) -> int:
    """Select the best unrejected candidates per slot (`limits`: how many; fanart may keep several),
    unless the slot is locked or the user chose. A slot that holds the user's own local artwork keeps
    it unless a candidate is clearly bigger. A guarded slot that keeps several images keeps its main
    one and gets the best others as its extra images."""
    limits = limits or scoring.DEFAULT_LIMITS
    cands = list(AssetCandidate.select().where((AssetCandidate.entity_type == entity_type)
                                               & (AssetCandidate.entity_id == entity_id)
                                               & (AssetCandidate.rejected == False)))  # noqa: E712
    by_slot: dict[str, list[AssetCandidate]] = {}
    for c in cands:
        by_slot.setdefault(c.slot, []).append(c)
    selected = 0
    with write_tx(db):
        locked, sources = _slot_guards(entity_type, entity_id)
        mains = _main_candidates(entity_type, entity_id)
        for slot, items in by_slot.items():
            limit = limits.get(slot, 0)
            if limit <= 0:
                continue
            ranked = sorted(items, key=lambda c: (-c.score, c.id))
            user = [c for c in ranked if c.selected and c.selected_by == "user"]
            if user or slot in locked or sources.get(slot) in ("user", "upload", "local"):
                # the user's choice (or their own file) stays the slot's image
                if limit == 1:
                    continue
                main = user[:1] or [c for c in items if c.id == mains.get(slot)]
                want = main + [c for c in ranked if c not in main and c.selected_by != "user"][:limit - 1]
            else:
                want = ranked[:limit]
            for c in items:
                on = c in want
                if c.selected != on:
                    AssetCandidate.update(selected=on, selected_by="auto" if on else None).where(
                        AssetCandidate.id == c.id).execute()
                    if res is not None:
                        res.touched += 1
            selected += len(want)
    return selected


def _main_candidates(entity_type: str, entity_id: int) -> dict[str, int]:
    """The candidate each slot's main image (rank 0) came from, where it came from one."""
    return dict(ArtworkSlot.select(ArtworkSlot.slot, ArtworkSlot.candidate_id).where(
        (ArtworkSlot.entity_type == entity_type) & (ArtworkSlot.entity_id == entity_id) & (ArtworkSlot.rank == 0)
        & ArtworkSlot.candidate_id.is_null(False)).tuples())


# ------------------------------------------------------------------ cache the selected artwork

def children(entity_type: str, entity_id: int) -> list[tuple[str, int]]:
    out = [(entity_type, entity_id)]
    if entity_type == "series":
        out += [("season", s.id) for s in Season.select(Season.id).where(Season.series_id == entity_id)]
        out += [("episode", e.id) for e in Episode.select(Episode.id).where(Episode.series_id == entity_id)]
    elif entity_type == "artist":
        out += [("album", al.id) for al in Album.select(Album.id).where(Album.artist_id == entity_id)]
    return out


def cache_selected(db, fetch, entity_type: str, entity_id: int, with_actors: bool = True,
                   limits: dict[str, int] | None = None) -> dict[str, Any]:
    """Download every selected candidate (and cast images) into the cache and point the slots at
    them. `fetch(url, kind)` returns the CacheFile row (the AssetCache actor, which paces and retries).
    A permanent refusal (404/410, not an image, too large, blocked) rejects the candidate with its
    reason and the slot's next best is selected and fetched. A transient failure (429, 5xx, timeout)
    rejects nothing: the selection stays, the slot keeps what it had, and `retry` tells the job to
    try again later, so a busy host never makes a worse image win. `limits`: the root item's images
    per slot (its extra backdrops, placed as the fanart slot's further ranks)."""
    from metarr.assets.errors import AssetError, is_transient, reason_code
    from metarr.assets.images import is_near_duplicate
    done, failed, retry = 0, [], []

    def mark(c, **values):
        with write_tx(db):
            AssetCandidate.update(**values).where(AssetCandidate.id == c.id).execute()

    for et, eid in children(entity_type, entity_id):
        own = (limits or scoring.DEFAULT_LIMITS) if et == entity_type else scoring.DEFAULT_LIMITS
        chosen: list[str] = []
        tried: set[int] = set()
        while True:
            # materialised: a lazily read cursor would pin an old snapshot and make our writes fail with BUSY
            # (an auto choice in a locked slot is fetched only as one of its extra images)
            pending = [c for c in AssetCandidate.select().where(
                (AssetCandidate.entity_type == et) & (AssetCandidate.entity_id == eid)
                & (AssetCandidate.selected == True)).order_by(AssetCandidate.slot, AssetCandidate.score.desc())  # noqa: E712
                if c.id not in tried and not (slot_locked(et, eid, c.slot) and c.selected_by != "user"
                                              and own.get(c.slot, 1) <= 1)]
            if not pending:
                break
            refused = False
            for c in pending:
                tried.add(c.id)
                try:
                    cf = fetch(c.url, "assets")
                except AssetError as e:
                    code = reason_code(e)
                    if is_transient(e):
                        retry.append({"url": c.url, "reason": code, "retry_after": getattr(e, "retry_after", None)})
                        mark(c, status_reason=f"retrying:{code}")
                    else:
                        failed.append({"url": c.url, "reason": code})
                        mark(c, rejected=True, selected=False, status_reason=code)
                        refused = True
                    continue
                if any(is_near_duplicate(cf.phash, p) for p in chosen if cf.phash and p):
                    log.info("near-duplicate of an already selected image skipped: %s", c.url)
                chosen.append(cf.phash or "")
                mark(c, cache_file_id=cf.id, status_reason=None)
                done += 1
            if not refused:
                break
            auto_select(db, et, eid, own)   # the next best of a slot whose choice was refused for good
        _place(db, et, eid, own)
        if with_actors and et in ("movie", "series"):
            for cm in list(CastMember.select().where((CastMember.entity_type == et) & (CastMember.entity_id == eid)
                                                     & CastMember.thumb_url.is_null(False)
                                                     & CastMember.cache_file_id.is_null(True))):
                if not cm.thumb_url.startswith("http"):
                    continue
                try:
                    cf = fetch(cm.thumb_url, "actors")
                except AssetError as e:
                    if is_transient(e):
                        retry.append({"url": cm.thumb_url, "reason": reason_code(e),
                                      "retry_after": getattr(e, "retry_after", None)})
                    else:
                        failed.append({"url": cm.thumb_url, "reason": reason_code(e)})
                    continue
                with write_tx(db):
                    CastMember.update(cache_file_id=cf.id).where(CastMember.id == cm.id).execute()
                done += 1
    return {"cached": done, "failed": failed, "retry": retry}


def _place(db, et: str, eid: int, limits: dict[str, int]) -> None:
    """The slots' images from the selected candidates now in the cache: the main one (rank 0), the
    user's choice first, unless the slot holds the user's own file or a locked choice; then the
    extra ones by score as ranks 1… (fanart); ranks beyond them go."""
    cands = list(AssetCandidate.select().where(
        (AssetCandidate.entity_type == et) & (AssetCandidate.entity_id == eid) & (AssetCandidate.selected == True)  # noqa: E712
        & AssetCandidate.cache_file_id.is_null(False)).order_by(AssetCandidate.slot, AssetCandidate.score.desc(),
                                                                AssetCandidate.id))
    by_slot: dict[str, list[AssetCandidate]] = {}
    for c in cands:
        by_slot.setdefault(c.slot, []).append(c)
    locked, sources = _slot_guards(et, eid)
    mains = _main_candidates(et, eid)
    ranks: dict[str, int] = {}
    for slot, rank in ArtworkSlot.select(ArtworkSlot.slot, ArtworkSlot.rank).where(
            (ArtworkSlot.entity_type == et) & (ArtworkSlot.entity_id == eid) & (ArtworkSlot.rank > 0)).tuples():
        ranks[slot] = max(rank, ranks.get(slot, 0))
    for slot in set(by_slot) | set(ranks):
        items = by_slot.get(slot, [])
        user = [c for c in items if c.selected_by == "user"]
        guarded = slot in locked or sources.get(slot) in ("user", "upload", "local")
        main = user[0] if user else (None if guarded or not items else items[0])
        if main is not None:
            _fill_slot(db, et, eid, main, main.cache_file_id, 0)
        kept = {main.id if main else mains.get(slot)}
        extras = [c for c in items if c.id not in kept and c.selected_by != "user"][:max(0, limits.get(slot, 1) - 1)]
        for rank, c in enumerate(extras, 1):
            _fill_slot(db, et, eid, c, c.cache_file_id, rank)
        if ranks.get(slot, 0) > len(extras):   # fewer extra images than before (the count was lowered)
            with write_tx(db):
                ArtworkSlot.delete().where((ArtworkSlot.entity_type == et) & (ArtworkSlot.entity_id == eid)
                                           & (ArtworkSlot.slot == slot)
                                           & (ArtworkSlot.rank > len(extras))).execute()


def _fill_slot(db, et: str, eid: int, c: AssetCandidate, cache_file_id: int, rank: int = 0) -> None:
    with write_tx(db):
        have = ArtworkSlot.get_or_none((ArtworkSlot.entity_type == et) & (ArtworkSlot.entity_id == eid)
                                       & (ArtworkSlot.slot == c.slot) & (ArtworkSlot.rank == rank))
        source = "user" if c.selected_by == "user" else f"provider:{c.provider}"
        if have is None:
            ArtworkSlot.create(entity_type=et, entity_id=eid, slot=c.slot, season=None, rank=rank,
                               cache_file_id=cache_file_id, source=source, candidate_id=c.id, updated_at=time.time())
        elif have.cache_file_id != cache_file_id or have.source != source or have.candidate_id != c.id:
            ArtworkSlot.update(cache_file_id=cache_file_id, source=source, candidate_id=c.id,
                               updated_at=time.time()).where(ArtworkSlot.id == have.id).execute()
        if rank == 0:
            md.set_state(et, eid, f"art:{c.slot}", source, locked=True if source == "user" else None)


# ------------------------------------------------------------------ the user's choices

def list_for(kind: str, eid: int, slot: str | None = None) -> list[dict]:
    from metarr.library.browse import candidate_json
    query = AssetCandidate.select().where((AssetCandidate.entity_type == kind) & (AssetCandidate.entity_id == eid))
    if slot:
        query = query.where(AssetCandidate.slot == slot)
    return [candidate_json(c) for c in query.order_by(AssetCandidate.slot, AssetCandidate.score.desc())]


def user_choice(db, kind: str, eid: int, cid: int, action: str):
    """The user selects a candidate (it replaces the slot's selection and locks the slot) or rejects
    it. The candidate row after the change, or None when it is not one of this item's."""
    c = AssetCandidate.get_or_none((AssetCandidate.id == cid) & (AssetCandidate.entity_type == kind)
                                   & (AssetCandidate.entity_id == eid))
    if c is None:
        return None
    with write_tx(db):
        if action == "select":
            AssetCandidate.update(selected=False, selected_by=None).where(
                (AssetCandidate.entity_type == kind) & (AssetCandidate.entity_id == eid)
                & (AssetCandidate.slot == c.slot) & (AssetCandidate.id != c.id)).execute()
            AssetCandidate.update(selected=True, rejected=False, selected_by="user").where(
                AssetCandidate.id == c.id).execute()
            md.set_state(kind, eid, f"art:{c.slot}", "user", locked=True)
        else:
            AssetCandidate.update(rejected=True, selected=False, selected_by=None, status_reason="user_rejected").where(
                AssetCandidate.id == c.id).execute()
    return AssetCandidate.get_by_id(c.id)


def use_upload(db, kind: str, eid: int, slot: str, cache_file_id: int) -> None:
    """An uploaded image (already in the cache) becomes the slot's artwork, locked."""
    with write_tx(db):
        have = ArtworkSlot.get_or_none((ArtworkSlot.entity_type == kind) & (ArtworkSlot.entity_id == eid)
                                       & (ArtworkSlot.slot == slot) & (ArtworkSlot.rank == 0))
        if have is None:
            ArtworkSlot.create(entity_type=kind, entity_id=eid, slot=slot, rank=0, cache_file_id=cache_file_id,
                               source="upload", updated_at=time.time())
        else:
            ArtworkSlot.update(cache_file_id=cache_file_id, source="upload", candidate_id=None,
                               updated_at=time.time()).where(ArtworkSlot.id == have.id).execute()
        md.set_state(kind, eid, f"art:{slot}", "user", locked=True)
