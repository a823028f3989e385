"""Per-language text preparation: whitespace, title lines, signature conventions, outline labels."""

from __future__ import annotations

import re

from babel import Locale

from communique.model import Communique, OutlineLabels, SignatureBlock, TypesetDocument, Version

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
_SPACES = re.compile(r"\s+")


def primary(lang: str) -> str:
    """The primary language subtag: 'zh-Hant-TW' -> 'zh'."""
    return lang.split("-", 1)[0].lower()


def typeset(communique: Communique) -> TypesetDocument:
    """Prepare every language version of `communique` for a layout."""
    return TypesetDocument(communique, tuple(_version(communique, lang) for lang in communique.languages))


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _version(communique: Communique, lang: str) -> Version:
    title_lines = tuple(_clean(line) for line in communique.title.value(lang).splitlines() if line.strip())
    joiner = "" if primary(lang) in _UNSPACED else " "
    autonym = Locale.parse(lang, sep="-").get_display_name() or lang
    words = _OUTLINE_WORDS.get(primary(lang), _OUTLINE_WORDS["en"])
    return Version(
        lang=lang,
        title_lines=title_lines,
        title=joiner.join(title_lines),
        paragraphs=tuple(_clean(paragraph.value(lang)) for paragraph in communique.body),
        closing=_clean(communique.closing.value(lang)),
        signatures=tuple(
            SignatureBlock(
                party.key,
                _signatory_lines(lang, signer.title.value(lang), signer.name.value(lang)),
                signer.signature,
            )
            for party in communique.party_order(lang)
            for signer in party.signatories
        ),
        outline=OutlineLabels(autonym[:1].upper() + autonym[1:], *words),
        authors=tuple(_clean(party.name.value(lang)) for party in communique.parties),
        subject=_clean(communique.subject.value(lang)) if communique.subject else None,
    )


def _signatory_lines(lang: str, office: str, name: str) -> tuple[str, str]:
    office, name = _clean(office), _clean(name)
    return (office, name) if primary(lang) in _OFFICE_FIRST else (name, office)
