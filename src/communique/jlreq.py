"""Japanese line-composition rules (W3C JLReq) expressed as styled runs of the original text.

No character is added or removed: spacing, punctuation compression and line-break protection are
CSS classes on spans, so text copied from the PDF is exactly the source text.
"""

from __future__ import annotations

import re
import unicodedata

from communique.model import Run

OPENING = "（「『【〔〈《［｛〘〖"
CLOSING = "）」』】〕〉》］｝〙〗、。，．"
# Characters that must not start a line but that Pango (UAX #14 'normal' line breaking) lets through:
# small kana and the prolonged sound mark (class CJ), iteration marks and the middle dot.
BIND_TO_PREVIOUS = (
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿー々〻ゝゞヽヾ・"
)
# A run of Latin letters and digits, with the spaces and punctuation inside it ('ISO 9001', '10\u00a0km').
LATIN_RUN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.,:/&'’+\-% \u00a0\u2009\u202f]*[A-Za-z0-9%])?")

GAP_START = "jl-gap-start"
GAP_END = "jl-gap-end"
HALT = "jl-halt"
NOBREAK = "jl-nobreak"


def is_japanese_letter(char: str) -> bool:
    """Kana or kanji (not punctuation): the characters a quarter-em gap separates from Latin text."""
    if not char:
        return False
    if char in "々〆〇ー":
        return True
    name = unicodedata.name(char, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA", "KATAKANA"))


def _halts(text: str, index: int) -> bool:
    """Whether the punctuation at `index` is set half-width (JLReq 3.1.4, consecutive punctuation)."""
    char = text[index]
    following = text[index + 1] if index + 1 < len(text) else ""
    previous = text[index - 1] if index > 0 else ""
    if char in CLOSING:
        return bool(following) and (following in CLOSING or following in OPENING)
    if char in OPENING:
        return index == 0 or (bool(previous) and previous in OPENING)
    return False


def _latin_pieces(latin: str, gap_before: bool, gap_after: bool) -> list[Run]:
    """A Latin run with its gaps: on its first and last word only, so that WeasyPrint breaks the words
    between as plain text (it moved a whole gapped span of several words to the next line where it had
    to break inside it)."""
    first, last = latin.find(" "), latin.rfind(" ")
    if first < 0:
        style = " ".join(name for name, wanted in ((GAP_START, gap_before), (GAP_END, gap_after)) if wanted)
        return [Run(latin, style)]
    pieces = [Run(latin[:first], GAP_START if gap_before else ""), Run(latin[first : last + 1], "")]
    pieces.append(Run(latin[last + 1 :], GAP_END if gap_after else ""))
    return [piece for piece in pieces if piece.text]


_NOTABLE = re.compile(f"[A-Za-z0-9{re.escape(OPENING + CLOSING + ''.join(BIND_TO_PREVIOUS))}]")
"""A character `runs` looks at: where a Latin run may start, punctuation that may halt, a character that
binds to the one before it; the text between them is plain."""


def runs(text: str, compress: bool = True, bind: bool = True) -> tuple[Run, ...]:
    """Split Japanese `text` into runs: Latin with gaps, half-width punctuation (with `compress`),
    characters bound to the one before (small kana, ー, 々: with `bind`)."""
    result: list[Run] = []
    plain = ""
    index = 0

    def emit(run: Run) -> None:
        nonlocal plain
        if plain:
            result.append(Run(plain, ""))
            plain = ""
        result.append(run)

    while index < len(text):
        notable = _NOTABLE.search(text, index)
        stop = (notable.start() if notable else len(text)) - 1  # the last plain character may bind
        if stop > index:
            plain += text[index:stop]
            index = stop
        latin = LATIN_RUN.match(text, index)
        if latin:
            before = text[index - 1] if index else ""
            after = text[latin.end()] if latin.end() < len(text) else ""
            for piece in _latin_pieces(latin.group(), is_japanese_letter(before), is_japanese_letter(after)):
                emit(piece)
            index = latin.end()
            continue
        if compress and _halts(text, index):
            emit(Run(text[index], HALT))
            index += 1
            continue
        end = index + 1
        while bind and end < len(text) and text[end] in BIND_TO_PREVIOUS:
            end += 1
        if end > index + 1:
            emit(Run(text[index:end], NOBREAK))
        else:
            plain += text[index]
        index = end
    if plain:
        result.append(Run(plain, ""))
    return tuple(result)
