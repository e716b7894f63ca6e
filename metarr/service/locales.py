"""Language and country codes as the providers and the settings take them (pure values): ISO 639-1
languages with an optional region (`de`, `pt-BR`), their English names for the pages, TheTVDB's
3-letter codes (ISO 639-2/T), and ISO 3166-1 alpha-2 countries."""
from __future__ import annotations

import re

LANGUAGE_RE = re.compile(r"^([a-z]{2})(?:-([A-Z]{2}))?$", re.IGNORECASE)

# every ISO 639-1 code (a code outside it is a typing mistake, not a language TMDB knows)
ISO_639_1 = frozenset((
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee "
    "el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is "
    "it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms "
    "mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk "
    "sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu").split())

NAMES = {"ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German",
         "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish",
         "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian",
         "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
         "nb": "Norwegian Bokmål", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
         "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish",
         "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese"}

# TheTVDB names languages by ISO 639-2/T (deu, fra, zho), not the bibliographic ger/fre/chi
TVDB_CODES = {"ar": "ara", "bg": "bul", "ca": "cat", "cs": "ces", "da": "dan", "de": "deu", "el": "ell",
              "en": "eng", "es": "spa", "et": "est", "fa": "fas", "fi": "fin", "fr": "fra", "he": "heb",
              "hi": "hin", "hr": "hrv", "hu": "hun", "id": "ind", "is": "isl", "it": "ita", "ja": "jpn",
              "ko": "kor", "lt": "lit", "lv": "lav", "nb": "nob", "nl": "nld", "no": "nor", "pl": "pol",
              "pt": "por", "ro": "ron", "ru": "rus", "sk": "slk", "sl": "slv", "sr": "srp", "sv": "swe",
              "th": "tha", "tr": "tur", "uk": "ukr", "vi": "vie", "zh": "zho"}
FROM_TVDB = {v: k for k, v in TVDB_CODES.items()}

ISO_3166_1 = frozenset((
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY "
    "BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR "
    "IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW").split())
# what people type instead of the ISO code
COUNTRY_MISTAKES = {"UK": "GB", "EN": "GB", "USA": "US"}

ORIGINAL = "original"   # in a fallback list: the item's original language
MAX_FALLBACKS = 10


def normalise_language(value: object, what: str = "language") -> str:
    """`de`, `DE`, `pt-br` → `de`, `de`, `pt-BR`; anything else is a ValueError in words."""
    m = LANGUAGE_RE.match(value.strip()) if isinstance(value, str) else None
    if not m or m.group(1).lower() not in ISO_639_1:
        shown = str(value)[:40]
        raise ValueError(f"{what} must be a two-letter language code (ISO 639-1: en, de, fr…, or pt-BR with a "
                         f"region), not {shown!r}")
    return m.group(1).lower() + (f"-{m.group(2).upper()}" if m.group(2) else "")


def normalise_fallbacks(value: object, what: str = "fallback_languages") -> list[str]:
    """An ordered list of language codes and the word `original`; duplicates dropped."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of language codes (e.g. [\"en\"] or [\"original\", \"en\"])")
    if len(value) > MAX_FALLBACKS:
        raise ValueError(f"{what} takes at most {MAX_FALLBACKS} languages")
    out = [ORIGINAL if v.strip().lower() == ORIGINAL else normalise_language(v, f"{what} entry") for v in value]
    return list(dict.fromkeys(out))


def normalise_country(value: object, what: str = "certification_country") -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code in ISO_3166_1:
        return code
    hint = f" (did you mean {COUNTRY_MISTAKES[code]}?)" if code in COUNTRY_MISTAKES else ""
    raise ValueError(f"{what} must be an ISO 3166-1 country code (US, DE, GB, FR…), not {str(value)[:40]!r}{hint}")


def base(code: str | None) -> str | None:
    """`pt-BR` → `pt`: images and TheTVDB know no regions."""
    return code.split("-")[0].lower() if code else None


def language_name(code: str | None) -> str:
    """`de` → German, `pt-BR` → Portuguese (BR); an unknown code stays a code."""
    if not code:
        return "no language"
    b, _, region = code.partition("-")
    name = NAMES.get(b.lower(), b)
    return f"{name} ({region.upper()})" if region else name
