"""Joining the PDFs of a document's parts (versions rendered apart, as the sequential layout's workers
render them) reads as one render of the whole document: pages, text, structure, outline, links."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path
from typing import Any

import page
import pikepdf
import pypdf
import pytest
import weasyprint
from conftest import FONTS, SEED
from pdftools import assert_in_order, marked_texts, page_texts
from structure_text import tagged_text, tree_problems

from communique.compose import compose
from communique.engine.renderer import RenderSession, render
from communique.errors import FinishError
from communique.fonts import project_fonts
from communique.layouts import chosen_layout
from communique.loader import load
from communique.model import HTML_ELEMENT
from communique.options import BuildOptions
from communique.paper import page_css
from communique.pdf.join import join_parts
from communique.project import BuildContext, Project
from communique.standards import standard_css
from communique.typeset import typeset

STYLE = (
    f"@font-face {{ font-family: S; src: url({(FONTS / 'NotoSerif-Regular.ttf').as_uri()}) }}"
    "body { font-family: S } .version { break-before: page } .version:first-child { break-before: auto }"
    ".next { break-before: page }"
)
VERSIONS = (
    # lang, title, article, words, table header, pages
    ("en", "Agreement", "Article", "The parties agree", "Term", 2),
    ("fr", "Accord", "Article", "Les parties conviennent", "Durée", 2),
    ("de", "Abkommen", "Artikel", "Die Parteien vereinbaren", "Laufzeit", 3),
)
SECTION = re.compile(r'<section class="version".*?</section>\n?', re.S)


def _section(lang: str, title: str, article: str, words: str, header: str, pages: int) -> str:
    """One version: a title, an article with a link to the next article (on the next page), a list and a
    table, then one article a page."""
    link = f' <a href="#{lang}-2">{article} 2</a>' if pages > 1 else ""
    later = "".join(
        f'<h2 class="next" id="{lang}-{n}">{article} {n}</h2><p>{words} {n}.</p>' for n in range(2, pages + 1)
    )
    return (
        f'<section class="version" lang="{lang}" id="version-{lang}"><h1>{title}</h1><h2>{article} 1</h2>'
        f"<p>{words}{link}.</p><ul><li>{words} a</li><li>{words} b</li></ul>"
        f"<table><tr><th>{header}</th></tr><tr><td>{words} 5</td></tr></table>{later}</section>"
    )


def _kept(html: str, index: int) -> str:
    """`html` with only its `index`th version section, as a worker renders it."""
    sections = iter(range(len(SECTION.findall(html))))
    return SECTION.sub(lambda found: found.group(0) if next(sections) == index else "", html)


@dataclass(frozen=True)
class Joined:
    """A document rendered at once, and a version at a time with the parts joined."""

    whole: Path
    parts: tuple[bytes, ...]
    """Each version rendered alone."""
    joined: Path
    variant: str | None = None
    """The WeasyPrint pdf_variant rendered."""


def _joined(
    folder: Path, html: str, render_pdf: Callable[[str], bytes], variant: str | None = None
) -> Joined:
    """`html` rendered whole and a version at a time by `render_pdf`, and the parts joined."""
    whole = folder / "whole.pdf"
    whole.write_bytes(render_pdf(html))
    parts = tuple(render_pdf(_kept(html, index)) for index in range(len(SECTION.findall(html))))
    joined = folder / "joined.pdf"
    joined.write_bytes(join_parts(parts))
    return Joined(whole, parts, joined, variant)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Joined:
    """Three versions of 2, 2 and 3 pages, rendered by WeasyPrint as they are."""
    body = "".join(_section(*version) for version in VERSIONS)
    html = f'<html lang="en"><head><style>{STYLE}</style></head><body>\n{body}\n</body></html>'
    return _joined(
        tmp_path_factory.mktemp("join"),
        html,
        lambda text: weasyprint.HTML(string=text).write_pdf(pdf_tags=True),
    )


def test_pages_come_part_after_part_with_their_text(small: Joined) -> None:
    texts = page_texts(small.joined)
    assert texts == page_texts(small.whole) and len(texts) == 7
    starts = [text.split("\r\n")[0] for text in texts]
    assert starts == ["Agreement", "Article 2", "Accord", "Article 2", "Abkommen", "Artikel 2", "Artikel 3"]


def test_one_structure_tree_reads_the_parts_in_order(small: Joined) -> None:
    assert tree_problems(small.joined) == []
    read = tagged_text(small.joined)
    assert read.runs == tagged_text(small.whole).runs and read.untagged == ""
    assert_in_order(
        "".join(text for _, text in read.runs), ["Agreement", "Term", "Accord", "Durée", "Abkommen"]
    )
    with pikepdf.open(small.joined) as pdf:
        tree = pdf.Root.StructTreeRoot
        assert len(tree.K) == 1 and tree.K[0].S == "/Document"
        assert [str(kid.S) for kid in tree.K[0].K] == ["/Sect"] * 7  # a section's part a page, as WeasyPrint


def _parent_keys(path: Path) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    """Each page's /StructParents, each link's (page, /StructParent), the parent tree's keys."""
    with pikepdf.open(path) as pdf:
        pages = [int(page.obj.StructParents) for page in pdf.pages]
        links = [
            (index, int(annotation.StructParent))
            for index, page in enumerate(pdf.pages)
            for annotation in page.obj.get("/Annots", [])
        ]
        numbers = pdf.Root.StructTreeRoot.ParentTree.Nums
        return pages, links, [int(key) for key in numbers[::2]]


def test_the_parent_tree_is_numbered_as_one_render_numbers_it(small: Joined) -> None:
    pages, links, keys = _parent_keys(small.joined)
    assert (pages, links, keys) == _parent_keys(small.whole)
    assert pages == list(range(7)) and [key for _, key in links] == [7, 8, 9] and keys == list(range(10))


def _outline(path: Path) -> list[tuple[int, str, int | None]]:
    """(depth, title, page index) of every outline item, in order."""
    reader = pypdf.PdfReader(path)

    def items(level: list[Any], depth: int) -> list[tuple[int, str, int | None]]:
        found = []
        for item in level:
            if isinstance(item, list):
                found += items(item, depth + 1)
            else:
                found.append((depth, str(item.title), reader.get_destination_page_number(item)))
        return found

    return items(reader.outline, 0)


def test_the_outline_holds_every_part_with_its_pages(small: Joined) -> None:
    outline = _outline(small.joined)
    assert outline == _outline(small.whole)
    assert [(depth, title, page) for depth, title, page in outline if depth == 0] == [
        (0, "Agreement", 0),
        (0, "Accord", 2),
        (0, "Abkommen", 4),
    ]
    assert (1, "Artikel 3", 6) in outline


def _links(path: Path) -> list[tuple[int, str, int | None]]:
    """(page index, destination name, the page it lands on) of every internal link."""
    reader = pypdf.PdfReader(path)
    named = reader.named_destinations
    return [
        (index, str(annotation["/Dest"]), reader.get_destination_page_number(named[str(annotation["/Dest"])]))
        for index, page in enumerate(reader.pages)
        for annotation in (item.get_object() for item in page.get("/Annots", []))
        if "/Dest" in annotation
    ]


def test_links_land_on_their_target_pages(small: Joined) -> None:
    assert _links(small.joined) == _links(small.whole) == [(0, "en-2", 1), (2, "fr-2", 3), (4, "de-2", 5)]
    reader = pypdf.PdfReader(small.joined)
    named = reader.named_destinations
    landing = {name: reader.get_destination_page_number(destination) for name, destination in named.items()}
    assert landing == {
        "version-en": 0,
        "en-2": 1,
        "version-fr": 2,
        "fr-2": 3,
        "version-de": 4,
        "de-2": 5,
        "de-3": 6,
    }


def _cell_headers(path: Path) -> list[tuple[str, str]]:
    """(a table cell's text, the text of the header its /Headers names) for every cell, in file order."""
    texts = marked_texts(path)
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        elements = [item for item in pdf.objects if isinstance(item, pikepdf.Dictionary) and "/S" in item]
        identified = [element for element in elements if "/ID" in element]
        by_id = {bytes(element.ID): element for element in identified}
        assert len(by_id) == len(identified), "two structure elements share an ID"

        def text(element: Any) -> str:
            return "".join(
                texts.get((pages[element.Pg.objgen], int(kid)), "") if isinstance(kid, int) else text(kid)
                for kid in element.K
            )

        return [
            (text(cell).strip(), text(by_id[bytes(header)]).strip())
            for cell in elements
            if cell.S == "/TD"
            for header in cell.A.Headers
        ]


