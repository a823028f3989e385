"""Accessible and standard copies: every copy tagged and read in each layout's order, per-version languages,
margins as artifacts, `--standard` for each flavour (checked by every validator verify has), PDF/X-4 for
print shops, text alternatives from the data, and project fonts never carried whole unless free."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from conftest import LAYOUT_NAMES, ROOT, SEED, run_cli, seed_text, write_data
from PIL import Image
from structure_text import tagged_text, tree_problems
from test_layouts import with_images
from test_project import office_font_project

from communique.loader import load
from communique.model import BuildResult
from communique.pdf.verify import format_report, verify
from communique.project import CONFIG_NAME
from communique.typeset import typeset

PARTS = {"a": "PDF/A-", "ua": "PDF/UA-", "x": "PDF/X-"}


def declared(standard: str) -> set[str]:
    """'pdf/a-3a+ua-1' -> {'PDF/A-3A', 'PDF/UA-1'}: what verify reads back from the XMP."""
    names = set()
    for part in standard.removeprefix("pdf/").split("+"):
        kind, level = part.split("-")
        names.add(PARTS[kind] + level.upper())
    return names


def flat(text: str) -> str:
    """Text without whitespace and hyphens, for comparing what a reader hears with the data."""
    return re.sub(r"[\s\u00ad\u2010-]+", "", text)


@pytest.fixture(scope="module")
def print_copies(build_seed: Callable[..., BuildResult]) -> dict[str, Path]:
    """The seed's print copy in each layout, built once."""
    return {layout: build_seed(layout=layout, strict=True).output for layout in LAYOUT_NAMES}


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_a_print_copy_is_tagged_and_declares_pdf_ua(print_copies: dict[str, Path], layout: str) -> None:
    report = verify(print_copies[layout])
    assert report.passed and report.standards == ("PDF/UA-1",), format_report(report)
    assert any(result.validator.endswith("(PDF/UA-1)") for result in report.results)
    with pikepdf.open(print_copies[layout]) as pdf:
        assert pdf.Root.MarkInfo.Marked is True and "/StructTreeRoot" in pdf.Root
        assert pdf.open_metadata().get("pdfuaid:part") == "1"


def versions_as_read(path: Path) -> list[tuple[str, str]]:
    return [(lang.split("-")[0], flat(text)) for lang, text in tagged_text(path).by_language()]


def seed_paragraphs() -> dict[str, list[str]]:
    document = typeset(load(SEED))
    return {
        version.lang: [flat(block.text.text) for block in version.blocks if hasattr(block, "text")]
        for version in document.versions
    }


@pytest.mark.parametrize("layout", ["parallel", "sequential"])
def test_each_version_is_read_whole_before_the_next(print_copies: dict[str, Path], layout: str) -> None:
    """Parallel puts a row of languages side by side; a reader still hears all of the Japanese version,
    then all of the English, each in its own language (not row by row across languages)."""
    read = versions_as_read(print_copies[layout])
    assert [lang for lang, _ in read] == ["ja", "en"], [(lang, text[:30]) for lang, text in read]
    for (lang, text), paragraphs in zip(read, seed_paragraphs().values(), strict=True):
        position = 0
        for paragraph in paragraphs:
            found = text.find(paragraph, position)
            assert found >= 0, f"{lang}: missing or out of order: {paragraph[:30]}"
            position = found + len(paragraph)


def test_interleaved_is_read_block_by_block_each_in_its_language(print_copies: dict[str, Path]) -> None:
    read = versions_as_read(print_copies["interleaved"])
    paragraphs = seed_paragraphs()
    expected = [
        (lang, text)
        for pair in zip(paragraphs["ja"], paragraphs["en"], strict=True)
        for lang, text in zip(("ja", "en"), pair, strict=True)
    ]
    spoken = [(lang, text) for lang, text in read if any(text.find(p) >= 0 for _, p in expected)]
    order = [
        next(i for i, (lang, p) in enumerate(expected) if lang == spoken_lang and p in text)
        for spoken_lang, text in spoken
    ]
    assert order == list(range(len(expected))), spoken


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_page_numbers_are_artifacts_not_content(print_copies: dict[str, Path], layout: str) -> None:
    text = tagged_text(print_copies[layout])
    assert flat(text.artifacts).startswith("1/2") and "2/2" in flat(text.artifacts)
    assert text.untagged == ""  # nothing drawn with a structure element outside the tree
    assert "1/2" not in flat("".join(part for _, part in text.runs))


