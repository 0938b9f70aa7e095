"""Split a paragraph into sentences with a small set of language-aware rules.

The aligner pairs sentences across translations, so one spurious split on one side costs a whole
bead. When punctuation is ambiguous (a quoted exclamation followed by its reporting clause, a
parenthetical "(and growing!)", an abbreviation, an ordinal, an ellipsis inside a sentence) the
rules keep the sentence whole. Everything is plain regular expressions over candidate boundaries,
so a book-length text splits in milliseconds and the result is easy to predict.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

__all__ = ["split_sentences"]

# Sentence-final punctuation of scripts that put a space after it: Latin, Arabic (؟), Urdu (۔),
# Devanagari (।॥), Armenian (։), Ethiopic (።). Runs such as "?!" or "..." are one terminator.
_TERMINALS: Final = ".!?…؟۔।॥։።‼⁇⁈⁉"
# CJK full stops need no following space.
_CJK_TERMINALS: Final = "。！？"
_EXCLAIMS: Final = frozenset("!?؟‼⁇⁈⁉！？")
# Closing quotes and brackets that stay with the sentence they end: German closes with “ and ‘,
# »German« with «. French sets » off with a space, taken along when whitespace follows it.
_CLOSERS: Final = "\"'”’»›“‘«‹)]"
_CJK_CLOSERS: Final = "」』”’）】〕》〉\"')]"
_QUOTES: Final = frozenset("\"'”’»›“‘«‹」』")
_BRACKETS: Final = frozenset(")]）】〕")
# What may stand before the first letter of a sentence: opening quotes, brackets, ¿ and ¡.
_OPENERS: Final = "\"'“„«‹»›‘‚([{¿¡"

_CANDIDATE: Final = re.compile(
    rf"(?P<term>[{re.escape(_TERMINALS)}]+)(?P<close>[{re.escape(_CLOSERS)}]*(?:\s[»›])?)\s+"
    rf"|(?P<cjk>[{_CJK_TERMINALS}]+)(?P<cjk_close>[{re.escape(_CJK_CLOSERS)}]*)\s*"
)
# The first letter or digit of what follows a candidate boundary, after any opening marks.
_START: Final = re.compile(rf"[{re.escape(_OPENERS)}]*([^\W_])")
_WORD: Final = re.compile(r"[^\W\d_]+")
# A reporting clause: at most four words, then a comma (Latin, Arabic or ideographic). Words stop at
# sentence punctuation so that a following sentence cannot lend its comma.
_REPORTING: Final = re.compile(r"(?:[^\s,،、.!?…؟]+\s+){0,3}[^\s,،、.!?…؟]*\s*[,،、]")
# Short parentheticals, inside which no sentence ends. Innermost pairs only, which is enough.
_PARENTHETICAL: Final = re.compile(r"\([^()]{0,300}\)|\[[^\[\]]{0,300}\]|（[^（）]{0,300}）")
# Initials and dotted abbreviations: "J", "z.B", "U.S", "e.g", "ق.م" (without the final period).
_INITIALS: Final = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")
_NUMBER: Final = re.compile(r"\d+(?:\.\d+)*|[IVXLC]+")
# How far back to look for the word before a period; longer words are never abbreviations.
_LOOKBEHIND: Final = 64


@dataclass(frozen=True)
class _Rules:
    """What one language needs beyond punctuation.

    `abbreviations` never end a sentence; `numeric` ones (such as "no.", "S.") only before a
    number, since they are ordinary words elsewhere. `ordinal_words` and `months` recognise
    ordinals written with a period ("am 3. Mai", "im 19. Jahrhundert"), where the next word is a
    capitalised noun and the case rule cannot help.
    """

    cased: bool
    abbreviations: frozenset[str]
    numeric: frozenset[str] = frozenset()
    ordinal_words: frozenset[str] = frozenset()
    months: frozenset[str] = frozenset()


def _words(text: str) -> frozenset[str]:
    """A set from a space-separated list, which reads better than a long list of literals."""
    return frozenset(text.split())


# Scripts without letter case: a lowercase-looking start says nothing, punctuation decides.
_CASELESS: Final = _words(
    "am ar bn bo ckb dv fa gu he hi ja ka km kn ko lo ml mr my ne pa ps sd si ta te th ug ur yi zh"
)

# Titles seen in every Latin-script language's texts; lowercase, without the final period.
_COMMON: Final = _words("dr prof mr mrs ms jr sr st vs etc")

_ABBREVIATIONS: Final[dict[str, tuple[str, str]]] = {
    # language: (abbreviations, abbreviations that only count before a number)
    "en": (
        "mrs messrs mt cf al approx dept gen col lt sgt capt gov sen rep rev hon esp viz e.g i.e",
        "no nos vol p pp fig figs ch sec art",
    ),
    "de": (
        "bzw usw ca d.h z.b u.a vgl ggf evtl inkl bspw sog hr fr str jh mio mrd zzgl u.ä o.ä "
        "z.t i.d.r usf dgl ebd hrsg v.a allg geb gest u.u s.o s.u z.hd m.e n.chr v.chr bzgl "
        "ggü mind tsd urspr verh vorm nachm anm d.i dipl ing gegr ehem jhd u.v.m",
        "nr s abs bd kap art tel ziff abb tab",
    ),
    "it": (
        "ecc sig sigg sig.ra sig.na dott dott.ssa prof.ssa avv ing arch geom rag egr gent spett "
        "cfr ca es ss",
        "n nr pag pagg art cap fig tel vol",
    ),
    "id": (
        "dll dsb dst dkk bpk sdr sdri yth tsb ybs drs dra ir jl kec kab kel prov tgl hj a.n u.p "
        "s.d sbb spt dgn utk yg krn thn",
        "no nmr hal hlm tel telp vol psl ps rp",
    ),
    "ms": ("dll dsb bp sdr tn pn cik dr", "no hlm ms tel"),
    "fr": (
        "mme mmes mlle mlles mm pr cf ex env av bd ste éd p.ex c.-à-d chap",
        "n no p pp vol art fig tél t",
    ),
    "es": (
        "sra srta sres srs dra dres ud uds vd vds ej aprox av avda dña lic ing profa cía ee.uu "
        "arq gral pdte sto sta depto atte",
        "p pág págs núm n no vol art cap fig tel",
    ),
    "pt": (
        "sra srta dra profa ex exa av lda sto sta eng arq dto ilmo ilma",
        "p pág págs n núm vol art cap fig tel",
    ),
    "nl": (
        "dhr mevr mw bijv bv enz o.a i.p.v d.w.z m.a.w ca jl ir ing drs ds zgn resp evt incl excl "
        "t.a.v p.a a.s z.g.a m.b.t n.a.v",
        "nr blz p art tel vol hfst",
    ),
    "ar": ("إلخ الخ", "ص"),
}

_GERMAN_ORDINAL_WORDS: Final = _words(
    "der die das dem den des am im vom zum zur beim ins ans ein eine einer einem einen eines"
)
_GERMAN_MONTHS: Final = _words(
    "januar jänner februar märz april mai juni juli august september oktober november dezember "
    "jan feb mär apr jun jul aug sep sept okt nov dez"
)


@lru_cache(maxsize=64)
def _rules_for(lang: str) -> _Rules:
    """The rules for an ISO 639-1 code; unknown languages get the common titles only."""
    base = lang.strip().lower().replace("_", "-").split("-")[0]
    own, numeric = _ABBREVIATIONS.get(base, ("", ""))
    german = base == "de"
    return _Rules(
        cased=base not in _CASELESS,
        abbreviations=_COMMON | _words(own),
        numeric=_words(numeric),
        ordinal_words=_GERMAN_ORDINAL_WORDS if german else frozenset(),
        months=_GERMAN_MONTHS if german else frozenset(),
    )


def split_sentences(text: str, lang: str) -> tuple[str, ...]:
    """Split one paragraph into sentences, in order.

    Each sentence is an exact substring of `text` with surrounding whitespace stripped, so joining
    them with whitespace gives the paragraph back and highlights can point into the original. A
    sentence ends at . ! ? … ... ؟ ۔ (then closing quotes or brackets, then whitespace) or at
    。！？, and only where a new sentence visibly starts: in cased languages with a capital or
    digit, in caseless ones (ar, fa, he, zh, ja, ...) with any letter or digit. It does not end:

    - after "!" or "?" closing a quotation that a reporting clause follows ("Go!" she said, ...),
      recognised by a comma within four words;
    - inside a short parenthetical, or right after one closed by "!)" or "?)";
    - after an abbreviation of `lang`, an initial ("J. R. R. Tolkien", "z. B."), a number that
      opens the paragraph ("1. Sie werden"), or a German ordinal ("am 3. Mai");
    - inside numbers ("1.457", "3.5"), since a boundary needs whitespace.

    `lang` is an ISO 639-1 code; regional variants ("pt-BR") use their base language.
    """
    rules = _rules_for(lang)
    parentheticals = [(m.start(), m.end()) for m in _PARENTHETICAL.finditer(text)]
    opens = [start for start, _ in parentheticals]
    first = len(text) - len(text.lstrip())
    sentences: list[str] = []
    begin = 0
    for match in _CANDIDATE.finditer(text):
        if match.end() >= len(text):
            break
        cut = match.end("close") if match["term"] else match.end("cjk_close")
        if _inside(parentheticals, opens, match.start(), cut):
            continue
        if not _is_boundary(text, match, rules, first):
            continue
        sentences.append(text[begin:cut].strip())
        begin = match.end()
    last = text[begin:].strip()
    if last:
        sentences.append(last)
    return tuple(sentences)


def _inside(spans: list[tuple[int, int]], opens: list[int], position: int, cut: int) -> bool:
    """Whether a terminator lies in a parenthetical that the candidate does not also close."""
    index = bisect.bisect_right(opens, position) - 1
    if index < 0:
        return False
    start, end = spans[index]
    return start < position and cut < end


def _is_boundary(text: str, match: re.Match[str], rules: _Rules, first: int) -> bool:
    """Decide one candidate: does a new sentence start at `match.end()`?"""
    if match["cjk"]:
        # Ideographic punctuation decides alone, except in an aside such as "（很好！）" and before
        # the reporting verb that follows a quotation directly: 「はい！」と言った, “好！”他说.
        close = match["cjk_close"]
        if _BRACKETS.intersection(close) and _EXCLAIMS.intersection(match["cjk"]):
            return False
        return not (close and match.end() == match.end("cjk_close") and text[match.end()].isalnum())
    start = _START.match(text, match.end())
    if start is None:
        return False
    initial = start[1]
    if rules.cased and initial.islower():
        return False
    term, close = match["term"], match["close"]
    if _EXCLAIMS.intersection(term):
        if _BRACKETS.intersection(close):
            return False
        return not (_QUOTES.intersection(close) and _REPORTING.match(text, match.end()))
    if term == "." and not close:
        return not _is_abbreviation(text, match.start(), start.start(1), rules, first)
    return True


def _is_abbreviation(text: str, period: int, following: int, rules: _Rules, first: int) -> bool:
    """Whether the period at `period` belongs to the word before it rather than ending a sentence.

    `following` is the index of the first letter or digit after the period.
    """
    window = text[max(0, period - _LOOKBEHIND) : period]
    if not window or window[-1].isspace():
        return False
    words = window.split()
    raw = words[-1]
    token = raw.lstrip(_OPENERS)
    lowered = token.lower()
    if lowered in rules.abbreviations or _INITIALS.fullmatch(token):
        return True
    if lowered in rules.numeric and text[following].isdigit():
        return True
    if not _NUMBER.fullmatch(token):
        return False
    if period - len(raw) == first:
        return True  # a numbered paragraph: "1. Sie werden ...", "IV. Ergebnisse"
    if not token.isdigit() or len(token) > 3:
        return False
    before = words[-2].lower() if len(words) > 1 else ""
    if before in rules.ordinal_words:
        return True  # "im 19. Jahrhundert"
    following_word = _WORD.match(text, following)
    return following_word is not None and following_word[0].lower() in rules.months