def _ids(part: bytes) -> set[bytes]:
    """The /IDs of a part's structure elements."""
    with pikepdf.open(BytesIO(part)) as pdf:
        return {
            bytes(item.ID) for item in pdf.objects if isinstance(item, pikepdf.Dictionary) and "/ID" in item
        }


def test_table_cells_keep_their_own_headers(small: Joined) -> None:
    assert _ids(small.parts[0]) & _ids(small.parts[1])  # WeasyPrint names headers by object number
    assert sorted(_cell_headers(small.joined)) == [
        ("Die Parteien vereinbaren 5", "Laufzeit"),
        ("Les parties conviennent 5", "Durée"),
        ("The parties agree 5", "Term"),
    ]


def test_the_same_parts_join_to_the_same_bytes(small: Joined) -> None:
    assert join_parts(small.parts) == small.joined.read_bytes()


def test_pikepdf_and_pypdf_read_the_joined_file_without_warnings(
    small: Joined, caplog: pytest.LogCaptureFixture
) -> None:
    with pikepdf.open(small.joined) as pdf:
        assert pdf.check_pdf_syntax() == [] and pdf.get_warnings() == []
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = pypdf.PdfReader(small.joined, strict=True)
        assert [page.extract_text() for page in reader.pages] and reader.outline and reader.named_destinations
        assert reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    assert caplog.records == []


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ((b"%PDF-1.7",), "join_parts needs two or more parts, not 1"),
        ((b"%PDF-1.7", b"no PDF"), "part 1 of 2 is not a readable PDF"),
    ],
)
def test_parts_that_are_not_pdfs_are_refused(parts: tuple[bytes, ...], message: str) -> None:
    with pytest.raises(FinishError, match=message):
        join_parts(parts)


def test_an_untagged_part_is_refused(small: Joined) -> None:
    untagged = weasyprint.HTML(string="<p>x</p>").write_pdf()
    with pytest.raises(FinishError, match="part 2 of 2 is not tagged: it has no structure tree"):
        join_parts((small.parts[0], untagged))


# -- a real document: the seed's versions rendered by communique's renderer (its hooks installed) --------


def _seed_renderer(archival: bool) -> tuple[str, Callable[[str], bytes]]:
    """The seed's sequential-layout HTML, and a function rendering HTML as the build renders the seed."""
    communique = load(SEED)
    project = Project.discover(SEED)
    context = BuildContext(project, BuildOptions(layout="sequential", archival=archival))
    roots = project.readable_roots(SEED)
    html = compose(typeset(communique), project, chosen_layout(context, communique), roots)
    fonts = project_fonts(project)
    rules = page_css(context.paper_for(communique.paper)) + standard_css(context.standard)
    session = RenderSession()

    def rendered(text: str) -> bytes:
        return render(
            replace(html, html=text),
            fonts.face_css(communique.languages),
            fonts.families,
            page_css=rules,
            pdf_variant=context.standard.engine_variant,
            session=session,
        ).data

    return html.html, rendered


@pytest.fixture(scope="module", params=["pdf/ua-1", "pdf/a-3a"])
def seed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Joined:
    """The seed's Japanese and English versions, rendered whole and apart, as a PDF/UA-1 (the default) or
    an archival PDF/A-3a copy."""
    html, rendered = _seed_renderer(archival=request.param == "pdf/a-3a")
    return _joined(tmp_path_factory.mktemp("seed"), html, rendered, request.param)


def _failures(data: bytes, profile: str) -> list[str]:
    """The rules page-validation finds broken, as verify runs it."""
    return [failure.rule_id for failure in page.validate_pdf_bytes(data, profile=profile).failures]


def _carriage_return_ends(data: bytes) -> bool:
    """Whether a Flate stream's data ends in CR (page-validation then counts its /Length a byte short; the
    finish stage mends such streams, pdf/finish.py _well_formed_streams)."""
    with pikepdf.open(BytesIO(data)) as pdf:
        return any(
            isinstance(item, pikepdf.Stream)
            and item.get("/Filter") == "/FlateDecode"
            and item.read_raw_bytes()[-1:] == b"\r"
            for item in pdf.objects
        )


def test_the_joined_seed_reads_and_validates_as_one_render(seed: Joined) -> None:
    joined = seed.joined.read_bytes()
    assert len(page_texts(seed.joined)) == len(page_texts(seed.whole)) == 2
    assert tagged_text(seed.joined).runs == tagged_text(seed.whole).runs
    assert _outline(seed.joined) == _outline(seed.whole)
    with pikepdf.open(seed.joined) as pdf:  # the page footers' elements, outside the tree, name one Document
        tops = [
            item.get("/S", item.get("/Type")) for item in pdf.objects if isinstance(item, pikepdf.Dictionary)
        ]
        assert tops.count("/Document") == tops.count("/StructTreeRoot") == 1
    if seed.variant == "pdf/ua-1":
        assert _failures(joined, "ua1") == _failures(seed.whole.read_bytes(), "ua1") == []
    else:  # WeasyPrint compresses the XMP packet (the finish stage writes it plain), QPDF writes it plain
        assert _failures(seed.whole.read_bytes(), "3a") == ["PDFA3A-METADATA-FILTER-001"]
        allowed = {"PDFA3A-STREAM-LENGTH-001"} if _carriage_return_ends(joined) else set()
        assert set(_failures(joined, "3a")) <= allowed


def test_elements_of_different_parts_keep_different_identities(seed: Joined) -> None:
    """The tags hook names an element's HTML element by its memory address in the worker: two workers may
    give two elements the same one (the 54-page treaty's halves do), and the finish stage would then join
    them as parts of one element. A part joined to itself repeats every one."""
    japanese = seed.parts[0]
    with pikepdf.open(BytesIO(join_parts((japanese, japanese)))) as pdf:
        half = len(pdf.pages) // 2
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        copies: dict[str, set[bool]] = {}
        for item in pdf.objects:
            if isinstance(item, pikepdf.Dictionary) and HTML_ELEMENT in item and "/Pg" in item:
                copies.setdefault(str(item[HTML_ELEMENT]), set()).add(pages[item.Pg.objgen] >= half)
    assert len(copies) > 20 and all(len(sides) == 1 for sides in copies.values())


def _with_role_map(part: bytes, roles: dict[str, str]) -> bytes:
    """`part` with a /RoleMap of `roles`, and an /IDTree naming its table headers (as other producers
    write them; WeasyPrint 70 writes neither)."""
    with pikepdf.open(BytesIO(part)) as pdf:
        tree = pdf.Root.StructTreeRoot
        tree.RoleMap = pikepdf.Dictionary({role: pikepdf.Name(standard) for role, standard in roles.items()})
        headers = [item for item in pdf.objects if isinstance(item, pikepdf.Dictionary) and "/ID" in item]
        tree.IDTree = pikepdf.Dictionary(Names=[item for header in headers for item in (header.ID, header)])
        written = BytesIO()
        pdf.save(written)
        return written.getvalue()


def test_role_maps_and_id_trees_of_every_part_are_kept(small: Joined) -> None:
    parts = (
        _with_role_map(small.parts[0], {"/Clause": "/P"}),
        _with_role_map(small.parts[1], {"/Item": "/LI"}),
    )
    with pikepdf.open(BytesIO(join_parts(parts))) as pdf:
        tree = pdf.Root.StructTreeRoot
        assert dict(tree.RoleMap.items()) == {"/Clause": "/P", "/Item": "/LI"}
        names = tree.IDTree.Names
        found = {bytes(key): element for key, element in zip(names[::2], names[1::2], strict=True)}
        assert len(found) == 2 and all(bytes(element.ID) == key for key, element in found.items())
    conflicting = _with_role_map(small.parts[1], {"/Clause": "/Div"})
    with pytest.raises(FinishError, match="part 2's /RoleMap maps /Clause otherwise than an earlier part"):
        join_parts((parts[0], conflicting))
