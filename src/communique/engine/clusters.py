"""Recording, while WeasyPrint draws each line, of the clusters HarfBuzz shaped as several glyphs.

A letter with its marks (Arabic harakat, Thai vowels and tones), Thai SARA AM drawn as two glyphs, a
bracket drawn mirrored right to left, and a few clusters around an invisible character drawn as no
glyph are recorded with the font, their glyph ids and their text, in drawing order;
`communique.pdf.clusters` then finds them again in the content streams and folds each into one glyph
carrying its text. A line this module cannot read (Pango's structures changed) stops the recording:
nothing is folded, and the build warns that marks may copy apart from their letters.
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from communique.engine.hooks import Patch
from communique.engine.justify import is_mark
from communique.engine.undone import ENGINE_CHANGED, excerpt, report
from communique.model import Cluster
from communique.whitespace import WORD_JOINER

Clusters = list[Cluster]
"""The clusters of a document in drawing order: found again in the content streams in that order, so that
the same glyphs drawn from other text (ก ํ า typed, not ก ำ) are never taken for a cluster."""


@dataclass
class Drawn:
    """What the recording saw WeasyPrint draw."""

    clusters: Clusters = field(default_factory=list)
    invisible: set[str] = field(default_factory=set)
    """Invisible characters drawn as no glyph that no recorded cluster carries: not in the text layer."""


_recorder: ContextVar[Drawn | None] = ContextVar("communique_clusters", default=None)


@contextmanager
def recording() -> Iterator[Drawn]:
    """Collect the clusters of several glyphs WeasyPrint draws within this block, and the invisible
    characters it draws as nothing."""
    drawn = Drawn()
    token = _recorder.set(drawn)
    try:
        yield drawn
    finally:
        _recorder.reset(token)


def patches() -> list[Patch]:
    """Let WeasyPrint's drawing of each line report its clusters to `recording`."""
    from weasyprint.draw import text

    return [Patch(text, "draw_first_line", _recording_draw_first_line)]


