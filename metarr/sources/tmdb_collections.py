"""TMDB collections (movie sets, reference players-and-orders §2.4): `/collection/{id}` for the name
and overview in one language, `/collection/{id}/images` for its posters and backdrops. Kept apart
from tmdb.py's movie and TV calls; the language is the one asked for (a caller wanting a fallback
asks again in the next language: `texts` is what a language fallback chooses from)."""
from __future__ import annotations

from metarr.sources.http import Call, Request
from metarr.sources.models import Art, Metadata
from metarr.sources.tmdb import TEXTLESS

P = "tmdb"


def _lang(language: str) -> str:
    return language if "-" in language else {"en": "en-US"}.get(language, language)


def collection_texts(call: Call, collection_id: int, language: str = "en") -> dict[str, str] | None:
    """{"name", "overview"} in `language` (TMDB answers "" where it has no translation), or None when
    TMDB does not know the collection."""
    c = call(Request(P, f"/collection/{collection_id}", (("language", _lang(language)),), not_found_ok=True))
    if not c:
        return None
    return {"name": (c.get("name") or "").strip(), "overview": (c.get("overview") or "").strip()}


def collection_art(call: Call, collection_id: int, image_base: str, language: str = "en") -> list[Art]:
    """Posters and backdrops in the language asked for and without text; a textless poster is also
    the collection's keyart (as for a movie, reference §2.2: Kodi's scraper takes it as set.keyart)."""
    lang = language.split("-")[0]
    images = call(Request(P, f"/collection/{collection_id}/images", (
        ("language", _lang(language)), ("include_image_language", f"{lang},xx,null")), not_found_ok=True)) or {}
    out: list[Art] = []
    for key, slot in (("posters", "poster"), ("backdrops", "fanart")):
        for i in images.get(key) or []:
            if not i.get("file_path"):
                continue
            code = i.get("iso_639_1")
            textless = code in TEXTLESS
            for s in (slot, "keyart") if slot == "poster" and textless else (slot,):
                out.append(Art(P, s, f"{image_base}/original{i['file_path']}", i.get("width"), i.get("height"),
                               None if textless else code, int(i.get("vote_count") or 0), i.get("vote_average")))
    return out


def collection(call: Call, collection_id: int, image_base: str, language: str = "en") -> Metadata | None:
    """The collection's texts in `language` and its artwork; None when TMDB does not know it."""
    texts = collection_texts(call, collection_id, language)
    if texts is None:
        return None
    scalars = {k: v for k, v in texts.items() if v}
    return Metadata(P, {"tmdb": collection_id}, scalars, art=tuple(collection_art(call, collection_id, image_base,
                                                                                  language)))