STANDARDS = [
    "pdf/ua-1",
    "pdf/a-2a+ua-1",
    "pdf/a-2b",
    "pdf/a-2u",
    "pdf/a-3a",
    "pdf/a-3b",
    "pdf/a-3u+ua-1",
    "pdf/x-4",
    "pdf/x-4+ua-1",
]


@pytest.mark.parametrize("standard", STANDARDS)
def test_each_standard_is_declared_and_passes_every_validator_of_it(
    build_seed: Callable[..., BuildResult], standard: str
) -> None:
    pdf = build_seed(layout="parallel", standard=standard, strict=True).output
    report = verify(pdf)
    assert set(report.standards) == declared(standard)
    assert report.passed, format_report(report)
    checked = " ".join(result.validator for result in report.results)
    if "ua-1" in standard:
        assert "(PDF/UA-1)" in checked
    if "x-4" in standard:
        assert "communique PDF/X-4 checks" in checked
    if "/a-" in standard:
        assert "pikepdf.pdfa" in checked and f"(PDF/A-{standard[6:8]})" in checked


def test_the_archival_default_declares_pdf_a_3a_and_pdf_ua_with_its_extension_schema(
    build_seed: Callable[..., BuildResult],
) -> None:
    pdf = build_seed(archival=True, strict=True).output
    report = verify(pdf)
    assert report.passed and report.standards == ("PDF/A-3A", "PDF/UA-1"), format_report(report)
    with pikepdf.open(pdf) as opened:
        packet = opened.Root.Metadata.read_bytes().decode()
    assert "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>" in packet


def test_pdf_a_4f_is_written_and_verify_says_no_validator_here_checks_it(
    build_seed: Callable[..., BuildResult],
) -> None:
    pdf = build_seed(archival=True, standard="pdf/a-4f").output
    with pikepdf.open(pdf) as opened:
        assert opened.pdf_version == "2.0" and opened.open_metadata().get("pdfaid:rev") == "2020"
        assert "/AF" in opened.Root  # PDF/A-4f carries the sources
    report = verify(pdf)
    assert not report.passed
    assert any(f.rule == "communique:unchecked" for result in report.results for f in result.findings)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--standard", "pdf/a-2b", "--archival"], "carries its source data, which pdf/a-2b cannot hold"),
        (["--standard", "pdf/ua-1", "--archival"], "which pdf/ua-1 cannot hold"),
        (["--standard", "pdf/a-3a+x-4"], "PDF/X-4 copy (the press's CMYK output intent) and the PDF/A copy"),
        (["--standard", "pdf/a-4f"], "only archival copies (--archival, or archival = true) carry"),
        (["--standard", "pdf/x-4", "--signature-fields"], "a PDF/X-4 copy may hold no form fields"),
        (["--standard", "pdf/a-4f+ua-1"], "PDF/A-4 is PDF 2.0, and PDF/UA-1"),
        (["--standard", "pdf/a-2b+a-3b"], "names 2 PDF/A levels"),
        (["--standard", "pdf/a-5"], "unknown standard 'pdf/a-5'"),
    ],
)
def test_a_standard_a_copy_cannot_hold_is_a_usage_error(
    tmp_path: Path, flags: list[str], message: str
) -> None:
    result = run_cli("build", str(SEED), "--out", str(tmp_path), *flags)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not list(tmp_path.glob("*.pdf"))


