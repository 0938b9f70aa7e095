"""Split decoded text into paragraphs and take out the page noise a scraper leaves in.

Articles copied or scraped from the web carry navigation labels, related-video titles, lone
author names and a site name glued to the title. Each rule here is general (it must work on
sites nobody has seen yet) and conservative: article text is never removed, and every removal is
recorded with its line and reason so that a learner can see it and undo it; the learner's own
corrections (`Corrections`) are applied last.

A book's chapters are sections (`corpus.sections`): a section break is never a paragraph and
never joins hard-wrapped lines. In a book, a repeated line is noise only when it recurs in most
chapters (a running header), since a book's own text repeats (refrains, a chapter title in the
contents and at the chapter); and the header rules (bylines, a site name after the title) look
only at the start of the first section, not at every chapter's opening lines, where they would
take chapter titles for names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from corpus.model import Corrections, Removal
from corpus.sections import section_breaks, section_of, text_lines
from corpus.structure import ends_sentence

NAVIGATION = "navigation"
REPEATED = "repeated line"
BYLINE = "byline"
SITE_NAME = "site name in title"
REMOVED_BY_YOU = "removed by you"

# Page chrome, matched against whole lines only (case-folded, decoration stripped), so a
# sentence that merely contains "share" or "Menü" is never touched.
_NAVIGATION_LINES = frozenset(
    line.strip().casefold()
    for line in """
    skip to main content|skip to content|skip to navigation|skip navigation|jump to navigation
    jump to content|jump to main content|main menu|menu|open menu|close menu|toggle navigation
    navigation|search|home|share|share this|share this article|share this story|tweet|print
    email|advertisement|advertising|sponsored|sponsored content|manage cookies
    accept cookies|accept all cookies|accept all|reject all|we use cookies|subscribe
    subscribe now|sign in|sign up|log in|login|log out|register|read more|continue reading
    related articles|related posts|related stories|related|you may also like|recommended
    most popular|trending|back to top|newsletter|follow us|leave a comment|previous article
    next article|privacy policy|terms of use|all rights reserved|loading|show more|see more
    zum inhalt springen|zum hauptinhalt springen|direkt zum inhalt|zur navigation springen
    zur navigation|menü|hauptmenü|menü öffnen|menü schließen|suche|suchen|teilen
    artikel teilen|anzeige|werbung|cookies akzeptieren|alle akzeptieren|alle ablehnen
    abonnieren|jetzt abonnieren|anmelden|einloggen|registrieren|abmelden|weiterlesen
    mehr lesen|mehr erfahren|ähnliche artikel|verwandte artikel|auch interessant
    das könnte sie auch interessieren|nach oben|zurück nach oben|datenschutz
    datenschutzerklärung|impressum|drucken|startseite
    aller au contenu|aller au contenu principal|passer au contenu|aller à la navigation
    menu principal|rechercher|recherche|partager|partager cet article|publicité
    gérer les cookies|accepter les cookies|tout accepter|tout refuser|s'abonner|abonnez-vous
    se connecter|connexion|s'inscrire|inscription|lire la suite|lire plus|en savoir plus
    articles similaires|articles liés|à lire aussi|lire aussi|retour en haut|accueil|imprimer
    saltar al contenido|saltar al contenido principal|ir al contenido
    ir al contenido principal|saltar a la navegación|menú principal|buscar|compartir
    publicidad|anuncio|aceptar cookies|aceptar todo|rechazar todo|suscribirse|suscríbete
    iniciar sesión|registrarse|regístrate|leer más|seguir leyendo|artículos relacionados
    noticias relacionadas|te puede interesar|volver arriba|imprimir
    vai al contenuto|vai al contenuto principale|salta al contenuto
    passa al contenuto principale|vai alla navigazione|cerca|condividi|pubblicità
    accetta cookie|accetta tutti|rifiuta tutti|iscriviti|abbonati|accedi|registrati
    leggi di più|leggi anche|continua a leggere|articoli correlati|potrebbe interessarti
    torna su|stampa
    langsung ke konten|lompat ke konten|loncat ke konten|lewati ke konten utama
    ke konten utama|cari|pencarian|bagikan|iklan|terima cookie|terima semua|berlangganan
    masuk|daftar|baca juga|baca selengkapnya|selengkapnya|artikel terkait|berita terkait
    kembali ke atas|beranda
    pular para o conteúdo|ir para o conteúdo|saltar para o conteúdo
    pular para o conteúdo principal|pesquisar|compartilhar|partilhar|publicidade|anúncio
    aceitar cookies|aceitar todos|assinar|inscreva-se|entrar|iniciar sessão|leia mais
    leia também|ler mais|continuar lendo|artigos relacionados|notícias relacionadas
    voltar ao topo|início
    naar de inhoud|ga naar de inhoud|direct naar de inhoud|spring naar de inhoud
    naar hoofdinhoud|zoeken|delen|advertentie|cookies accepteren|alles accepteren
    abonneren|inloggen|aanmelden|registreren|lees meer|verder lezen|lees ook
    gerelateerde artikelen|terug naar boven
    تخطى إلى المحتوى|انتقل إلى المحتوى|القائمة|بحث|شارك|إعلان|اقرأ أيضا|اقرأ أيضًا
    اقرأ المزيد|مقالات ذات صلة
    """.replace("\n", "|").split("|")
    if line.strip()
)
# "Cookie settings", "Cookie-Richtlinie", "Cookies & privacy policy": cookie banners, but not
# a recipe heading such as "Cookies" alone or "Cookie dough".
_COOKIE_LINE = re.compile(
    r"^cookies?\W*(?:&\W*|and\W+|und\W+)?(?:settings|policy|preferences|consent|notice|banner"
    r"|privacy(?: policy)?|richtlinie|einstellungen|hinweis|politique|paramètres|política"
    r"|configuración|informativa|kebijakan|pengaturan|beleid|instellingen)$"
)
# Arrows, bullets and dashes around navigation labels: "Read more »", "Share:".
_DECORATION = "»›→←↑↓▲▼▶►◀•·|:*#>+-–—… "

# A byline written as such: "By Jane Doe", "Von Max Mustermann", "Oleh Budi", "بقلم …".
_BYLINE_MARKERS = (
    "by|written by|von|geschrieben von|oleh|ditulis oleh|par|écrit par|por|escrito por|di"
    "|scritto da|door|av|af|بقلم|كتبه"
)
_BYLINE = re.compile(rf"^(?:{_BYLINE_MARKERS})\s+(?P<names>.+)$", re.IGNORECASE)
_NAME_CONNECTORS = frozenset(
    {"and", "und", "dan", "e", "et", "y", "&", "de", "van", "von", "der", "den", "da", "di"}
    | {"del", "della", "la", "le", "bin", "ibn", "al"}
)
_ANONYMOUS = frozenset(
    {"anonymous", "anonim", "anonimo", "anónimo", "anônimo", "anonyme", "anonym", "anoniem"}
    | {"admin", "redaktion", "redazione", "redacción", "rédaction", "redaksi", "staff"}
)
# One- and two-word lines that are headings, not names, when they stand before the body.
_SECTION_WORDS = frozenset(
    word.strip().casefold()
    for word in """
    introduction|preface|foreword|prologue|epilogue|contents|table of contents|summary|abstract
    overview|background|conclusion|acknowledgements|acknowledgments|notes|index|appendix
    einleitung|vorwort|inhalt|inhaltsverzeichnis|zusammenfassung|hintergrund|überblick|fazit
    prolog|epilog|anmerkungen|anhang|préface|avant-propos|sommaire|résumé|table des matières
    annexe|introducción|prefacio|prólogo|resumen|índice|conclusión|contenido|introduzione
    prefazione|premessa|sommario|indice|conclusione|riassunto|pendahuluan|pengantar
    kata pengantar|daftar isi|ringkasan|kesimpulan|abstrak|latar belakang|introdução|prefácio
    sumário|resumo|conclusão|inleiding|voorwoord|inhoud|samenvatting|conclusie|achtergrond
    مقدمة|المقدمة|تمهيد|الخلاصة|خلاصة|الفهرس|فهرس|خاتمة|الخاتمة
    """.replace("\n", "|").split("|")
    if word.strip()
)
# Chapter and part markers repeat legitimately (in the contents and at the chapter itself).
_SECTION_MARKER = re.compile(
    r"^(?:(?:chapter|part|book|section|kapitel|teil|abschnitt|buch|chapitre|partie|livre"
    r"|capítulo|capitulo|parte|libro|capitolo|bab|bagian|hoofdstuk|deel|глава|часть|الفصل"
    r"|الباب|الجزء)\b|(?:\d{1,3}|[ivxlc]{1,6})(?:[.):]|$))",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ")
_PART_NUMBER = re.compile(r"^(?:\d+|[IVXLC]+)$")

MAX_REPEATED_CHARS = 200
MIN_REPEATED_SECTIONS = 3
MAX_SITE_NAME_WORDS = 3
MAX_SITE_NAME_CHARS = 30
# Nobody hard-wraps prose narrower than this; short lines are headings, lists or verse. A
# text is taken as wrapped only when enough lines show it, and a wrapped line may overshoot
# the usual width by a little (a long word, a hyphenated pair).
MIN_WRAP_WIDTH = 40
MIN_WRAPPED_LINES = 4
WRAP_SLACK = 5
# The header zone (title, byline, date) ends at the first paragraph that reads like prose; it
# is never longer than this, so a document without prose keeps its short lines.
MAX_HEADER_PARAGRAPHS = 10

# Characters that are invisible and only get in the way of matching and counting.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))


@dataclass(frozen=True)
class Cleaned:
    """What cleaning a text gave: the kept paragraphs as (1-based line number, text), the
    removals (each with its line), the line numbers of the section breaks, and the learner's
    corrections that applied. Kept paragraphs and removals merged by line number give the text
    as the cleaner saw it, which is what a preview shows."""

    paragraphs: tuple[tuple[int, str], ...]
    removed: tuple[Removal, ...]
    breaks: tuple[int, ...] = ()
    corrections: Corrections = field(default_factory=Corrections)

    @property
    def texts(self) -> tuple[str, ...]:
        """The kept paragraph texts in order."""
        return tuple(text for _, text in self.paragraphs)

    @property
    def sections(self) -> tuple[int, ...]:
        """The 0-based section of each kept paragraph."""
        return tuple(self.section_of(line) for line, _ in self.paragraphs)

    def section_of(self, line: int) -> int:
        """The 0-based section a line of the text is in (for kept lines and removals alike)."""
        return section_of(line, self.breaks)


def clean_text(
    text: str, *, restore: frozenset[int] = frozenset(), remove: frozenset[int] = frozenset()
) -> Cleaned:
    """Split `text` into paragraphs and remove page noise, recording every removal.

    Rules run in order: navigation labels, repeated non-sentence lines, bylines, and a site
    name after the title. Line numbers refer to `text` as given (for a hard-wrapped paragraph,
    its first line). Then the learner's corrections apply: a removal whose line is in
    `restore` goes back in its place (a title gets its site name back), and a kept paragraph
    whose line is in `remove` is removed as `REMOVED_BY_YOU` (this wins over `restore`).
    Lines that name nothing to restore or remove are ignored, so corrections made on an older
    version of a text never fail; `Cleaned.corrections` says which applied.
    """
    paragraphs = split_paragraphs(text)
    breaks = section_breaks(text)
    kept, removed = _remove_noise(paragraphs, breaks)
    corrections = Corrections(
        restore=frozenset(r.line for r in removed if r.line in restore) - remove,
        remove=frozenset(line for line, _ in kept if line in remove),
    )
    if corrections:
        kept, removed = _correct(dict(paragraphs), kept, removed, corrections)
    return Cleaned(
        paragraphs=tuple(kept),
        removed=tuple(sorted(removed, key=lambda removal: (removal.line, removal.reason))),
        breaks=breaks,
        corrections=corrections,
    )


def _remove_noise(
    paragraphs: Sequence[tuple[int, str]], breaks: Sequence[int]
) -> tuple[list[tuple[int, str]], list[Removal]]:
    """The automatic rules: the paragraphs kept, and what was removed and why."""
    removed: list[Removal] = []
    kept: list[tuple[int, str]] = []
    for line, paragraph in paragraphs:
        if is_navigation(paragraph):
            removed.append(Removal(line, paragraph, NAVIGATION))
        else:
            kept.append((line, paragraph))

    repeated = _repeated_noise(kept, breaks)
    # A page often repeats its title (the window title above the headline): when the document
    # starts with a repeated line, that first copy is the title and stays.
    first = kept[:1] if kept and kept[0][1] in repeated else []
    removed.extend(Removal(line, p, REPEATED) for line, p in kept[len(first) :] if p in repeated)
    kept = first + [(line, p) for line, p in kept[len(first) :] if p not in repeated]

    header = _header_zone(_first_section(kept, breaks))
    bylines = {index for index in range(header) if is_byline(kept[index][1])}

    title_index = next((i for i in range(len(kept)) if i not in bylines), None)
    if title_index is not None and title_index <= header:
        line, title = kept[title_index]
        split = split_site_name(title)
        if split is not None:
            kept[title_index] = (line, split[0])
            removed.append(Removal(line, split[1], SITE_NAME))
        bylines |= {
            index for index in range(title_index + 1, header) if is_lone_name(kept[index][1])
        }

    removed.extend(Removal(kept[i][0], kept[i][1], BYLINE) for i in sorted(bylines))
    kept = [item for index, item in enumerate(kept) if index not in bylines]
    return kept, removed


def _repeated_noise(kept: Sequence[tuple[int, str]], breaks: Sequence[int]) -> set[str]:
    """Paragraphs that repeat like page noise: in a single-section text, any that occurs more
    than once; in a book, one found in more than half of the sections and in three at least
    (a title found twice is in the contents and at its chapter)."""
    if not breaks:
        counts = Counter(paragraph for _, paragraph in kept)
        candidates = {p for p, count in counts.items() if count > 1}
    else:
        sections: dict[str, set[int]] = {}
        for line, paragraph in kept:
            sections.setdefault(paragraph, set()).add(section_of(line, breaks))
        total = len({section_of(line, breaks) for line, _ in kept})
        candidates = {
            p
            for p, found in sections.items()
            if len(found) >= MIN_REPEATED_SECTIONS and 2 * len(found) > total
        }
    return {p for p in candidates if _may_be_repeated_noise(p)}


def _first_section(
    kept: Sequence[tuple[int, str]], breaks: Sequence[int]
) -> Sequence[tuple[int, str]]:
    """The kept paragraphs that share the first one's section: the document's header."""
    if not kept or not breaks:
        return kept
    section = section_of(kept[0][0], breaks)
    return [item for item in kept if section_of(item[0], breaks) == section]


def _correct(
    original: dict[int, str],
    kept: Sequence[tuple[int, str]],
    removed: Sequence[Removal],
    corrections: Corrections,
) -> tuple[list[tuple[int, str]], list[Removal]]:
    """Apply the learner's corrections (which all name existing lines) to the rules' result.

    A restored line comes back as it was in the text (a title with its site name); a removed
    line is recorded whole, and any rule's removal on that line (a title's site name) is
    dropped, since the whole line is gone.
    """
    by_line = dict(kept)
    for line in corrections.restore:
        by_line[line] = original[line]
    for line in corrections.remove:
        del by_line[line]
    still_removed = [r for r in removed if r.line not in corrections.restore | corrections.remove]
    still_removed += [Removal(line, original[line], REMOVED_BY_YOU) for line in corrections.remove]
    return sorted(by_line.items()), still_removed


def split_paragraphs(text: str) -> list[tuple[int, str]]:
    """Split text into (line number, paragraph) pairs, whitespace collapsed.

    Each non-empty line is a paragraph, unless the text is hard-wrapped (as in Project
    Gutenberg books): then the lines of each blank-line separated block are joined.
    """
    # A section break line collapses to an empty line, so it ends a block like a blank line.
    lines = [" ".join(line.translate(_INVISIBLE).split()) for line in text_lines(text)]
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line:
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)

    width = hard_wrap_width(blocks)
    paragraphs: list[tuple[int, str]] = []
    for block in blocks:
        if width is not None and _is_wrapped_block(block, width):
            paragraphs.append((block[0][0], " ".join(line for _, line in block)))
        else:
            paragraphs.extend(block)
    return paragraphs


def hard_wrap_width(blocks: Sequence[Sequence[tuple[int, str]]]) -> int | None:
    """The column at which the text is hard-wrapped, or None when lines are paragraphs.

    Wrapped text breaks a line only when the next word would not fit, so almost every line
    that has a successor in its block is filled up to the width, and most do not end a
    sentence. Lines that are paragraphs of their own vary freely in length.
    """
    pairs = [(line, after) for block in blocks for line, after in _successions(block)]
    if len(pairs) < MIN_WRAPPED_LINES:
        return None
    if sum(ends_sentence(line) for line, _ in pairs) >= len(pairs) / 2:
        return None
    lengths = sorted(len(line) for line, _ in pairs)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width < MIN_WRAP_WIDTH:
        return None
    filled = sum(_fills_line(line, after, width) for line, after in pairs)
    return width if filled >= 0.75 * len(pairs) else None


def _successions(block: Sequence[tuple[int, str]]) -> list[tuple[str, str]]:
    return [(line, after) for (_, line), (_, after) in pairwise(block)]


def _fills_line(line: str, after: str, width: int) -> bool:
    """Whether `line` was broken because the first word of `after` did not fit."""
    if len(line) > width + WRAP_SLACK:
        return False
    return len(line) + 1 + len(after.split()[0]) > width


def _is_wrapped_block(block: Sequence[tuple[int, str]], width: int) -> bool:
    pairs = _successions(block)
    filled = sum(_fills_line(line, after, width) for line, after in pairs)
    return bool(pairs) and filled >= 0.75 * len(pairs)


def _navigation_key(paragraph: str) -> str:
    key = paragraph.casefold().strip(_DECORATION)
    key = key.removesuffix("...").strip(_DECORATION)
    return " ".join(key.split())


def is_navigation(paragraph: str) -> bool:
    """Whether the whole paragraph is a user-interface label ("Skip to main content", "Menü")."""
    key = _navigation_key(paragraph)
    return key in _NAVIGATION_LINES or _COOKIE_LINE.match(key) is not None


def _may_be_repeated_noise(paragraph: str) -> bool:
    """Whether a paragraph that occurs more than once can be dropped as page noise.

    Full sentences repeat in real text ("Probably not."), and so do chapter markers and
    all-capital lines (a chapter title in the contents and at the chapter, a speaker in a play).
    """
    if len(paragraph) > MAX_REPEATED_CHARS or ends_sentence(paragraph):
        return False
    if not any(char.isalnum() for char in paragraph):
        return False
    if _SECTION_MARKER.match(paragraph):
        return False
    return not _is_all_capitals(paragraph)


def _is_all_capitals(text: str) -> bool:
    cased = [char for char in text if char.isupper() or char.islower()]
    return len(cased) >= 2 and all(char.isupper() for char in cased)


def _is_body_like(paragraph: str) -> bool:
    words = len(paragraph.split())
    return (ends_sentence(paragraph) and words >= 6) or words >= 20


def _header_zone(kept: Sequence[tuple[int, str]]) -> int:
    """How many paragraphs precede the first one that reads like prose (0 if none does)."""
    for index, (_, paragraph) in enumerate(kept[: MAX_HEADER_PARAGRAPHS + 1]):
        if _is_body_like(paragraph):
            return index
    return 0


def is_byline(paragraph: str) -> bool:
    """Whether a paragraph is an author line in a known form ("By Jane Doe", "Anonim")."""
    if paragraph.casefold().strip(" .:") in _ANONYMOUS:
        return True
    match = _BYLINE.match(paragraph)
    if match is None or ends_sentence(paragraph):
        return False
    names = match.group("names").split()
    if not 1 <= len(names) <= 5:
        return False
    return all(
        word.casefold() in _NAME_CONNECTORS or _is_name_word(word.rstrip(",")) for word in names
    )


def is_lone_name(paragraph: str) -> bool:
    """Whether a paragraph of one or two words, without punctuation, looks like a name.

    Used only between the title and the first body paragraph, where a short capitalised line
    is a byline ("Anonim", "Jane Doe"). Section words ("Einleitung"), numbers, dates and
    all-capital lines are headings and stay.
    """
    words = paragraph.split()
    if not 1 <= len(words) <= 2 or paragraph.casefold() in _SECTION_WORDS:
        return False
    if any(char.isdigit() for char in paragraph) or ends_sentence(paragraph):
        return False
    if _is_all_capitals(paragraph):
        return False
    return all(_is_name_word(word) for word in words)


def _is_name_word(word: str) -> bool:
    """A word made of letters (inner hyphens, apostrophes or an initial's dot allowed) that
    starts with a capital, or is in a script without capitals (Arabic, Chinese, ...)."""
    core = word.rstrip(".")
    if not core or not core[0].isalpha():
        return False
    if not all(char.isalpha() or char in "-'\u2019" for char in core):
        return False
    first = core[0]
    return first.isupper() or first.lower() == first.upper()


def split_site_name(title: str) -> tuple[str, str] | None:
    """Split "Article title - Site" into ("Article title", "Site"), or None.

    The suffix must be short (a site name, not the second half of the title) and the part
    before it longer; a part number ("Teil 2", "Episode IV") is part of the title.
    """
    if len(title) > MAX_REPEATED_CHARS or _is_body_like(title):
        return None
    cut = max(
        ((title.rfind(separator), separator) for separator in _TITLE_SEPARATORS),
        key=lambda found: found[0],
    )
    position, separator = cut
    if position <= 0:
        return None
    rest = title[:position].strip()
    suffix = title[position + len(separator) :].strip()
    suffix_words = suffix.split()
    if not suffix_words or len(suffix_words) > MAX_SITE_NAME_WORDS:
        return None
    if len(suffix) > MAX_SITE_NAME_CHARS or ends_sentence(suffix):
        return None
    if not any(char.isalpha() for char in suffix):
        return None
    if any(_PART_NUMBER.match(word) for word in suffix_words):
        return None
    if len(rest.split()) <= len(suffix_words) or len(rest) <= len(suffix):
        return None
    return rest, suffix
