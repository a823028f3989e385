"""Reading a tagged PDF as a screen reader does: the text of each structure element in the structure tree's
order (pikepdf walks StructTreeRoot to the marked-content ids, pdfminer.six gives each id's text), and the
text drawn as artifacts."""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pdfminer.converter import PDFLayoutAnalyzer
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage


class _MarkedText(PDFLayoutAnalyzer):
    """Collects the text of every marked-content sequence by (page, MCID), and artifacts' text apart."""

    def __init__(self, resources: PDFResourceManager) -> None:
        super().__init__(resources)
        self.open: list[int | str | None] = []
        self.by_mcid: dict[tuple[int, int], str] = collections.defaultdict(str)
        self.artifacts = ""
        self.page = 0

    def begin_tag(self, tag: Any, props: Any = None) -> None:
        mcid = props.get("MCID") if isinstance(props, dict) else None
        self.open.append(mcid if mcid is not None else ("artifact" if tag.name == "Artifact" else None))

    def end_tag(self) -> None:
        if self.open:
            self.open.pop()

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        font = textstate.font
        codes = font.decode(b"".join(item for item in seq if isinstance(item, bytes)))
        text = "".join(_character(font, code) for code in codes)
        owner = next((item for item in reversed(self.open) if item is not None), None)
        if owner == "artifact":
            self.artifacts += text
        elif isinstance(owner, int):
            self.by_mcid[self.page, owner] += text


def _character(font: Any, code: int) -> str:
    try:
        return str(font.to_unichr(code))
    except Exception:  # pdfminer raises PDFUnicodeNotDefined for a code without a mapping
        return ""


@dataclass(frozen=True)
class TaggedText:
    """The tagged PDF read in structure order."""

    runs: tuple[tuple[str, str], ...]
    """(language in force, text) for each marked-content sequence, in structure-tree order."""
    artifacts: str
    """Everything drawn as an artifact, in drawing order."""
    untagged: str
    """Text in marked content that no structure element of the tree holds."""

    def by_language(self) -> list[tuple[str, str]]:
        """Consecutive runs of one language joined: the order in which the versions are read."""
        joined: list[tuple[str, str]] = []
        for lang, text in self.runs:
            if joined and joined[-1][0] == lang:
                joined[-1] = (lang, joined[-1][1] + text)
            else:
                joined.append((lang, text))
        return [(lang, text) for lang, text in joined if text.strip()]


def tagged_text(path: Path) -> TaggedText:
    """Read `path` as a screen reader would."""
    resources = PDFResourceManager()
    device = _MarkedText(resources)
    interpreter = PDFPageInterpreter(resources, device)
    with path.open("rb") as handle:
        for number, page in enumerate(PDFPage.get_pages(handle)):
            device.page = number
            interpreter.process_page(page)
    runs: list[tuple[str, str]] = []
    reached: set[tuple[int, int]] = set()
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages)}

        def walk(item: Any, page: int, lang: str) -> None:
            if isinstance(item, int):
                reached.add((page, item))
                runs.append((lang, device.by_mcid.get((page, item), "")))
                return
            if not isinstance(item, pikepdf.Dictionary):
                return
            if "/MCID" in item:
                where = pages[item.Pg.objgen] if "/Pg" in item else page
                reached.add((where, int(item.MCID)))
                runs.append((lang, device.by_mcid.get((where, int(item.MCID)), "")))
                return
            page = pages[item.Pg.objgen] if "/Pg" in item else page
            lang = str(item.Lang) if "/Lang" in item else lang
            kids = item.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
                walk(kid, page, lang)

        walk(pdf.Root.StructTreeRoot, 0, str(pdf.Root.get("/Lang", "")))
    untagged = "".join(text for key, text in device.by_mcid.items() if key not in reached)
    return TaggedText(tuple(runs), device.artifacts, untagged)
