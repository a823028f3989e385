"""Per-language text preparation: whitespace, quotes, dates, Japanese composition rules, phrases."""

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
    RichText,
    Run,
    SignatureBlock,
    TypesetDocument,
    Version,
)

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
_SPACES = re.compile(r"\s+")
_OPENS_QUOTE = re.compile(r"(^|[\s(\[{\u2014\u2013-])$")


def primary(lang: str) -> str:
    """The primary language subtag: 'zh-Hant-TW' -> 'zh'."""
    return lang.split("-", 1)[0].lower()


def typeset(communique: Communique) -> TypesetDocument:
    """Prepare every language version of `communique` for a layout."""
    return TypesetDocument(communique, tuple(_version(communique, lang) for lang in communique.languages))


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


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


def rich_text(text: str, lang: str, phrased: bool = False) -> RichText:
    """Text prepared for `lang`; with `phrased`, split into phrases (BudouX) that a line never breaks."""
    text = typographic_quotes(_clean(text), lang)
    runs = jlreq.runs(text) if primary(lang) == "ja" else (Run(text, ""),)
    parser = _phrase_parser(lang) if phrased else None
    if parser is None:
        return RichText(text, (runs,))
    return RichText(text, _split_at(runs, parser.parse(text)), phrased=True)


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
        rich_text(line, lang, phrased=True)
        for line in communique.title.value(lang).splitlines()
        if line.strip()
    )
    joiner = "" if primary(lang) in _UNSPACED else " "
    autonym = Locale.parse(lang, sep="-").get_display_name() or lang
    words = _OUTLINE_WORDS.get(primary(lang), _OUTLINE_WORDS["en"])
    given_closing = communique.closing.get(lang)
    closing = (
        given_closing.value
        if given_closing
        else closing_line(
            communique.date, _clean(communique.place.value(lang)), lang, communique.japanese_era
        )
    )
    return Version(
        lang=lang,
        title_lines=title_lines,
        title=joiner.join(line.text for line in title_lines),
        paragraphs=tuple(rich_text(paragraph.value(lang), lang) for paragraph in communique.body),
        closing=rich_text(closing, lang),
        signatures=tuple(
            SignatureBlock(
                party.key,
                f"{party.key}-{number}",
                _signatory_lines(lang, signer.title.value(lang), signer.name.value(lang)),
                signer.signature,
                party.seal,
            )
            for party in communique.party_order(lang)
            for number, signer in enumerate(party.signatories, 1)
        ),
        outline=OutlineLabels(autonym[:1].upper() + autonym[1:], *words),
        authors=tuple(_clean(party.name.value(lang)) for party in communique.parties),
        subject=_clean(communique.subject.value(lang)) if communique.subject else None,
    )


def _signatory_lines(lang: str, office: str, name: str) -> tuple[str, str]:
    office, name = _clean(office), _clean(name)
    return (office, name) if primary(lang) in _OFFICE_FIRST else (name, office)
