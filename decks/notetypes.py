"""The Anki note types Tandem exports: "Tandem Sentence" and "Tandem Cloze".

Anki recognises a note type by its id, and on import it merges an incoming note type into the
one it already has field by field, matching fields by their ids. So every id here (note type,
field, template) is a constant chosen once and written into the package, never drawn per run.

Versioning rule (read before changing anything below):

* The note type ids and names never change, and a field or template id is never reused.
* Fields are only ever *appended* to the end of a field list, each with a new fixed id and the
  number of the version that added it. Fields are never renamed, removed or reordered, and
  templates are never removed or reordered (a new template is appended, with a new id).
  Appending a field bumps `NOTETYPE_VERSION` (the field records it as `since`); template and
  CSS changes alone do not.
* So the note type in a learner's collection is always a prefix of the current one. To bring
  it up to date, import the newer package with Anki's "Merge note types" ticked and "Update
  notes" and "Update note types" set to "Always": Anki appends the new fields to the existing
  note type and updates the notes in place by GUID; nothing is duplicated or stranded.
  ("Always", because merging stamps the existing notes with the import time, so "If newer"
  would skip them.) Without "Merge note types" Anki keeps the old note type, adds the new one
  beside it and reports the re-exported notes as conflicting, leaving them as they were.
  While the fields are unchanged (the usual re-export) Anki's default options ("If newer",
  no merging) update the notes.
* A change that cannot follow this rule (a field must really go, or the card model changes)
  gets a new note type: a new id *and* a new name ("Tandem Sentence 2"), leaving the old one
  untouched in learners' collections.

The templates escape nothing themselves: `decks.export` escapes every field value, and the
templates only place fields in elements whose `dir` and `lang` come from fields holding "rtl"
or "ltr" and a language code. The CSS has light and dark (`.nightMode`) colours and uses no
remote resources: no URLs, no `@import`, no web fonts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import genanki

NOTETYPE_VERSION = 1
"""The highest `since` of any field below: bump it whenever a field is appended."""

SENTENCE_MODEL_ID = 1867000963
SENTENCE_MODEL_NAME = "Tandem Sentence"
CLOZE_MODEL_ID = 1459670082
CLOZE_MODEL_NAME = "Tandem Cloze"

RECOGNITION_TEMPLATE_ID = -3851834129354041094
PRODUCTION_TEMPLATE_ID = 2771307156240080315
CLOZE_TEMPLATE_ID = 1049795575067913840


@dataclass(frozen=True)
class FieldSpec:
    """One note type field: its name, its permanent id, and the version that added it."""

    name: str
    id: int
    description: str
    since: int = 1


SENTENCE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("Sentence", -4124999633145494406, "The sentence in the language being learnt."),
    FieldSpec("Translation", -1756056442503320790, "The sentence in the helper language."),
    FieldSpec("SentenceParagraph", 2946131158364677584, "The paragraph the sentence came from."),
    FieldSpec("TranslationParagraph", 1627933233932023445, "That paragraph, translated."),
    FieldSpec("LearnLang", -1822539436985020682, "Language code of the learnt language."),
    FieldSpec("HelpLang", 4067449902081688629, "Language code of the helper language."),
    FieldSpec("LearnDir", 1765469854306553057, 'Writing direction of LearnLang: "ltr" or "rtl".'),
    FieldSpec("HelpDir", -4190298721383892543, 'Writing direction of HelpLang: "ltr" or "rtl".'),
    FieldSpec("Article", 4212306889496755621, "Title of the article the sentence came from."),
)

CLOZE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("Text", 1600912780928657900, "The sentence with the phrase as cloze c1."),
    FieldSpec("Meaning", -2061590267142654821, "What the phrase means, in the learner's words."),
    FieldSpec("Phrase", 4415299354599512735, "The phrase on its own."),
    FieldSpec("Translation", -1487226660361181114, "The sentence in the helper language."),
    FieldSpec("SentenceParagraph", -4439855294375759714, "The paragraph the sentence came from."),
    FieldSpec("TranslationParagraph", 4113603316870284656, "That paragraph, translated."),
    FieldSpec("LearnLang", 2185072211882772116, "Language code of the learnt language."),
    FieldSpec("HelpLang", -3306445826280277207, "Language code of the helper language."),
    FieldSpec("LearnDir", 6153082904121417243, 'Writing direction of LearnLang: "ltr" or "rtl".'),
    FieldSpec("HelpDir", -5712730287331969187, 'Writing direction of HelpLang: "ltr" or "rtl".'),
    FieldSpec("Article", 3348206591732446118, "Title of the article the sentence came from."),
)

CSS = """\
.card {
  --tandem-fg: #1f2328;
  --tandem-bg: #fbfaf7;
  --tandem-muted: #5b6270;
  --tandem-rule: #d6d3cc;
  --tandem-accent: #1d5fb8;
  --tandem-mark: #fbe7a1;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif;
  font-size: 22px;
  line-height: 1.5;
  color: var(--tandem-fg);
  background-color: var(--tandem-bg);
  text-align: center;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --tandem-fg: #e6e6e6;
  --tandem-bg: #1e1f22;
  --tandem-muted: #a3a9b4;
  --tandem-rule: #44474d;
  --tandem-accent: #8ab4f8;
  --tandem-mark: #5a4a12;
}
.tandem { max-inline-size: 40em; margin-inline: auto; padding-inline: 0.5em; }
.tandem-prompt { font-size: 1.2em; }
.tandem-answer { font-size: 1.1em; color: var(--tandem-accent); }
.tandem-hint { margin-block-start: 0.75em; color: var(--tandem-muted); font-style: italic; }
.tandem hr { border: none; border-block-start: 1px solid var(--tandem-rule); }
.tandem-context {
  margin-block-start: 1.25em;
  font-size: 0.8em;
  color: var(--tandem-muted);
  text-align: start;
}
.tandem-context summary { cursor: pointer; }
.tandem-paragraph { margin-block: 0.5em; }
.tandem-paragraph mark {
  background-color: var(--tandem-mark);
  color: inherit;
  border-radius: 0.2em;
}
.tandem-source { margin-block-start: 1em; font-size: 0.75em; color: var(--tandem-muted); }
.cloze { font-weight: bold; color: var(--tandem-accent); }
"""

_LEARNT = 'dir="{{LearnDir}}" lang="{{LearnLang}}"'
_HELPER = 'dir="{{HelpDir}}" lang="{{HelpLang}}"'

_CONTEXT = (
    "{{#SentenceParagraph}}\n"
    '<details class="tandem-context">\n'
    "<summary>Context</summary>\n"
    f'<div class="tandem-paragraph" {_LEARNT}>{{{{SentenceParagraph}}}}</div>\n'
    "{{#TranslationParagraph}}"
    f'<div class="tandem-paragraph" {_HELPER}>{{{{TranslationParagraph}}}}</div>'
    "{{/TranslationParagraph}}\n"
    "</details>\n"
    "{{/SentenceParagraph}}\n"
    '{{#Article}}<div class="tandem-source">{{Article}}</div>{{/Article}}\n'
)

_RECOGNITION: dict[str, Any] = {
    "name": "Recognition",
    "id": RECOGNITION_TEMPLATE_ID,
    "qfmt": (
        f'<div class="tandem">\n<div class="tandem-prompt" {_LEARNT}>{{{{Sentence}}}}</div>\n</div>'
    ),
    "afmt": (
        '<div class="tandem">\n'
        f'<div class="tandem-prompt" {_LEARNT}>{{{{Sentence}}}}</div>\n'
        '<hr id="answer">\n'
        f'<div class="tandem-answer" {_HELPER}>{{{{Translation}}}}</div>\n'
        f"{_CONTEXT}"
        "</div>"
    ),
}

_PRODUCTION: dict[str, Any] = {
    "name": "Production",
    "id": PRODUCTION_TEMPLATE_ID,
    "qfmt": (
        '<div class="tandem">\n'
        f'<div class="tandem-prompt" {_HELPER}>{{{{Translation}}}}</div>\n'
        "</div>"
    ),
    "afmt": (
        '<div class="tandem">\n'
        f'<div class="tandem-prompt" {_HELPER}>{{{{Translation}}}}</div>\n'
        '<hr id="answer">\n'
        f'<div class="tandem-answer" {_LEARNT}>{{{{Sentence}}}}</div>\n'
        f"{_CONTEXT}"
        "</div>"
    ),
}

_CLOZE: dict[str, Any] = {
    "name": "Cloze",
    "id": CLOZE_TEMPLATE_ID,
    "qfmt": (
        '<div class="tandem">\n'
        f'<div class="tandem-prompt" {_LEARNT}>{{{{cloze:Text}}}}</div>\n'
        f'{{{{#Meaning}}}}<div class="tandem-hint" {_HELPER}>{{{{Meaning}}}}</div>'
        "{{/Meaning}}\n"
        "</div>"
    ),
    "afmt": (
        '<div class="tandem">\n'
        f'<div class="tandem-prompt" {_LEARNT}>{{{{cloze:Text}}}}</div>\n'
        f'{{{{#Meaning}}}}<div class="tandem-hint" {_HELPER}>{{{{Meaning}}}}</div>'
        "{{/Meaning}}\n"
        '<hr id="answer">\n'
        f'<div class="tandem-answer" {_HELPER}>{{{{Translation}}}}</div>\n'
        f"{_CONTEXT}"
        "</div>"
    ),
}


def _field_json(spec: FieldSpec) -> dict[str, Any]:
    return {"name": spec.name, "id": spec.id, "description": spec.description}


def _model(
    model_id: int,
    name: str,
    fields: tuple[FieldSpec, ...],
    templates: list[dict[str, Any]],
    model_type: int,
) -> genanki.Model:
    # genanki fills in the remaining legacy keys (ord, font, size, ...) when it writes the model.
    return genanki.Model(
        model_id=model_id,
        name=name,
        fields=[_field_json(spec) for spec in fields],
        templates=[dict(template) for template in templates],
        css=CSS,
        model_type=model_type,
        sort_field_index=0,
    )


def sentence_model() -> genanki.Model:
    """The "Tandem Sentence" note type: a Recognition and a Production card."""
    return _model(
        SENTENCE_MODEL_ID,
        SENTENCE_MODEL_NAME,
        SENTENCE_FIELDS,
        [_RECOGNITION, _PRODUCTION],
        genanki.Model.FRONT_BACK,
    )


def cloze_model() -> genanki.Model:
    """The "Tandem Cloze" note type: an Anki cloze note type with one card (c1) per note."""
    return _model(CLOZE_MODEL_ID, CLOZE_MODEL_NAME, CLOZE_FIELDS, [_CLOZE], genanki.Model.CLOZE)


def templates() -> dict[str, dict[str, Any]]:
    """Every template by name, for checks that look at all of them."""
    return {t["name"]: dict(t) for t in (_RECOGNITION, _PRODUCTION, _CLOZE)}
