"""A provider's answer as the library wants it: every text along the library's languages (library
language, then its fallbacks), the certification of the library's country in the chosen style, each
value with the language or country it came from (the field's provenance). And the extra requests a
language costs where the provider has no translations in one answer (TMDB's episodes, TheTVDB's
episode lists), asked only while some episode still lacks a text."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from metarr import metadata as md
from metarr.enrichment import certifications, languages
from metarr.sources import tmdb, tvdb
from metarr.sources.models import EpisodeInfo, Metadata

MOVIE_TEXTS = ("title", "plot", "outline", "tagline")
SERIES_TEXTS = ("title", "plot", "outline")
PART_TEXTS = ("title", "plot")   # seasons and episodes


@dataclass(frozen=True)
class Wish:
    """What a library asks for: its languages (and artwork order), its certification country, the
    fallback country and the style of `<mpaa>`."""
    languages: languages.Languages = languages.Languages()
    country: str = "US"
    fallback_country: str | None = "US"
    style: str = "kodi"


def update(source: str, meta: Metadata, wish: Wish, names: Iterable[str], chain: tuple[str, ...] | None = None,
           weak: dict[str, Callable[[str], bool]] | None = None, certified: bool = False) -> md.Update:
    """The md.Update of one provider's answer: its scalars, each text field replaced by the first
    value along the library's languages (kept as answered when no language has one), and with
    `certified` the certification of the library's country."""
    chain = chain if chain is not None else wish.languages.chain(meta.original_language)
    scalars = {k: v for k, v in meta.scalars.items() if v not in (None, "")}
    values, origins = languages.choose(meta.texts, names, chain, weak)
    scalars.update(values)
    if certified:
        rating, country = certifications.choose(meta.certifications, wish.country, wish.fallback_country)
        if rating and country:
            scalars["content_rating"] = certifications.render(rating, country, wish.style)
            origins["content_rating"] = country
    return md.Update(source, scalars, meta.lists, cast=meta.cast or None, ratings=meta.ratings or None,
                     origins=origins, preference=chain)


def episode_update(source: str, info: EpisodeInfo, texts: languages.Texts, chain: tuple[str, ...]) -> md.Update:
    scalars = {k: v for k, v in info.scalars.items() if v not in (None, "")}
    for name in PART_TEXTS:   # a placeholder answered in the library language is no better than none
        if name in scalars and languages.placeholder(info.episode)(str(scalars[name])):
            scalars.pop(name)
    values, origins = languages.choose(texts, PART_TEXTS, chain, {"title": languages.placeholder(info.episode)})
    scalars.update(values)
    return md.Update(source, scalars, origins=origins, preference=chain)


def merged(*parts: languages.Texts) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for texts in parts:
        for tag, fields in texts.items():
            out.setdefault(tag, {}).update({k: v for k, v in fields.items() if v})
    return out


# ------------------------------------------------------------------ TMDB seasons

def tmdb_season(call, tmdb_id: int, number: int, season: Metadata, chain: tuple[str, ...], wanted: set[int]
                ) -> tuple[dict[str, dict[str, str]], dict[int, dict[str, dict[str, str]]]]:
    """A season's texts and its episodes' ({episode: texts}), in the language it was asked in and,
    while a wanted episode (on disk) or the season still has no title or plot, in the next
    languages of the chain, one request each."""
    season_texts = dict(season.texts)
    eps = {e.episode: dict(e.texts) for e in season.episodes}
    asked = {languages.base(t) for t in season_texts}
    for lang in chain:
        if languages.base(lang) in asked:
            continue
        if not _season_gaps(season_texts, eps, wanted, chain, number):
            break
        more = tmdb.season_texts(call, tmdb_id, number, lang)
        asked.add(languages.base(lang))
        season_texts = merged(season_texts, more.texts)
        for e in more.episodes:
            eps[e.episode] = merged(eps.get(e.episode, {}), e.texts)
    return season_texts, eps


def _season_gaps(season_texts, eps, wanted, chain, number: int) -> bool:
    if languages.missing(season_texts, ("title",), chain, {"title": languages.placeholder(number)}):
        return True
    return any(languages.missing(eps.get(n, {}), PART_TEXTS, chain, {"title": languages.placeholder(n)})
               for n in wanted)


# ------------------------------------------------------------------ TheTVDB episodes

def tvdb_episodes(call, tvdb_id: int, infos: list[EpisodeInfo], original: str | None, chain: tuple[str, ...],
                  wanted: set[tuple[int, int]]) -> dict[tuple[int, int], dict[str, dict[str, str]]]:
    """Each episode's texts by language: the episode list's own (the series' original language)
    and, while a wanted episode still lacks a title or plot, the translated lists of the chain's
    languages, one language at a time."""
    texts: dict[tuple[int, int], dict[str, dict[str, str]]] = {}
    for e in infos:
        own = {k: str(e.scalars.get(k) or "") for k in PART_TEXTS}
        texts[(e.season, e.episode)] = {original or "und": own}
    asked = {original}
    for lang in chain:
        base = languages.base(lang)
        if base in asked:
            continue
        if not any(languages.missing(texts.get(k, {}), PART_TEXTS, chain, {"title": languages.placeholder(k[1])})
                   for k in wanted):
            break
        asked.add(base)
        for key, fields in tvdb.episode_texts(call, tvdb_id, base).items():
            texts.setdefault(key, {})[base] = fields
    return texts
