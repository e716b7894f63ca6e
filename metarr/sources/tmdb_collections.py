"""TMDB collections (movie sets, reference players-and-orders §2.4): `/collection/{id}` for the name
and overview, in the language asked for and in every translation TMDB has (one request, what the
library's language fallback chooses from), `/collection/{id}/images` for its posters and backdrops.
Kept apart from tmdb.py's movie and TV calls."""
from __future__ import annotations

from metarr.sources.http import Call, Request
from metarr.sources.models import Art, Metadata
from metarr.sources.tmdb import TEXTLESS, image_languages, translations

P = "tmdb"


def _lang(language: str) -> str:
    return language if "-" in language else {"en": "en-US"}.get(language, language)


def collection_texts(call: Call, collection_id: int, language: str = "en") -> dict[str, dict[str, str]] | None:
    """{language tag: {"name", "overview"}} in every language TMDB has the collection in, and in the
    one asked for ("" where it has no text); None when TMDB does not know the collection."""
    c = call(Request(P, f"/collection/{collection_id}", (("language", _lang(language)),
                                                         ("append_to_response", "translations")), not_found_ok=True))
    if not c:
        return None
    texts = translations(c, {"title": "name", "overview": "overview"})
    texts.setdefault(_lang(language), {"name": (c.get("name") or "").strip(),
                                       "overview": (c.get("overview") or "").strip()})
    return texts


def collection_art(call: Call, collection_id: int, image_base: str, language: str = "en",
                   image_langs: tuple[str, ...] = ()) -> list[Art]:
    """Posters and backdrops in the languages asked for (`image_langs`, default the language) and
    without text; a textless poster is also the collection's keyart (as for a movie, reference §2.2:
    Kodi's scraper takes it as set.keyart)."""
    images = call(Request(P, f"/collection/{collection_id}/images", (
        ("language", _lang(language)), ("include_image_language", image_languages(language, image_langs))),
        not_found_ok=True)) or {}
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


def collection(call: Call, collection_id: int, image_base: str, language: str = "en",
               image_langs: tuple[str, ...] = ()) -> Metadata | None:
    """The collection's texts in every language (`texts`; `scalars` those of the language asked for)
    and its artwork; None when TMDB does not know it."""
    texts = collection_texts(call, collection_id, language)
    if texts is None:
        return None
    asked = texts.get(_lang(language)) or {}
    return Metadata(P, {"tmdb": collection_id}, {k: v for k, v in asked.items() if v},
                    art=tuple(collection_art(call, collection_id, image_base, language, image_langs)), texts=texts)