def _recording_draw_first_line(original: Any) -> Any:
    @functools.wraps(original)
    def draw_first_line(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        drawn = original(stream, textbox, *args, **kwargs)
        recorded = _recorder.get()
        if recorded is not None:
            try:
                _record(stream, textbox, recorded)
            except ENGINE_CHANGED as error:  # a line not read: fold nothing, and say so
                recorded.clusters.clear()
                _recorder.set(None)
                report(
                    "cluster recording",
                    f"the line {excerpt(getattr(textbox, 'text', ''))} could not be read, so no letter is "
                    "folded with its marks (they may copy apart from it)",
                    error,
                )
        return drawn

    return draw_first_line


def _record(stream: Any, textbox: Any, drawn: Drawn) -> None:
    """Add the line's letters drawn with marks, and characters drawn as several glyphs, to the clusters
    drawn, and its invisible characters drawn as nothing to `drawn.invisible`."""
    from weasyprint.text.ffi import ffi

    clusters = drawn.clusters
    line, _ = textbox.pango_layout.get_first_line()
    if line.runs == ffi.NULL:
        return
    utf8 = textbox.pango_layout.text.encode()
    run = line.runs[0]
    while True:
        item = run.data
        glyphs = item.glyphs
        count = glyphs.num_glyphs
        offset, length = item.item.offset, item.item.length
        starts = [glyphs.log_clusters[index] for index in range(count)]
        if len(set(starts)) == count and not any(map(_notable, utf8[offset : offset + length].decode())):
            groups = []  # each glyph draws one character, none a mark or a mirrored bracket
        else:
            characters = [_character_at(utf8, offset + start) for start in starts]
            right_to_left = item.item.analysis.level % 2 == 1
            groups = _groups(starts, [is_mark(character) for character in characters], right_to_left)
        if groups and (
            len(groups) < count
            or any(map(unicodedata.mirrored, characters))
            or any(glyphs.glyphs[index].glyph == EMPTY_GLYPH for index in range(count))
        ):
            font_name = stream.add_font(item.item.analysis.font)[0].name.decode()[1:]
            bounds = [*sorted(set(starts)), length]
            spans = [
                _Span(
                    tuple(glyphs.glyphs[index].glyph for index in members),
                    min(starts[index] for index in members),
                    bounds[bisect.bisect_right(bounds, max(starts[index] for index in members))],
                )
                for members in groups
            ]
            run_text = utf8[offset : offset + length]
            if _only_a_joiner_before_spaces(textbox.pango_layout.text):
                pass  # the typeset stage's own joiner: not the data's, left out of the text layer
            else:
                spans, alone = _words_carrying_invisible(spans, run_text, 1 if right_to_left else CONTEXT)
                drawn.invisible.update(_invisible(alone, run_text))
            for span in spans:
                if not all(0 < glyph < 0x10000 for glyph in span.glyphs):  # an empty or missing glyph
                    continue
                text = utf8[offset + span.first : offset + span.end].decode()
                single = len(span.glyphs) == 1 and not span.carries
                if single and not (len(text) == 1 and unicodedata.mirrored(text)):
                    continue
                if single and not right_to_left:  # drawn as it is: kept in the order all the same
                    clusters.append((font_name, span.glyphs, ()))
                else:
                    clusters.append((font_name, span.glyphs, _drawn_texts(text, right_to_left)))
        if run.next == ffi.NULL:
            return
        run = run.next[0]


EMPTY_GLYPH = 0x0FFFFFFF
"""Pango's PANGO_GLYPH_EMPTY: what it draws for an invisible character (U+200B, U+2060, U+034F); WeasyPrint
writes nothing for it, so its text is lost."""


@dataclass(frozen=True)
class _Span:
    """The glyphs of one cluster (in drawing order) and the bytes of the run's text it draws."""

    glyphs: tuple[int, ...]
    first: int
    end: int
    carries: bool = False
    """Whether it is a word carrying an invisible character's text (recorded even as one glyph)."""


CONTEXT = 4
"""Clusters taken on each side of an invisible character, left to right, into the one that carries it:
enough that the sequence is not taken for the same glyphs drawn elsewhere, few enough that its text stays
short (poppler reads a ToUnicode entry of at most 63 UTF-16 units). Right to left one on each side: the
folding gives each character but the first a blank glyph of its own, and with a whole word pdfium dropped
a letter (بين​سلطنة copied as بي​سلطنة; measured)."""


def _words_carrying_invisible(
    spans: list[_Span], run: bytes, context: int
) -> tuple[list[_Span], list[_Span]]:
    """Each character drawn as no glyph made one cluster with up to `context` clusters of its word on each
    side, so that the folded cluster carries that character's text (a zero-width space, a word
    joiner); not the glyph before it alone, which could be taken for the same glyph drawn elsewhere. Also
    the spans of invisible characters with no drawn glyph in their word, whose text cannot be carried."""
    kept: list[_Span] = []
    alone: list[_Span] = []
    index = 0
    while index < len(spans):
        if EMPTY_GLYPH not in spans[index].glyphs:
            kept.append(spans[index])
            index += 1
            continue
        word = [spans[index]]
        while kept and not _blank(kept[-1], run) and len(word) <= context:
            word.insert(0, kept.pop())
        index += 1
        before = len(word)
        while index < len(spans) and not _blank(spans[index], run) and len(word) - before < context:
            word.append(spans[index])
            index += 1
        glyphs = tuple(glyph for span in word for glyph in span.glyphs if glyph != EMPTY_GLYPH)
        if glyphs:
            kept.append(_Span(glyphs, min(span.first for span in word), max(span.end for span in word), True))
        else:
            alone.extend(word)
    return kept, alone


def _blank(span: _Span, run: bytes) -> bool:
    """Whether a span draws white space (where a word ends)."""
    return not run[span.first : span.end].decode().strip()


def _only_a_joiner_before_spaces(text: str) -> bool:
    """Whether a box holds only the word joiner the typeset stage puts before spaces set in another family
    (so that WeasyPrint draws them): that joiner is not the data's and stays out of the text layer."""
    return text.startswith(WORD_JOINER) and not text[1:].strip()


def _invisible(spans: list[_Span], run: bytes) -> Iterator[str]:
    """The characters of `spans` drawn as no glyph: WeasyPrint writes nothing for them, so they are not in
    the text layer (their word draws nothing else to carry them)."""
    for span in spans:
        if EMPTY_GLYPH in span.glyphs:
            for char in run[span.first : span.end].decode():
                if unicodedata.category(char) in ("Cf", "Mn"):
                    yield char


@functools.lru_cache(maxsize=4096)
def _notable(character: str) -> bool:
    """A combining mark, a selector, an invisible format character or a character drawn mirrored right to
    left."""
    return (
        is_mark(character) or unicodedata.category(character) == "Cf" or bool(unicodedata.mirrored(character))
    )


def _character_at(utf8: bytes, position: int) -> str:
    """The character whose UTF-8 encoding starts at `position` (a space past the end)."""
    return utf8[position : position + 4].decode(errors="ignore")[:1] or " "


def _drawn_texts(text: str, right_to_left: bool) -> tuple[str, ...]:
    """The text of each glyph a cluster is drawn as, in drawing order: one glyph with the whole text left
    to right; right to left, a glyph for each character -- extractors turn right-to-left lines back
    character by character (pdftotext, pdfium) or glyph by glyph (pypdf), which agree only so -- the
    marks as blank glyphs (one font unit wide) before the glyph that draws the cluster."""
    if not right_to_left or len(text) == 1:
        return (text,)
    return (*reversed(text[1:]), text[0])


def _groups(starts: list[int], marks: list[bool], right_to_left: bool) -> list[list[int]]:
    """The glyphs of a run (by index, in drawing order) grouped into what is drawn as one: the glyphs of
    one character, and a letter with the glyphs of the combining marks on it -- which follow the letter
    left to right and precede it right to left."""
    groups: list[list[int]] = []
    for index, start in enumerate(starts):
        if groups and (
            start == starts[groups[-1][-1]]
            or (marks[index] and not right_to_left)
            or (right_to_left and all(marks[member] for member in groups[-1]))
        ):
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups
