"""A long document rendered in parts, one worker process each, and joined: its language versions start on
new pages (the sequential layout), so each part is laid out and drawn on its own core.

A layout says where its document may be parted by writing PART_MARK before each version (the bundled
sequential layout does, and so does any project layout that extends it). Each worker renders the HTML with
only its versions; once every part is laid out, the parent tells each its first page's number and the
document's page count, which the running footer (`counter(page) " / " counter(pages)`) shows. The parts'
PDFs are joined into one (pdf/join.py), with the outline, links and one structure tree as one render makes
them.

Only where the parts cannot differ from one render: not with `@page :first`, `:left`, `:right`, `:blank`
or `:nth()` rules (a part's first page is not the document's), nor with a <style> element in the HTML
(its page rules are not read here). Where forking is unavailable (not Linux), or a worker fails, the
document is rendered in one process: a document error then comes from that render, as it would have.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from communique.engine.hooks import Patch
from communique.engine.undone import ENGINE_CHANGED
from communique.errors import CommuniqueError
from communique.model import RenderedPdf

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

PART_MARK = "<!--communique:part-->"
"""Written by a layout before each part of its document that starts on a new page (a version)."""
SMALLEST_PART = 60_000
"""Characters of HTML a part holds at least (the 54-page treaty's versions: 66,000 and 91,000). A
conservative line: measured warm on 2 cores, even short documents render a little faster in parts (the
seed, 6,400 characters: 232 → 220 ms; four-languages, 23,000: 819 → 665 ms), but each part embeds its own
font subsets and a one-document build would start worker processes; only documents long enough for the
gain to matter are parted."""

_STYLE_ELEMENT = re.compile("<style", re.IGNORECASE)

Numbering = Callable[[int], tuple[int, int]]
"""Told how many pages its part has, gives (pages before the part, pages in the document)."""
RenderPart = Callable[[str, int, Numbering], RenderedPdf]
"""Renders the HTML of the part of that index, numbering its pages by what `Numbering` says."""


class PartFailedError(Exception):
    """A worker could not render its part for a reason of the engine's or the system's (the document is
    then rendered in one process, and the build says why)."""


class PartRefusedError(Exception):
    """A worker's render of its part was refused for a reason of the document's (the document is then
    rendered in one process, which finds the same fault in the whole and says it as one render does)."""


def parts_of(html: str, workers: int) -> list[str] | None:
    """The document as up to `workers` documents of consecutive versions, each the HTML before the first
    version, its versions and the HTML after the last; None where it is not to be parted (one version, or
    too short for a worker to pay)."""
    prefix, *pieces = html.split(PART_MARK)
    if len(pieces) < 2 or workers < 2:
        return None
    cut = pieces[-1].rfind("</body>")
    if cut < 0:
        return None
    suffix = pieces[-1][cut:]
    pieces[-1] = pieces[-1][:cut]
    count = min(workers, len(pieces), sum(map(len, pieces)) // SMALLEST_PART)
    if count < 2:
        return None
    return [prefix + "".join(group) + suffix for group in _balanced(pieces, count)]


def _balanced(pieces: list[str], count: int) -> list[list[str]]:
    """`pieces` in `count` runs of consecutive pieces (one piece each at least), each run ending nearest
    to its share of the total length."""
    ends = list(itertools.accumulate(map(len, pieces)))
    cuts = [0]
    for run in range(1, count):
        share = ends[-1] * run / count
        possible = range(cuts[-1] + 1, len(pieces) - (count - run) + 1)
        cuts.append(min(possible, key=lambda cut: abs(ends[cut - 1] - share)))
    return [pieces[start:end] for start, end in itertools.pairwise([*cuts, len(pieces)])]


def page_rules_differ(stylesheets: Sequence[Any], html: str) -> bool:
    """Whether pages of a part could be styled otherwise than in one render: a page rule chooses
    pages by being first, left, right, blank or by number, or the HTML has stylesheets of its own."""
    if _STYLE_ELEMENT.search(html):
        return True
    for sheet in stylesheets:
        for _rule, selectors, _declarations in sheet.page_rules:
            for _specificity, _margin, chosen in selectors:  # (specificity, margin box, PageSelectorType)
                if chosen.side or chosen.blank or chosen.first or chosen.index:
                    return True
    return False


def patches(index: int, numbering: Numbering) -> list[Patch]:
    """The hooks a worker renders part `index` with."""
    return [numbering_patch(numbering), naming_patch(index)]


def numbering_patch(numbering: Numbering) -> Patch:
    """Number a part's pages as the document's: before its first margin box is made (all of its pages
    are laid out by then), ask `numbering` where the part stands, and set each page's `page` and `pages`
    counters accordingly."""
    from weasyprint import layout

    def hook(original: Any) -> Any:
        placed: list[tuple[int, int]] = []

        @functools.wraps(original)
        def make_margin_boxes(context: Any, page: Any, state: Any) -> Iterator[Any]:
            try:
                if not placed:
                    placed.append(numbering(len(context.page_maker) - 1))
                before, total = placed[0]
                counters = state[1]
                counters["page"] = [number + before for number in counters["page"]]
                counters["pages"] = [total]
            except ENGINE_CHANGED as error:
                raise PartFailedError(f"the part's pages could not be numbered ({error!r})") from error
            return original(context, page, state)  # type: ignore[no-any-return]

        return make_margin_boxes

    return Patch(layout, "make_margin_boxes", hook)


def naming_patch(index: int) -> Patch:
    """Name the font subsets of part `index` apart from every other part's: WeasyPrint tags a subset by
    the font's description alone, so each part's subset of a face had the same name as the others',
    and finishing, which finds a face by its name, folded the clusters of one part's subset only."""
    from weasyprint.pdf import fonts

    def hook(original: Any) -> Any:
        @functools.wraps(original)
        def __init__(font: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807 (a method's name)
            original(font, *args, **kwargs)
            try:
                seed = hashlib.md5(f"{font.hash} part {index}".encode(), usedforsecurity=False).digest()
                tag = "".join(chr(65 + byte % 26) for byte in seed[:6])
                font.name = font.name.replace(font.hash.encode(), tag.encode(), 1)
                font.hash = tag
            except ENGINE_CHANGED as error:
                raise PartFailedError(f"the part's fonts could not be named apart ({error!r})") from error

        return __init__

    return Patch(fonts.Font, "__init__", hook)


def rendered_in_parts(parts: list[str], render_part: RenderPart) -> list[RenderedPdf]:
    """Each part rendered by a worker process of its own, in order. PartRefusedError if a part's render
    is refused, PartFailedError if a worker fails otherwise."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    ends = [context.Pipe() for _ in parts]
    workers = [
        context.Process(target=_work, args=(render_part, part, index, child), daemon=True)
        for index, (part, (_, child)) in enumerate(zip(parts, ends, strict=True))
    ]
    try:
        for worker in workers:
            worker.start()
        for _, child in ends:
            child.close()
        counts = [_received(parent, "pages") for parent, _ in ends]
        before = 0
        for (parent, _), count in zip(ends, counts, strict=True):
            parent.send((before, sum(counts)))
            before += count
        return [_received(parent, "done") for parent, _ in ends]
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        for parent, _ in ends:
            parent.close()


def _received(connection: Connection, kind: str) -> Any:
    try:
        message = connection.recv()
    except (EOFError, OSError) as error:
        raise PartFailedError(f"a worker ended before it was done ({error!r})") from error
    if message[0] == "refused":
        raise PartRefusedError(str(message[1]))
    if message[0] != kind:
        raise PartFailedError(str(message[1]))
    return message[1]


def _work(render_part: RenderPart, part: str, index: int, connection: Connection) -> None:
    """In a worker: render `part`, telling the parent its page count and learning its numbering in
    between; send the result, or what went wrong."""

    def numbering(count: int) -> tuple[int, int]:
        connection.send(("pages", count))
        before, total = connection.recv()
        return int(before), int(total)

    try:
        connection.send(("done", render_part(part, index, numbering)))
    except CommuniqueError as error:
        connection.send(("refused", str(error)))
    except BaseException as error:  # whatever it was, the parent renders in one process
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()
        os._exit(0)  # no atexit handlers of the parent's in a forked copy


def joined(parts: list[RenderedPdf], join: Callable[[list[bytes]], bytes]) -> RenderedPdf:
    """The parts' results as one render's: the PDFs joined, pages counted from the document's start."""
    offsets = [0]
    for part in parts[:-1]:
        offsets.append(offsets[-1] + part.page_count)

    def shifted(items: Sequence[Any], offset: int) -> list[Any]:
        return [dataclasses.replace(item, page=item.page + offset) for item in items]

    return RenderedPdf(
        join([part.data for part in parts]),
        sum(part.page_count for part in parts),
        tuple(
            (lang, start + offset)
            for part, offset in zip(parts, offsets, strict=True)
            for lang, start in part.version_starts
        ),
        tuple(dict.fromkeys(warning for part in parts for warning in part.warnings)),
        tuple(dict.fromkeys(path for part in parts for path in part.files_read)),
        tuple(cluster for part in parts for cluster in part.clusters),
        frozenset().union(*(part.invisible for part in parts)),
        tuple(
            space
            for part, offset in zip(parts, offsets, strict=True)
            for space in shifted(part.signature_spaces, offset)
        ),
        tuple(
            line
            for part, offset in zip(parts, offsets, strict=True)
            for line in shifted(part.text_lines, offset)
        ),
    )
