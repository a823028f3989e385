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
    order: tuple[tuple[int, int], ...] = ()
    """(page, marked-content id) of each run, in structure-tree order."""

    def by_language(self) -> list[tuple[str, str]]:
        """Consecutive runs of one language joined: the order in which the versions are read."""
        joined: list[tuple[str, str]] = []
        for lang, text in self.runs:
            if joined and joined[-1][0] == lang:
                joined[-1] = (lang, joined[-1][1] + text)
            else:
                joined.append((lang, text))
        return [(lang, text) for lang, text in joined if text.strip()]


def _marked_text(path: Path) -> _MarkedText:
    """Every page of `path` read by pdfminer.six, its text kept by marked-content id."""
    resources = PDFResourceManager()
    device = _MarkedText(resources)
    interpreter = PDFPageInterpreter(resources, device)
    with path.open("rb") as handle:
        for number, page in enumerate(PDFPage.get_pages(handle)):
            device.page = number
            interpreter.process_page(page)
    return device


def tagged_text(path: Path) -> TaggedText:
    """Read `path` as a screen reader would."""
    device = _marked_text(path)
    runs: list[tuple[str, str]] = []
    reached: list[tuple[int, int]] = []
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages)}

        def walk(item: Any, page: int, lang: str) -> None:
            if isinstance(item, int):
                reached.append((page, item))
                runs.append((lang, device.by_mcid.get((page, item), "")))
                return
            if not isinstance(item, pikepdf.Dictionary):
                return
            if "/MCID" in item:
                where = pages[item.Pg.objgen] if "/Pg" in item else page
                reached.append((where, int(item.MCID)))
                runs.append((lang, device.by_mcid.get((where, int(item.MCID)), "")))
                return
            page = pages[item.Pg.objgen] if "/Pg" in item else page
            lang = str(item.Lang) if "/Lang" in item else lang
            kids = item.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
                walk(kid, page, lang)

        walk(pdf.Root.StructTreeRoot, 0, str(pdf.Root.get("/Lang", "")))
    untagged = "".join(text for key, text in device.by_mcid.items() if key not in reached)
    return TaggedText(tuple(runs), device.artifacts, untagged, tuple(reached))


def tree_problems(path: Path) -> list[str]:
    """What an auditor's tree check finds: an element whose /P is not an indirect reference to the element
    listing it, an element listed twice, marked content neither in the tree nor an artifact, a parent
    tree entry naming another element than the one holding the id."""
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
        listed: collections.Counter[tuple[int, int]] = collections.Counter()
        holders: dict[tuple[int, int], tuple[int, int]] = {}  # (page, mcid) -> element

        def walk(element: Any, page: int) -> None:
            page = pages[element.Pg.objgen] if "/Pg" in element else page
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
                if isinstance(kid, int):
                    holders[page, kid] = element.objgen
                elif isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
                    holders[pages[kid.Pg.objgen] if "/Pg" in kid else page, int(kid.MCID)] = element.objgen
                elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    listed[kid.objgen] += 1
                    parent = kid.get("/P")
                    if not kid.is_indirect or parent is None or not parent.is_indirect:
                        problems.append(f"{kid.S} {kid.objgen}: /P is not an indirect reference")
                    elif parent.objgen != element.objgen:
                        problems.append(
                            f"{kid.S} {kid.objgen}: /P is {parent.objgen}, listed by {element.objgen}"
                        )
                    if listed[kid.objgen] == 1:
                        walk(kid, page)

        top = pdf.Root.StructTreeRoot.K
        for element in top if isinstance(top, pikepdf.Array) else [top]:
            listed[element.objgen] += 1
            walk(element, 0)
        problems += [
            f"element {objgen} listed {count} times" for objgen, count in listed.items() if count > 1
        ]
        numbers = pdf.Root.StructTreeRoot.ParentTree.Nums
        for index in range(0, len(numbers), 2):
            key, owners = int(numbers[index]), numbers[index + 1]
            if isinstance(owners, pikepdf.Array):
                for mcid, owner in enumerate(owners):
                    if owner is not None and holders.get((key, mcid)) != owner.objgen:
                        problems.append(f"page {key + 1} id {mcid}: the parent tree names {owner.objgen}")
    device = _marked_text(path)
    problems += [
        f"page {page + 1} id {mcid}: not in the tree"
        for page, mcid in device.by_mcid
        if (page, mcid) not in holders
    ]
    return problems
