"""The seed is a faithful transcription of the reference text: nothing lost, nothing changed.

The reference was extracted from the published PDF; its only artefacts are stray spaces inside
Japanese sentences (where lines wrapped) and half-width parentheses in the Japanese title.
"""

from __future__ import annotations

import re

from conftest import REFERENCE, SEED

from communique.loader import load
from communique.typeset import typeset

_JA_HALF_TO_FULL = str.maketrans("()", "（）")


def _ja(text: str) -> str:
    """Japanese text with extraction spaces removed and parentheses made full-width."""
    return re.sub(r"\s+", "", text).translate(_JA_HALF_TO_FULL)


def _en(text: str) -> str:
    """English text with whitespace collapsed and typographic quotes made straight (as extracted)."""
    straight = text.translate(str.maketrans("“”‘’", "\"\"''"))
    return re.sub(r"\s+", " ", straight).strip()


def reference_blocks() -> tuple[list[str], list[str]]:
    blocks = [
        block.strip()
        for block in re.split(r"\n\s*\n", REFERENCE.read_text(encoding="utf-8"))
        if block.strip()
    ]
    english_start = next(index for index, block in enumerate(blocks) if block.startswith("Joint Communique"))
    return blocks[:english_start], blocks[english_start:]


def test_japanese_version_matches_reference() -> None:
    japanese, _ = reference_blocks()
    version = typeset(load(SEED)).versions[0]
    assert version.lang == "ja"
    assert _ja(japanese[0]) + _ja(japanese[1]) == _ja(version.title)
    assert [_ja(block) for block in japanese[2:7]] == [_ja(p.text) for p in version.paragraphs]
    assert _ja(japanese[7]) == _ja(version.closing.text)
    signatures = [_ja("".join(block.lines)) for block in version.signatures]
    assert signatures == [_ja(japanese[8]), _ja(japanese[9])]  # Tokyo first: the alternat
    assert len(japanese) == 10


def test_english_version_matches_reference() -> None:
    _, english = reference_blocks()
    version = typeset(load(SEED)).versions[1]
    assert version.lang == "en"
    assert _en(english[0]) == version.title
    assert [_en(block) for block in english[1:6]] == [_en(p.text) for p in version.paragraphs]
    assert _en(english[6]) == _en(version.closing.text)
    signatures = " ".join(" ".join(block.lines) for block in version.signatures)
    assert _en(english[7]) == signatures  # Helsinki first, name before office
    assert len(english) == 8


def test_artefacts_are_gone_from_the_seed() -> None:
    version = typeset(load(SEED)).versions[0]
    body = "".join(p.text for p in version.paragraphs)
    for artefact in ("向け た", "大都市 に", "努力して いく", "、 ", "づくり を"):
        assert artefact not in body
    assert "(" not in version.title and "（日本国）" in version.title
    # Spaces that separate an office from a personal name are part of the original text.
    assert "東京都知事 小池百合子" in body
