"""Read a built PDF back: pages, metadata, bookmarks, fonts and page labels, for people and machines."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import pypdf
from pypdf.generic import DictionaryObject

from communique.errors import UsageError, read_input
from communique.pdf import access
from communique.pdf.archival import ArchiveError, associated_files
from communique.pdf.seal import UnreadablePdfError, open_pdf
from communique.pdf.verify import declared_flavour, declared_standards, xmp_packet, xmp_properties
from communique.text_rules import printable_lines

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_UNREADABLE = (*access.UNREADABLE, ArchiveError)
"""What a damaged part of a PDF makes pypdf (or reading it) raise."""


@dataclass(frozen=True)
class FontReport:
    """One font resource of the PDF."""

    name: str
    subtype: str
    embedded: bool
    subset: bool


@dataclass(frozen=True)
class Bookmark:
    """One outline entry and the page (1-based) it opens."""

    title: str
    page: int | None
    children: tuple[Bookmark, ...]


@dataclass(frozen=True)
class Attachment:
    """One associated file of the PDF (archival copies carry their source data and images)."""

    name: str
    media_type: str
    relationship: str
    bytes: int


@dataclass(frozen=True)
class PdfReport:
    """What `communique inspect` shows."""

    path: str
    pages: int
    page_size_mm: tuple[float, float]
    lang: str | None
    metadata: dict[str, str]
    xmp: str | None
    bookmarks: tuple[Bookmark, ...]
    fonts: tuple[FontReport, ...]
    page_labels: tuple[str, ...]
    pdfa: str | None
    """The PDF/A flavour the XMP declares, e.g. 'PDF/A-3A'."""
    standards: tuple[str, ...]
    """Every standard the XMP declares: 'PDF/A-3A', 'PDF/UA-1', 'PDF/X-4'."""
    tagged: bool
    attachments: tuple[Attachment, ...]
    problems: tuple[str, ...] = ()
    """Parts of the file that could not be read (a damaged part does not hide the others)."""

    def as_json(self) -> dict[str, Any]:
        """A JSON-serialisable form of the report."""
        return asdict(self)


def inspect_pdf(path: Path) -> PdfReport:
    """Read `path` and report its structure; UsageError if it is not a readable PDF, or is encrypted."""
    data = read_input(path, "give a PDF built by communique")
    try:
        reader = open_pdf(data, str(path))
        pages = len(reader.pages)
    except UnreadablePdfError as error:
        raise UsageError(error.message, hint=error.hint) from error
    except access.UNREADABLE as error:
        raise UsageError(
            f"{path}: cannot read the PDF: {error}", hint="give a PDF built by communique"
        ) from error
    problems: list[str] = []

    def part(what: str, read: Callable[[], _Value], default: _Value) -> _Value:
        """What `read` finds, or `default` with a problem noted: a damaged part does not hide the rest."""
        try:
            return read()
        except _UNREADABLE as error:
            problems.append(f"{what}: cannot be read ({type(error).__name__}: {error})")
            return default

    root = reader.root_object
    xmp = part("XMP metadata", lambda: _xmp(reader), None)
    flavour = part("PDF/A identification", lambda: _flavour(xmp), None)
    return PdfReport(
        path=str(path),
        pages=pages,
        page_size_mm=part("page size", lambda: _page_size(reader), (0.0, 0.0)),
        lang=part("language", lambda: str(root["/Lang"]) if "/Lang" in root else None, None),
        metadata=part("document information", lambda: _information(reader), {}),
        xmp=xmp,
        bookmarks=part("bookmarks", lambda: _bookmarks(reader, reader.outline, 0), ()),
        fonts=part("fonts", lambda: _fonts(reader), ()),
        page_labels=part("page labels", lambda: tuple(reader.page_labels), ()),
        pdfa=f"PDF/A-{flavour}"
        if (flavour := part("PDF/A identification", lambda: _flavour(xmp), None))
        else None,
        standards=part(
            "standards", lambda: declared_standards(xmp_properties(xmp.encode())) if xmp else (), ()
        ),
        tagged="/StructTreeRoot" in root,
        attachments=part(
            "associated files",
            lambda: tuple(
                Attachment(file.name, file.media_type, relationship, len(file.data))
                for relationship, file in associated_files(reader)
            ),
            (),
        ),
        problems=tuple(problems),
    )


_Value = TypeVar("_Value")
MAX_OUTLINE_DEPTH = 64
"""Deepest bookmark nesting shown (communique writes two levels)."""


def _xmp(reader: pypdf.PdfReader) -> str | None:
    """The XMP packet as text (at most verify.XMP_LIMIT bytes of it decoded)."""
    packet = xmp_packet(reader)
    return packet.decode("utf-8") if packet is not None else None


def _flavour(xmp: str | None) -> str | None:
    return declared_flavour(xmp_properties(xmp.encode())) if xmp else None


def _page_size(reader: pypdf.PdfReader) -> tuple[float, float]:
    if not reader.pages:
        return (0.0, 0.0)
    box = reader.pages[0].mediabox
    return (round(float(box.width) * 25.4 / 72, 1), round(float(box.height) * 25.4 / 72, 1))


def _information(reader: pypdf.PdfReader) -> dict[str, str]:
    information = reader.metadata
    if information is not None and not isinstance(information, dict):
        raise TypeError(f"/Info is a {type(information).__name__}, not a dictionary")
    return {str(key): str(value) for key, value in (information or {}).items()}


def _bookmarks(reader: pypdf.PdfReader, outline: list[Any], depth: int) -> tuple[Bookmark, ...]:
    if depth > MAX_OUTLINE_DEPTH:
        raise ValueError(f"the bookmarks nest more than {MAX_OUTLINE_DEPTH} deep")
    entries: list[Bookmark] = []
    for item in outline:
        if isinstance(item, list):
            if entries:
                last = entries.pop()
                entries.append(Bookmark(last.title, last.page, _bookmarks(reader, item, depth + 1)))
            continue
        page = reader.get_destination_page_number(item)
        entries.append(Bookmark(str(item.title), page + 1 if page is not None and page >= 0 else None, ()))
    return tuple(entries)


def _fonts(reader: pypdf.PdfReader) -> tuple[FontReport, ...]:
    found: dict[str, FontReport] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for font in fonts.get_object().values() if fonts else []:
            font = font.get_object()
            name = str(font.get("/BaseFont", "?")).lstrip("/")
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor: DictionaryObject = descendant.get("/FontDescriptor", DictionaryObject()).get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[name] = FontReport(
                name, str(font.get("/Subtype", "")).lstrip("/"), embedded, bool(_SUBSET_TAG.match(name))
            )
    return tuple(sorted(found.values(), key=lambda report: report.name))


def format_report(report: PdfReport) -> str:
    """The report as text for a terminal: what the PDF says, with anything a terminal would act on escaped."""
    lines = [
        f"{report.path}",
        f"  pages: {report.pages} ({report.page_size_mm[0]} x {report.page_size_mm[1]} mm)",
        f"  language: {report.lang or '-'}",
        "  metadata:",
    ]
    lines += [f"    {key.lstrip('/')}: {value}" for key, value in report.metadata.items()]
    lines.append(f"  xmp: {'present' if report.xmp else 'missing'}")
    lines.append("  bookmarks:")

    def walk(marks: tuple[Bookmark, ...], depth: int) -> None:
        for mark in marks:
            lines.append(f"    {'  ' * depth}{mark.title}  -> page {mark.page}")
            walk(mark.children, depth + 1)

    walk(report.bookmarks, 0)
    lines.append("  fonts:")
    lines += [
        f"    {font.name} ({font.subtype}, {'embedded' if font.embedded else 'NOT embedded'}, "
        f"{'subset' if font.subset else 'full'})"
        for font in report.fonts
    ]
    lines.append(f"  page labels: {', '.join(report.page_labels)}")
    declared = ", ".join(report.standards) or "none declared"
    lines.append(f"  standards: {declared}; tagged: {'yes' if report.tagged else 'no'}")
    lines += [f"  problem: {problem}" for problem in report.problems]
    if report.attachments:
        lines.append("  associated files:")
        lines += [
            f"    {file.name} ({file.media_type}, {file.bytes} bytes, relationship {file.relationship})"
            for file in report.attachments
        ]
    return printable_lines("\n".join(lines))
