"""Find the language a document is written in, and refuse documents that mix languages.

Detection uses lingua in its low-accuracy mode (about 80 MB and fast, against about 1 GB for
high accuracy, which whole paragraphs do not need). The detector is built once, on first use.
A learner can always override the result by naming the language, for short texts and for
languages lingua does not know.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Literal

from corpus.errors import LanguageError

if TYPE_CHECKING:
    from lingua import Language, LanguageDetector

# How much text to look at: enough for a confident answer, bounded so a book is as fast as an
# article. The sample is taken from several places, so a foreign preface does not decide.
SAMPLE_CHARS = 20_000
CONFIDENCE_CHARS = 4_000
SAMPLE_WINDOWS = 5
MIN_LETTERS = 20
MIN_CONFIDENCE = 0.5
# Paragraphs this long are judged one by one for the mixed-language check; shorter ones
# (headings, names) are too short to tell reliably.
MIN_PARAGRAPH_LETTERS = 40
MIXED_SHARE = 0.25

# Languages so close that lingua confuses them paragraph by paragraph: a paragraph detected
# as Malay in an Indonesian document is not a sign of a mixed document.
_CLOSE_LANGUAGES = (
    frozenset({"id", "ms"}),
    frozenset({"bs", "hr", "sr"}),
    frozenset({"nb", "nn", "da"}),
)

# ISO 639-1, the codes and English names a learner may force.
_ISO_639_1 = """
aa Afar|ab Abkhazian|ae Avestan|af Afrikaans|ak Akan|am Amharic|an Aragonese|ar Arabic
as Assamese|av Avaric|ay Aymara|az Azerbaijani|ba Bashkir|be Belarusian|bg Bulgarian
bi Bislama|bm Bambara|bn Bengali|bo Tibetan|br Breton|bs Bosnian|ca Catalan|ce Chechen
ch Chamorro|co Corsican|cr Cree|cs Czech|cu Church Slavonic|cv Chuvash|cy Welsh|da Danish
de German|dv Divehi|dz Dzongkha|ee Ewe|el Greek|en English|eo Esperanto|es Spanish
et Estonian|eu Basque|fa Persian|ff Fulah|fi Finnish|fj Fijian|fo Faroese|fr French
fy Western Frisian|ga Irish|gd Scottish Gaelic|gl Galician|gn Guarani|gu Gujarati|gv Manx
ha Hausa|he Hebrew|hi Hindi|ho Hiri Motu|hr Croatian|ht Haitian Creole|hu Hungarian
hy Armenian|hz Herero|ia Interlingua|id Indonesian|ie Interlingue|ig Igbo|ii Sichuan Yi
ik Inupiaq|io Ido|is Icelandic|it Italian|iu Inuktitut|ja Japanese|jv Javanese|ka Georgian
kg Kongo|ki Kikuyu|kj Kuanyama|kk Kazakh|kl Kalaallisut|km Khmer|kn Kannada|ko Korean
kr Kanuri|ks Kashmiri|ku Kurdish|kv Komi|kw Cornish|ky Kyrgyz|la Latin|lb Luxembourgish
lg Ganda|li Limburgish|ln Lingala|lo Lao|lt Lithuanian|lu Luba-Katanga|lv Latvian
mg Malagasy|mh Marshallese|mi Maori|mk Macedonian|ml Malayalam|mn Mongolian|mr Marathi
ms Malay|mt Maltese|my Burmese|na Nauru|nb Norwegian Bokmål|nd North Ndebele|ne Nepali
ng Ndonga|nl Dutch|nn Norwegian Nynorsk|no Norwegian|nr South Ndebele|nv Navajo
ny Chichewa|oc Occitan|oj Ojibwa|om Oromo|or Odia|os Ossetian|pa Punjabi|pi Pali|pl Polish
ps Pashto|pt Portuguese|qu Quechua|rm Romansh|rn Kirundi|ro Romanian|ru Russian
rw Kinyarwanda|sa Sanskrit|sc Sardinian|sd Sindhi|se Northern Sami|sg Sango|si Sinhala
sk Slovak|sl Slovenian|sm Samoan|sn Shona|so Somali|sq Albanian|sr Serbian|ss Swati
st Southern Sotho|su Sundanese|sv Swedish|sw Swahili|ta Tamil|te Telugu|tg Tajik|th Thai
ti Tigrinya|tk Turkmen|tl Tagalog|tn Tswana|to Tongan|tr Turkish|ts Tsonga|tt Tatar|tw Twi
ty Tahitian|ug Uyghur|uk Ukrainian|ur Urdu|uz Uzbek|ve Venda|vi Vietnamese|vo Volapük
wa Walloon|wo Wolof|xh Xhosa|yi Yiddish|yo Yoruba|za Zhuang|zh Chinese|zu Zulu
"""
LANGUAGE_NAMES: dict[str, str] = dict(
    entry.strip().split(" ", 1)
    for entry in _ISO_639_1.replace("\n", "|").split("|")
    if entry.strip()
)


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code ("de" → "German"), or the code if unknown."""
    return LANGUAGE_NAMES.get(code.lower(), code)


