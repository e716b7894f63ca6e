"""Pure scoring: how well a search hit matches what we know (identification), and how good an
artwork candidate is for a slot (SPEC §5.2), with the breakdown kept for the UI."""
from __future__ import annotations

import difflib

from metarr.scanning.names import norm_title
from metarr.sources import registry
from metarr.sources.models import Art, SearchHit

IDEAL = {  # slot: (width, height)
    "poster": (2000, 3000), "fanart": (1920, 1080), "landscape": (1920, 1080), "thumb": (1920, 1080),
    "banner": (758, 140), "clearlogo": (800, 310), "clearart": (1000, 562), "discart": (1000, 1000),
    "keyart": (2000, 3000), "characterart": (1000, 1399),
}
# per slot: the order of languages wanted; "user" is the library language, None = no text
DEFAULT_LANG_PREFS = {"poster": ["user", "en", None], "fanart": [None, "user", "en"], "landscape": ["user", "en", None],
                      "clearlogo": ["user", "en"], "clearart": ["user", "en"], "banner": ["user", "en"],
                      "keyart": [None, "user", "en"], "thumb": [None, "user", "en"]}
# slots whose best image has no text at all: the library's languages only after textless ones
TEXTLESS_FIRST = {"fanart", "keyart", "thumb"}


def language_order(slot: str, image_order: tuple[str | None, ...]) -> list[str | None]:
    """The languages wanted for a slot from the library's artwork order (`enrich.image_languages`
    resolved: codes without region, None = no text)."""
    if slot in TEXTLESS_FIRST:
        return [None, *(c for c in image_order if c is not None)]
    return list(image_order)


DEFAULT_LIMITS = {"poster": 1, "fanart": 1, "banner": 1, "clearlogo": 1, "clearart": 1, "discart": 1, "landscape": 1,
                  "keyart": 1, "characterart": 1, "thumb": 1}


def limits(fanart_count: int = 1) -> dict[str, int]:
    """How many images each slot of a movie or show keeps: one, and `fanart_count` backdrops (the
    best first, then the extra ones published as fanart1…, extrafanart/)."""
    return {**DEFAULT_LIMITS, "fanart": max(1, int(fanart_count))}


def match_score(title: str, year: int | None, hit: SearchHit) -> tuple[float, dict]:
    """0..1: title similarity (best of title and original title), year agreement, a little popularity."""
    want = norm_title(title)
    sims = [difflib.SequenceMatcher(None, want, norm_title(t)).ratio() for t in (hit.title, hit.original_title) if t]
    sim = max(sims) if sims else 0.0
    if year and hit.year:
        yr = 1.0 if year == hit.year else (0.6 if abs(year - hit.year) == 1 else 0.0)
    else:
        yr = 0.5
    pop = min(1.0, hit.popularity / 50.0)
    score = 0.7 * sim + 0.25 * yr + 0.05 * pop
    return round(score, 4), {"title": round(sim, 3), "year": yr, "popularity": round(pop, 3)}


def pick(title: str, year: int | None, hits: list[SearchHit], threshold: float = 0.75,
         margin: float = 0.08) -> tuple[SearchHit | None, list[dict]]:
    """The confident match, or None with the ranked candidates for the user to choose from."""
    ranked = sorted(((match_score(title, year, h), h) for h in hits), key=lambda x: -x[0][0])
    cands = [{"provider": h.provider, "id": h.id, "title": h.title, "year": h.year, "score": s, "breakdown": b,
              "plot": h.overview, "poster": h.poster} for (s, b), h in ranked[:10]]
    if not ranked:
        return None, []
    best = ranked[0][0][0]
    second = ranked[1][0][0] if len(ranked) > 1 else 0.0
    if best >= threshold and best - second >= margin:
        return ranked[0][1], cands
    return None, cands


def art_score(art: Art, slot: str, user_lang: str, prefs: list | None = None) -> tuple[float, dict]:
    """Resolution vs ideal (0-45), aspect vs ideal (0-20), language by preference (0-20),
    votes/likes (0-15), provider trust (0-10)."""
    iw, ih = IDEAL.get(slot, (1000, 1000))
    if art.width and art.height:
        res = min(1.5, (art.width * art.height) / (iw * ih)) / 1.5 * 45
        aspect = max(0.0, 20 - abs(art.width / art.height - iw / ih) / (iw / ih) * 100)
    else:
        res, aspect = 15.0, 10.0   # unknown size (Fanart v3, CAA): middling, not zero
    order = [user_lang if p == "user" else p for p in (prefs or DEFAULT_LANG_PREFS.get(slot, ["user", "en", None]))]
    lang_code = (art.language or None)
    lang_code = lang_code.split("-")[0] if lang_code else None
    if lang_code in order:
        lang = 20 * (1 - order.index(lang_code) / max(1, len(order)))
    else:
        lang = 2.0
    if art.vote_average is not None:
        votes = (art.vote_average / 10) * min(art.votes / 20, 1) * 15
    else:
        votes = min(art.likes, 15) + min(art.votes, 5) * 0.5
    trust = registry.trust().get(art.provider, 5)   # declared per source (metarr/sources/registry.py)
    parts = {"resolution": round(res, 2), "aspect": round(aspect, 2), "language": round(lang, 2),
             "votes": round(votes, 2), "provider": trust}
    return round(sum(parts.values()), 2), parts


SCORE_PARTS = (("resolution", 45, "resolution"), ("aspect", 20, "shape"), ("language", 20, "language"),
               ("votes", 15, "votes"), ("provider", 10, "source"))


def explain_score(score: float | None, parts: dict | None) -> str:
    """A candidate's score in words: each part against its maximum, best first, e.g.
    "72 of 110: resolution 45/45 (full), shape 20/20, language 13/20 (second choice), …"."""
    if score is None:
        return "not scored"
    parts = parts or {}
    words = []
    for key, top, name in SCORE_PARTS:
        v = float(parts.get(key, 0) or 0)
        note = ""
        if key == "resolution":
            note = " (full)" if v >= top - 0.5 else (" (small)" if v < top / 3 else "")
        elif key == "language":
            note = " (preferred)" if v >= top - 0.5 else (" (not a wanted language)" if v <= 2 else " (acceptable)")
        elif key == "aspect" and v < top / 2:
            note = " (wrong shape)"
        words.append(f"{name} {v:g}/{top}{note}")
    return f"{score:g} of 110: " + ", ".join(words)
