"""Which language each text comes from (pure). A library has a language and an ordered list of
fallback languages ("original" = the item's own language); every text field takes the first
non-empty value along that chain, a language's other regions before the next language (de-DE, then
de-AT). TV placeholders ("Episode 3", "Folge 3", "Staffel 2") count as empty while another language
has a real name, and are used only when none has. Artwork languages follow their own order
(setting `enrich.image_languages`)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from metarr.service.locales import ORIGINAL, base, language_name

Texts = Mapping[str, Mapping[str, str]]   # language tag -> field -> value ("" = none)


@dataclass(frozen=True)
class Languages:
    """A library's wish: its language and fallbacks, and the artwork order from the setting."""
    language: str = "en"
    fallbacks: tuple[str, ...] = ("en",)
    image_order: tuple[str | None, ...] = ("library", None, "fallbacks")

    def chain(self, original: str | None = None) -> tuple[str, ...]:
        """The languages to look in, best first: the library's, then each fallback (`original`
        replaced by the item's original language, left out when that is unknown)."""
        out: list[str] = []
        for code in (self.language, *self.fallbacks):
            code = original if code == ORIGINAL else code
            if code and code not in out:
                out.append(code)
        return tuple(out)

    def images(self, original: str | None = None) -> tuple[str | None, ...]:
        """The artwork languages in the order they are preferred (no regions; None = no text)."""
        out: list[str | None] = []
        for entry in self.image_order:
            codes: Iterable[str | None]
            if entry == "library":
                codes = (self.language,)
            elif entry == "fallbacks":
                codes = self.chain(original)[1:]
            else:
                codes = (entry,)
            for code in codes:
                code = base(code)
                if code not in out:
                    out.append(code)
        return tuple(out)

    def image_request(self, original: str | None = None) -> tuple[str, ...]:
        """The languages to ask a provider's images in (textless ones are asked for apart)."""
        return tuple(c for c in self.images(original) if c)


def _tags(texts: Texts, want: str) -> list[str]:
    """The tags of `texts` for a wanted language: the exact one first, then its other regions."""
    wb = base(want)
    exact = [t for t in texts if t.lower() == want.lower()]
    return exact + sorted(t for t in texts if base(t) == wb and t not in exact)


def pick(texts: Texts, name: str, chain: Iterable[str],
         weak: Callable[[str], bool] | None = None) -> tuple[str | None, str | None]:
    """(value, language tag) of the first non-empty `name` along `chain`; a `weak` value (a
    placeholder) only when no language has a better one. (None, None) when there is none."""
    first_weak: tuple[str | None, str | None] = (None, None)
    for want in chain:
        for tag in _tags(texts, want):
            value = (texts[tag].get(name) or "").strip()
            if not value:
                continue
            if weak is not None and weak(value):
                if first_weak[0] is None:
                    first_weak = (value, tag)
                continue
            return value, tag
    return first_weak


def choose(texts: Texts, names: Iterable[str], chain: Iterable[str],
           weak: Mapping[str, Callable[[str], bool]] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """For each field: the value along the chain and the language it came from."""
    chain = tuple(chain)
    values, origins = {}, {}
    for name in names:
        value, tag = pick(texts, name, chain, (weak or {}).get(name))
        if value is not None and tag is not None:
            values[name], origins[name] = value, tag
    return values, origins


def placeholder(number: int) -> Callable[[str], bool]:
    """Whether a name is a provider's stand-in for a missing one: one word and the number
    ("Episode 3", "Folge 3", "Épisode 3", "Season 2", "Staffel 2")."""
    pattern = re.compile(rf"[^\W\d_]+\.?\s*#?0*{int(number)}", re.UNICODE)
    return lambda value: bool(pattern.fullmatch(value.strip()))


def missing(texts: Texts, names: Iterable[str], chain: Iterable[str],
            weak: Mapping[str, Callable[[str], bool]] | None = None) -> bool:
    """Whether some field has no real value along the chain yet (another language is worth asking)."""
    chain = tuple(chain)
    for name in names:
        value, _ = pick(texts, name, chain, (weak or {}).get(name))
        w = (weak or {}).get(name)
        if value is None or (w is not None and w(value)):
            return True
    return False


def describe(origin: str | None, library_language: str | None, provider: str | None = None) -> str | None:
    """A field's language in words for the item page: "German", or "from English: no German text at
    TMDB" when it is not the library's. None when the language is not known."""
    if not origin:
        return None
    if library_language and base(origin) == base(library_language):
        return language_name(base(origin))
    at = f" at {provider}" if provider else ""
    wanted = language_name(base(library_language)) if library_language else "other"
    return f"from {language_name(base(origin))}: no {wanted} text{at}"