@cache
def _detector() -> LanguageDetector:
    """Build the detector on first use: importing this module must stay cheap."""
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def detect_language(
    source: str, paragraphs: Sequence[str], *, forced: str | None = None
) -> tuple[str, float]:
    """Return the document's language as (ISO 639-1 code, confidence in [0, 1]).

    With `forced`, the code is only validated and returned with confidence 1.0. Otherwise a
    bounded sample of the paragraphs is detected as a whole, and paragraphs long enough to
    judge are detected one by one: if another language makes up a quarter or more of their
    letters, the document is mixed and `LanguageError` says which languages and how much.
    """
    if forced is not None:
        code = forced.strip().lower()
        if code not in LANGUAGE_NAMES:
            raise LanguageError(
                source, f"'{forced}' is not an ISO 639-1 language code (such as 'de' or 'id')"
            )
        return code, 1.0

    sample = _sample(paragraphs)
    letters = sum(_letters(paragraph) for paragraph in sample)
    if letters < MIN_LETTERS:
        raise LanguageError(
            source,
            f"there is too little text ({letters} letters) to tell its language: "
            "choose the language yourself",
        )
    detector = _detector()
    # A few thousand characters settle a document's language; more only costs time.
    values = detector.compute_language_confidence_values("\n".join(sample)[:CONFIDENCE_CHARS])
    if not values or values[0].value < MIN_CONFIDENCE:
        guess = (
            f" (best guess: {language_name(_code(values[0].language))}, {values[0].value:.0%} sure)"
            if values and values[0].value > 0
            else ""
        )
        raise LanguageError(
            source, f"the language could not be determined{guess}: choose the language yourself"
        )
    code = _code(values[0].language)
    _refuse_mixed(source, code, sample)
    return code, float(values[0].value)


def _code(language: Language) -> str:
    return str(language.iso_code_639_1.name).lower()


def _letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _sample(paragraphs: Sequence[str]) -> list[str]:
    """Up to SAMPLE_CHARS of text: everything for an article, for a book runs of consecutive
    paragraphs from SAMPLE_WINDOWS evenly spaced places."""
    texts = [paragraph for paragraph in paragraphs if paragraph.strip()]
    if sum(len(text) for text in texts) <= SAMPLE_CHARS:
        return texts
    budget = SAMPLE_CHARS // SAMPLE_WINDOWS
    chosen: list[str] = []
    for window in range(SAMPLE_WINDOWS):
        index = window * len(texts) // SAMPLE_WINDOWS
        taken = 0
        while index < len(texts) and taken < budget:
            text = texts[index][: budget - taken]
            chosen.append(text)
            taken += len(text)
            index += 1
    return chosen


def _same_language(first: str, second: str) -> bool:
    return first == second or any({first, second} <= group for group in _CLOSE_LANGUAGES)


def _refuse_mixed(source: str, code: str, sample: Sequence[str]) -> None:
    detector = _detector()
    letters_by_language: Counter[str] = Counter()
    judged = [p for p in sample if _letters(p) >= MIN_PARAGRAPH_LETTERS]
    for paragraph, language in zip(
        judged, detector.detect_languages_in_parallel_of(judged), strict=True
    ):
        letters = _letters(paragraph)
        found = code if language is None else _code(language)
        letters_by_language[code if _same_language(found, code) else found] += letters
    total = sum(letters_by_language.values())
    if not total:
        return
    others = [(lang, count) for lang, count in letters_by_language.most_common() if lang != code]
    if not others or others[0][1] / total < MIXED_SHARE:
        return
    other, other_letters = others[0]
    raise LanguageError(
        source,
        f"the text mixes languages: {language_name(code)} "
        f"({letters_by_language[code] / total:.0%}) and {language_name(other)} "
        f"({other_letters / total:.0%}); load each language as its own document",
    )


_RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "nqo", "ps", "sd", "syr", "ug", "ur", "yi"}
)
_RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "nkoo", "rohg", "syrc", "thaa"})


@functools.cache
def text_direction(lang: str) -> Literal["ltr", "rtl"]:
    """The writing direction of a language tag: "rtl" for Arabic, Hebrew, Persian, Urdu...
    and for tags naming a right-to-left script (e.g. "pa-Arab"), else "ltr"."""
    subtags = lang.replace("_", "-").lower().split("-")
    if any(tag in _RTL_SCRIPTS for tag in subtags[1:]):
        return "rtl"
    if any(len(tag) == 4 and tag.isalpha() for tag in subtags[1:]):
        return "ltr"  # an explicit non-RTL script such as "az-Latn"
    return "rtl" if subtags[0] in _RTL_LANGUAGES else "ltr"
