"""MusicBrainz (JSON, meaningful User-Agent, 1 request/s; throttles with 503) and the Cover Art
Archive (image URLs redirect with 307; the downloader follows and re-checks them)."""
from __future__ import annotations

from metarr.sources.http import Call, Request
from metarr.sources.models import Art, Metadata, SearchHit, year_of

P = "musicbrainz"


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_artist(call: Call, name: str) -> list[SearchHit]:
    res = call(Request(P, "/artist", (("query", f"artist:{_quote(name)}"), ("limit", "10")), cache_ttl=86400)) or {}
    return [SearchHit(P, a["id"], a.get("name") or "", None, float(a.get("score") or 0)) for a in res.get("artists", [])]


def artist(call: Call, mbid: str) -> Metadata:
    a = call(Request(P, f"/artist/{mbid}", (("inc", "aliases+genres+release-groups"),))) or {}
    genres = [g["name"] for g in sorted(a.get("genres") or [], key=lambda g: -int(g.get("count") or 0))]
    scalars = {"name": a.get("name"), "sort_name": a.get("sort-name"),
               "formed": (a.get("life-span") or {}).get("begin"), "musicbrainz_id": a.get("id")}
    return Metadata(P, {"musicbrainz": a.get("id"),
                        "release_groups": {rg["id"]: rg.get("title") for rg in a.get("release-groups") or []}},
                    scalars, {"genres": genres})


def search_release_group(call: Call, artist_name: str, title: str) -> list[SearchHit]:
    q = f"releasegroup:{_quote(title)} AND artist:{_quote(artist_name)}"
    res = call(Request(P, "/release-group", (("query", q), ("limit", "10")), cache_ttl=86400)) or {}
    return [SearchHit(P, r["id"], r.get("title") or "", year_of(r.get("first-release-date")), float(r.get("score") or 0))
            for r in res.get("release-groups", [])]


def release_group(call: Call, mbid: str) -> Metadata:
    r = call(Request(P, f"/release-group/{mbid}", (("inc", "artist-credits+genres"),))) or {}
    scalars = {"title": r.get("title"), "year": year_of(r.get("first-release-date")), "musicbrainz_id": r.get("id")}
    return Metadata(P, {"musicbrainz": r.get("id")}, scalars,
                    {"genres": [g["name"] for g in r.get("genres") or []]})


def cover_art(call: Call, release_group_mbid: str) -> list[Art]:
    doc = call(Request("coverart", f"/release-group/{release_group_mbid}", not_found_ok=True))
    if not doc:
        return []
    return [Art("coverart", "thumb", i["image"], votes=1 if i.get("approved") else 0)
            for i in doc.get("images", []) if i.get("front")]
