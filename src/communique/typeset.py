"""Per-language text preparation: whitespace, quotes, dates, Japanese composition rules, phrases.

Nothing is added to or taken from the text (README: Typography): see `whitespace` for what a line break
and a space become."""

from __future__ import annotations

import re
from functools import cache

import budoux
from babel import Locale

from communique import jlreq
from communique.dates import closing_line
from communique.model import (
    Communique,
    OutlineLabels,
    Party,
    RichText,
    Run,
    Signatory,
    SignatureBlock,
    TypesetDocument,
    Version,
)
from communique.whitespace import joined, keep_spaces, kept_lines

# Languages whose signature blocks put the office before the name (東京都知事 / 小池百合子).
_OFFICE_FIRST = {"ja", "zh", "ko"}
# Scripts written without spaces between words: title lines are joined without a space.
_UNSPACED = {"ja", "zh"}
_OUTLINE_WORDS = {
    "ja": ("表題", "本文", "署名"),
    "en": ("Title", "Text", "Signatures"),
    "fi": ("Otsikko", "Teksti", "Allekirjoitukset"),
    "sv": ("Rubrik", "Text", "Underskrifter"),
    "fr": ("Titre", "Texte", "Signatures"),
    "de": ("Titel", "Text", "Unterschriften"),
}
# Typographic quotes per language: (open double, close double, open single, close single = apostrophe).
_QUOTES = {"en": "“”‘’", "fi": "””’’", "sv": "””’’", "de": "„“‚‘"}
_OPENS_QUOTE = re.compile(r"(^|[\s(\[{\u2014\u2013-])$")


def primary(lang: str) -> str:
    """The primary language subtag: 'zh-Hant-TW' -> 'zh'."""
    return lang.split("-", 1)[0].lower()


def typeset(communique: Communique) -> TypesetDocument:
    """Prepare every language version of `communique` for a layout."""
    return TypesetDocument(communique, tuple(_version(communique, lang) for lang in communique.languages))


def typographic_quotes(text: str, lang: str) -> str:
    """Straight quotes and apostrophes made typographic: "a" -> “a”, it's -> it’s (Latin-script languages)."""
    if primary(lang) in ("ja", "zh", "ko"):
        return text
    open_double, close_double, open_single, close_single = tuple(_QUOTES.get(primary(lang), _QUOTES["en"]))
    result: list[str] = []
    for char in text:
        opening = bool(_OPENS_QUOTE.search("".join(result[-1:])))
        if char == '"':
            result.append(open_double if opening else close_double)
        elif char == "'":
            result.append(open_single if opening else close_single)
        else:
            result.append(char)
    return "".join(result)


@cache
def _phrase_parser(lang: str) -> budoux.Parser | None:
    if primary(lang) == "zh" and any(mark in lang for mark in ("Hant", "TW", "HK", "MO")):
        return budoux.load_default_traditional_chinese_parser()
    loaders = {"ja": budoux.load_default_japanese_parser, "zh": budoux.load_default_simplified_chinese_parser}
    loader = loaders.get(primary(lang))
    return loader() if loader else None


def rich_text(text: str, lang: str, phrased: bool = False, composed: bool = True) -> RichText:
    """`text` prepared for `lang`, every character kept; with `phrased`, split into phrases (BudouX) that
    a line never breaks; with `composed` (the default), with typographic quotes and Japanese composition
    (signatory lines are set as written). A line break in `text` ('\\n') is a line break in print."""
    text = typographic_quotes(text, lang) if composed else text
    runs: list[Run] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            runs.append(Run("\n", ""))
        if line:
            runs.extend(jlreq.runs(line) if composed and primary(lang) == "ja" else (Run(line, ""),))
    parser = _phrase_parser(lang) if phrased else None
    if parser is None:
        return RichText(text, (keep_spaces(tuple(runs), lang),))
    phrases = _split_at(tuple(runs), parser.parse(text))
    return RichText(text, tuple(keep_spaces(phrase, lang) for phrase in phrases), phrased=True)


def paragraph_text(text: str, lang: str) -> RichText:
    """A paragraph: its source line wraps joined (`whitespace.joined`)."""
    return rich_text(joined(text, lang), lang)


def lines_text(text: str, lang: str) -> RichText:
    """A text whose line breaks are line breaks in print (a closing line, an office, a name)."""
    return rich_text("\n".join(kept_lines(text)), lang)


def _split_at(runs: tuple[Run, ...], phrases: list[str]) -> tuple[tuple[Run, ...], ...]:
    """Regroup `runs` into the given phrases, splitting a run where a phrase boundary falls inside it."""
    grouped: list[tuple[Run, ...]] = []
    pending = list(runs)
    for phrase in phrases:
        needed, current = len(phrase), []
        while needed:
            run = pending.pop(0)
            if len(run.text) > needed:
                pending.insert(0, Run(run.text[needed:], run.style))
                run = Run(run.text[:needed], run.style)
            current.append(run)
            needed -= len(run.text)
        grouped.append(tuple(current))
    return tuple(grouped)


def _version(communique: Communique, lang: str) -> Version:
    title_lines = tuple(
        rich_text(line, lang, phrased=True) for line in kept_lines(communique.title.value(lang))
    )
    joiner = "" if primary(lang) in _UNSPACED else " "
    autonym = Locale.parse(lang, sep="-").get_display_name() or lang
    words = _OUTLINE_WORDS.get(primary(lang), _OUTLINE_WORDS["en"])
    return Version(
        lang=lang,
        title_lines=title_lines,
        title=joiner.join(line.text for line in title_lines),
        paragraphs=tuple(paragraph_text(paragraph.value(lang), lang) for paragraph in communique.body),
        closing=_closing(communique, lang),
        signatures=tuple(
            _signature_block(lang, party, number, signer)
            for party in communique.party_order(lang)
            for number, signer in enumerate(party.signatories, 1)
        ),
        outline=OutlineLabels(autonym[:1].upper() + autonym[1:], *words),
        authors=tuple(joined(party.name.value(lang), lang) for party in communique.parties),
        subject=joined(communique.subject.value(lang), lang) if communique.subject else None,
        closing_position=communique.closing_position,
    )


def _closing(communique: Communique, lang: str) -> RichText | None:
    """The `lang` closing line: given word for word, made as `closing_form` says, or None."""
    given = communique.closing.get(lang)
    if given:
        return lines_text(given.value, lang)
    form = communique.form_of(lang)
    if form == "none":
        return None
    place = communique.place.value(lang) if communique.place and form == "date-place" else None
    line = closing_line(
        communique.date,
        joined(place, lang) if place else None,
        lang,
        communique.japanese_era,
        dateline=communique.closing_position == "top",
    )
    return rich_text(line, lang)


def _signature_block(lang: str, party: Party, number: int, signer: Signatory) -> SignatureBlock:
    """The signatory's office and name in the language's order, line breaks kept (an office of several
    lines: Mayor / Koto Ward / Tokyo, Japan)."""
    office = "\n".join(kept_lines(signer.title.value(lang)))
    name = "\n".join(kept_lines(signer.name.value(lang)))
    lines = (office, name) if primary(lang) in _OFFICE_FIRST else (name, office)
    return SignatureBlock(
        party.key,
        f"{party.key}-{number}",
        lines,
        signer.signature,
        party.seal,
        tuple(rich_text(line, lang, composed=False) for line in lines),
    )