def test_the_standard_comes_from_the_project_and_from_python(tmp_path: Path) -> None:
    import communique

    (tmp_path / "communique.toml").write_text('[build]\nstandard = "pdf/a-2u"\n')
    data = write_data(tmp_path, seed_text())
    result = run_cli("build", str(data), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert verify(tmp_path / "out" / "doc.pdf").standards == ("PDF/A-2U",)
    built = communique.build(data, out=tmp_path / "api", standard="pdf/x-4")
    assert verify(built.output).standards == ("PDF/X-4",)
    upper = run_cli(
        "build", str(data), "--out", str(tmp_path / "x"), "--standard", "PDF/A-3A+UA-1", cwd=tmp_path
    )
    assert upper.returncode == 0, upper.stderr  # any case on the command line


def test_a_print_shop_copy_has_the_press_output_intent_and_trim_and_bleed(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    pdf = build_seed(standard="pdf/x-4", print_marks=True, strict=True).output
    assert verify(pdf).passed
    with pikepdf.open(pdf) as opened:
        assert opened.pdf_version == "1.6"
        (intent,) = opened.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and str(intent.OutputConditionIdentifier) == "FOGRA39"
        profile = intent.DestOutputProfile.read_bytes()
        assert profile[12:20] == b"prtrCMYK" and int(intent.DestOutputProfile.N) == 4
        assert (
            str(opened.docinfo.Trapped) == "/False" and opened.open_metadata().get("pdf:Trapped") == "False"
        )
        for page in opened.pages:
            trim, bleed = [float(v) for v in page.TrimBox], [float(v) for v in page.BleedBox]
            assert bleed[0] == pytest.approx(trim[0] - 8.5, abs=0.1)  # 3 mm of bleed
            assert "/DefaultRGB" in page.Resources.ColorSpace
        del opened.pages[0].Resources.ColorSpace["/DefaultRGB"]  # and a red mark drawn in RGB
        opened.pages[0].contents_add(pikepdf.Stream(opened, b"1 0 0 rg 0 0 10 10 re f"))
        opened.save(tmp_path / "no-default-rgb.pdf")
    broken = verify(tmp_path / "no-default-rgb.pdf")
    assert not broken.passed
    assert any(f.rule == "pdfx:colour" for result in broken.results for f in result.findings)
    with pikepdf.open(pdf) as opened:  # a link over the page: not what a press copy may hold
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[100, 100, 200, 120]
        )
        opened.pages[0].Annots = opened.make_indirect(pikepdf.Array([opened.make_indirect(link)]))
        opened.save(tmp_path / "annotated.pdf")
    annotated = verify(tmp_path / "annotated.pdf")
    assert any(f.rule == "pdfx:annotations" for result in annotated.results for f in result.findings)


def test_images_need_text_alternatives_per_language_in_accessible_copies(tmp_path: Path) -> None:
    Image.new("RGB", (400, 120), "white").save(tmp_path / "koike.png")
    (tmp_path / "seal.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>'
    )
    data = with_images(tmp_path, "koike.png", "seal.svg")
    lines = data.read_text(encoding="utf-8").splitlines()
    result = run_cli("build", str(data), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and not (tmp_path / "out" / "doc.pdf").exists()
    seal_line = lines.index("    seal: seal.svg") + 1
    signature_line = lines.index("        signature: koike.png") + 1
    missing = "seal image 'seal.svg' has no text alternative in ja, en, which pdf/ua-1 needs"
    assert f"{data}:{seal_line}:11: {missing}" in result.stderr
    assert f"{data}:{signature_line}:20: signature image 'koike.png' has no text alternative" in result.stderr
    assert "seal_alt: {ja: ..., en: ...}" in result.stderr
    checked = run_cli("validate", str(data))  # as the default (PDF/UA-1) build would say
    assert checked.returncode == 2 and f"{data}:{seal_line}:11: {missing}" in checked.stderr
    images = run_cli("build", str(data), "--out", str(tmp_path / "png"), "--format", "png", "--pages", "1")
    assert images.returncode == 0, images.stderr  # page images for review carry no alternatives
    # a copy that declares neither PDF/UA nor PDF/A level a builds, the block's lines standing in
    plain = run_cli("build", str(data), "--out", str(tmp_path / "x4"), "--standard", "pdf/x-4")
    assert plain.returncode == 0, plain.stderr

    labelled = with_images(tmp_path, "koike.png", "seal.svg", alt=True)
    for layout in LAYOUT_NAMES:
        out = tmp_path / layout
        built = run_cli(
            "build", str(labelled), "--out", str(out), "--layout", layout, "--archival", "--strict"
        )
        assert built.returncode == 0, built.stderr
        figures = {}
        with pikepdf.open(out / "doc.pdf") as pdf:
            for element in pdf.objects:
                if isinstance(element, pikepdf.Dictionary) and element.get("/S") == "/Figure":
                    figures[str(element.Alt)] = str(element.get("/Lang", ""))
        assert figures["東京都の印"] == "ja" and figures["小池百合子の署名"] == "ja", figures
        if layout != "interleaved":  # there one block shows both languages; its images speak the first
            assert figures["Seal of the Tokyo Metropolitan Government"] == "en-US", figures
        assert verify(out / "doc.pdf").passed


def test_the_readme_layout_and_the_init_letterhead_pass_archival_strict(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```jinja\n(\{% extends \"builtin/sequential.*?)```", readme, re.S)
    assert example is not None
    project = tmp_path / "office"
    assert run_cli("init", str(project)).returncode == 0
    (project / "layouts" / "readme").mkdir()
    (project / "layouts" / "readme" / "document.html.j2").write_text(example.group(1))
    for layout in ("readme", "letterhead"):
        result = run_cli(
            "build",
            "data/example.yaml",
            "--layout",
            layout,
            "--archival",
            "--strict",
            "--out",
            f"out-{layout}",
            cwd=project,
        )
        assert result.returncode == 0, result.stderr
        pdf_path = project / f"out-{layout}" / "example.pdf"
        assert verify(pdf_path).passed
        with pikepdf.open(pdf_path) as pdf:
            languages = {
                str(element.get("/Lang", "")): str(element.get("/Alt", ""))
                for element in pdf.objects
                if isinstance(element, pikepdf.Dictionary) and element.get("/S") == "/Figure"
            }
        assert all(alt for alt in languages.values()) and "Emblem" not in languages.values()
    publisher = [
        (lang, text)
        for lang, text in tagged_text(project / "out-letterhead" / "example.pdf").by_language()
        if "Office of International Affairs" in text
    ]
    assert publisher and all(lang == "en" for lang, _ in publisher)


def test_project_fonts_are_named_not_carried_unless_redistributable(tmp_path: Path) -> None:
    data = office_font_project(tmp_path, declared=True)
    config = (tmp_path / CONFIG_NAME).read_text()
    built = run_cli("build", str(data), "--archival", "--strict", "--out", str(tmp_path / "a"), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    listing = json.loads(run_cli("inspect", str(tmp_path / "a" / "doc.pdf"), "--json").stdout)
    assert [item["name"] for item in listing["attachments"]] == ["doc.yaml", CONFIG_NAME]
    rebuilt = run_cli("verify", "--rebuild", str(tmp_path / "a" / "doc.pdf"))
    assert rebuilt.returncode == 1
    digest = hashlib.sha256((tmp_path / "fonts" / "OfficeSerif-Regular.ttf").read_bytes()).hexdigest()
    assert f"it names the project fonts fonts/OfficeSerif-Regular.ttf sha256:{digest}" in rebuilt.stdout
    with pikepdf.open(tmp_path / "a" / "doc.pdf") as pdf:  # drawn from a subset, as every font is
        names = {str(font.BaseFont) for page in pdf.pages for font in page.Resources.Font.values()}
    assert any(re.fullmatch(r"/[A-Z]{6}\+Office-?Serif.*", name) for name in names), names

    (tmp_path / CONFIG_NAME).write_text(
        config.replace('languages = ["en"]\n', 'languages = ["en"]\nredistributable = true\n')
    )
    again = run_cli("build", str(data), "--archival", "--strict", "--out", str(tmp_path / "b"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    listing = json.loads(run_cli("inspect", str(tmp_path / "b" / "doc.pdf"), "--json").stdout)
    assert "fonts/OfficeSerif-Regular.ttf" in [item["name"] for item in listing["attachments"]]
    assert run_cli("verify", "--rebuild", str(tmp_path / "b" / "doc.pdf")).returncode == 0


def structure(path: Path) -> list[tuple[str, list[str], str]]:
    """Every structure element in tree order: its type, its kids' types, its list numbering."""
    found: list[tuple[str, list[str], str]] = []
    with pikepdf.open(path) as pdf:

        def walk(item: pikepdf.Object) -> None:
            if not isinstance(item, pikepdf.Dictionary) or "/S" not in item:
                return
            kids = item.get("/K")
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
            types = [str(kid.S) for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]
            numbering = str(item.A.get("/ListNumbering", "")) if "/A" in item else ""
            found.append((str(item.S), types, numbering))
            for kid in kids:
                walk(kid)

        top = pdf.Root.StructTreeRoot.K
        for element in top if isinstance(top, pikepdf.Array) else [top]:
            walk(element)
    return found


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_titles_articles_lists_have_their_structure_types(
    build_seed: Callable[..., BuildResult], layout: str
) -> None:
    pdf = build_seed(ROOT / "seeds" / "declaration-and-mou.yaml", layout=layout, strict=True).output
    elements = structure(pdf)
    kinds = [kind for kind, _, _ in elements]
    assert kinds.count("/H1") == 4  # two instruments' titles in two languages
    headed = build_seed(ROOT / "seeds" / "joint-statement-unsigned.yaml", layout=layout, strict=True).output
    assert "/H2" in [kind for kind, _, _ in structure(headed)]  # its headings
    lists = [(kids, numbering) for kind, kids, numbering in elements if kind == "/L"]
    items = [kids for kind, kids, _ in elements if kind == "/LI"]
    # one list of five items (ア イ ウ / (a) (b) (c)) per language; interleaved: one list, each item in both
    assert [len(kids) for kids, _ in lists] == ([5] if layout == "interleaved" else [5, 5])
    numberings = ["/None"] if layout == "interleaved" else ["/None", "/LowerAlpha"]  # katakana: none
    assert [numbering for _, numbering in lists] == numberings
    assert all(kids == ["/Lbl", "/LBody"] for kids in items), items
    assert verify(pdf).passed and not tree_problems(pdf)


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_the_structure_tree_is_whole_in_every_layout(print_copies: dict[str, Path], layout: str) -> None:
    """Every element's /P is a reference to the element that lists it, none is listed twice, every id of
    marked content is in the tree (or an artifact), the parent tree names each id's holder."""
    assert tree_problems(print_copies[layout]) == []


def test_a_project_table_read_by_column_inside_a_wrapper_is_read_once(tmp_path: Path) -> None:
    """A project layout's own table in a wrapping element, over several pages: each column is read once,
    whole, and nothing twice (WeasyPrint makes one wrapper element per page)."""
    layout = tmp_path / "layouts" / "wrapped"
    layout.mkdir(parents=True)
    (layout / "document.html.j2").write_text(
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>t</title></head><body>'
        '<div class="wrap"><table data-read-by-column id="t">'
        "{% for row in document.instruments[0].block_rows() %}<tr>"
        '{% for version, block in row %}<td lang="{{ version.tag }}">'
        "<p>{{ block.paragraphs[0].text }}</p></td>"
        "{% endfor %}</tr>{% endfor %}</table></div></body></html>"
    )
    (tmp_path / CONFIG_NAME).write_text("")
    text = seed_text()
    body = text[text.index("body:\n") + len("body:\n") : text.index("signature_order:")]
    longer = text.replace("body:\n", "body:\n" + body * 6, 1).replace("layout: sequential", "layout: wrapped")
    data = write_data(tmp_path, longer)
    result = run_cli("build", str(data), "--out", str(tmp_path / "out"), "--strict", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "out" / "doc.pdf"
    assert len(pikepdf.open(pdf).pages) >= 3
    assert tree_problems(pdf) == []
    read = versions_as_read(pdf)
    assert [lang for lang, _ in read] == ["ja", "en"]
    order = tagged_text(pdf).order
    assert len(order) == len(set(order))  # no text read twice


def test_an_alternative_without_its_image_is_a_located_error(tmp_path: Path) -> None:
    text = seed_text().replace("  - key: tokyo\n", "  - key: tokyo\n    seal_alt: {ja: 印, en: Seal}\n", 1)
    data = write_data(tmp_path, text)
    line = text.splitlines().index("    seal_alt: {ja: 印, en: Seal}") + 1
    result = run_cli("validate", str(data))
    assert result.returncode == 2
    assert f"{data}:{line}:5: seal_alt describes a seal image, but there is no 'seal'" in result.stderr


def test_the_standard_in_communique_toml_takes_any_case_and_errors_are_located(tmp_path: Path) -> None:
    data = write_data(tmp_path, seed_text())
    (tmp_path / CONFIG_NAME).write_text('[build]\nstandard = "PDF/A-2B"\n')
    result = run_cli("build", str(data), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert verify(tmp_path / "out" / "doc.pdf").standards == ("PDF/A-2B",)
    (tmp_path / CONFIG_NAME).write_text('[build]\nstandard = "pdf/a-9z"\n')
    wrong = run_cli("build", str(data), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert wrong.returncode == 2
    assert f"{tmp_path / CONFIG_NAME}:2:1: unknown standard 'pdf/a-9z'" in wrong.stderr


def test_extract_says_which_project_fonts_the_rebuild_needs(tmp_path: Path) -> None:
    data = office_font_project(tmp_path, declared=True)
    built = run_cli("build", str(data), "--archival", "--out", str(tmp_path / "a"), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    result = run_cli("extract", str(tmp_path / "a" / "doc.pdf"), "--out", str(tmp_path / "x"))
    assert result.returncode == 0 and "rebuild with:" in result.stdout
    assert "names project fonts it does not carry (their licence): fonts/OfficeSerif-Regular.ttf sha256:" in (
        result.stderr
    )


def test_an_archival_copy_with_images_rebuilds_byte_for_byte_elsewhere(tmp_path: Path) -> None:
    """Images are named after their bytes, not their folder (WeasyPrint uses an MD5 of the path): the
    copy rebuilt from its extracted sources in another folder is the same file."""
    (tmp_path / "sig").mkdir()
    Image.new("RGB", (400, 120), "white").save(tmp_path / "sig" / "koike.png")
    (tmp_path / "seal.png").write_bytes((tmp_path / "sig" / "koike.png").read_bytes())
    data = with_images(tmp_path, "sig/koike.png", "seal.png", alt=True)
    built = run_cli("build", str(data), "--archival", "--strict", "--out", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    rebuilt = run_cli("verify", "--rebuild", str(tmp_path / "out" / "doc.pdf"))
    assert rebuilt.returncode == 0, rebuilt.stdout
    with pikepdf.open(tmp_path / "out" / "doc.pdf") as pdf:  # one image for two files of the same bytes
        images = {name for page in pdf.pages for name in page.Resources.get("/XObject", pikepdf.Dictionary())}
    assert len([name for name in images if name.startswith("/i")]) == 1, images


def test_an_image_name_that_cannot_be_set_warns(
    tmp_path: Path, build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    from communique.engine import image_names
    from communique.errors import RenderError

    def broken(*_args: object) -> None:
        raise AttributeError("'RasterImage' object has no attribute 'renamed'")

    Image.new("RGB", (400, 120), "white").save(tmp_path / "koike.png")
    data = with_images(tmp_path, "koike.png", alt=True)
    monkeypatch.setattr(image_names, "_name", broken)
    assert any(warning.startswith("image names: ") for warning in build_seed(data).warnings)
    with pytest.raises(RenderError, match="image names: "):
        build_seed(data, strict=True)


def test_parts_on_one_page_keep_their_order_and_repeated_headers_stay_apart(tmp_path: Path) -> None:
    """Only an element continued on a later page is joined: ::before/::after and the anonymous boxes of
    mixed content are read where they stand, and a table header repeated on each page is not one header
    read three times."""
    layout = tmp_path / "layouts" / "mixed"
    layout.mkdir(parents=True)
    (layout / "document.html.j2").write_text(
        '{% extends "builtin/sequential/document.html.j2" %}\n'
        '{% block letterhead %}<div class="mix">Alpha<p>Beta</p>Gamma</div>{% endblock %}\n'
    )
    (layout / "style.css").write_text(
        'p.closing::before { content: "OPEN-" } p.closing::after { content: "-SHUT" }\n'
    )
    (tmp_path / CONFIG_NAME).write_text("")
    text = seed_text().replace("layout: sequential", "layout: mixed") + "closing: {ja: 締結, en: Signed}\n"
    data = write_data(tmp_path, text)
    result = run_cli("build", str(data), "--out", str(tmp_path / "out"), "--strict", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    read = "".join(text for _, text in tagged_text(tmp_path / "out" / "doc.pdf").by_language())
    assert "AlphaBetaGamma" in flat(read)
    assert "OPEN締結SHUT" in flat(read) and "OPENSignedSHUT" in flat(read)
    assert tree_problems(tmp_path / "out" / "doc.pdf") == []


def test_a_press_copy_sets_greys_in_black_ink_and_refuses_links(tmp_path: Path) -> None:
    import re as regex

    result = run_cli(
        "build",
        str(ROOT / "seeds" / "translation-pending.yaml"),
        "--standard",
        "pdf/x-4",
        "--out",
        str(tmp_path / "x"),
        "--strict",
    )
    assert result.returncode == 0, result.stderr
    with pikepdf.open(tmp_path / "x" / "translation-pending.pdf") as pdf:
        content = b"".join(page.Contents.read_bytes() for page in pdf.pages)
    assert not regex.search(rb"(?<!\S)(\d*\.?\d+) \1 \1 (rg|RG)(?!\S)", content)  # no grey in four inks
    assert b"0 0 0 0.866667 k" in content  # the page numbers' #222, in black ink

    layout = tmp_path / "layouts" / "linked"
    layout.mkdir(parents=True)
    (layout / "document.html.j2").write_text(
        '{% extends "builtin/sequential/document.html.j2" %}\n'
        '{% block letterhead %}<p><a href="https://example.org/">example.org</a></p>{% endblock %}\n'
    )
    (tmp_path / CONFIG_NAME).write_text("")
    data = write_data(tmp_path, seed_text().replace("layout: sequential", "layout: linked"))
    plain = run_cli("build", str(data), "--standard", "pdf/x-4", "--out", str(tmp_path / "l"), cwd=tmp_path)
    assert plain.returncode == 0 and "PDF/X-4: page 1 has /Link annotations" in plain.stderr
    strict = run_cli(
        "build", str(data), "--standard", "pdf/x-4", "--strict", "--out", str(tmp_path / "s"), cwd=tmp_path
    )
    assert strict.returncode == 1 and not (tmp_path / "s" / "doc.pdf").exists()


def test_an_inline_image_in_a_layout_builds_strict(tmp_path: Path) -> None:
    """A `data:` image is named by its content already: nothing to warn about."""
    import base64
    import io

    png = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(png, "PNG")
    source = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    layout = tmp_path / "layouts" / "inline"
    layout.mkdir(parents=True)
    (layout / "document.html.j2").write_text(
        '{% extends "builtin/sequential/document.html.j2" %}\n'
        f'{{% block letterhead %}}<img src="{source}" alt="{{{{ version.authors[0] }}}}">{{% endblock %}}\n'
    )
    (tmp_path / CONFIG_NAME).write_text("")
    data = write_data(tmp_path, seed_text().replace("layout: sequential", "layout: inline"))
    result = run_cli("build", str(data), "--out", str(tmp_path / "out"), "--strict", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_lettered_lists_number_as_letters_but_japanese_kana(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    text = (ROOT / "seeds" / "declaration-and-mou.yaml").read_text(encoding="utf-8")
    data = write_data(tmp_path, text.replace("- list: alpha", "- list: letter"))  # a. b. c. in both
    numberings = [numbering for kind, _, numbering in structure(build_seed(data).output) if kind == "/L"]
    assert numberings == ["/LowerAlpha", "/LowerAlpha"]


def test_a_standard_from_the_config_that_a_copy_cannot_hold_is_located(tmp_path: Path) -> None:
    data = write_data(tmp_path, seed_text())
    (tmp_path / CONFIG_NAME).write_text('[build]\nstandard = " pdf/a-4f "\n')
    result = run_cli("build", str(data), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / CONFIG_NAME}:2:1: PDF/A-4f is the PDF/A-4 level" in result.stderr
    assert "(--archival, or archival = true)" in result.stderr
