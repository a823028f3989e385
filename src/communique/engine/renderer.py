"""HTML -> PDF with WeasyPrint: a fetcher that reads only allowed folders, warnings captured as values."""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from communique.beside import forking_available
from communique.engine import (
    clusters,
    hooks,
    hyphenation,
    image_names,
    interpuncts,
    justify,
    linebreak,
    names,
    pages,
    parts,
    tags,
    titles,
    undone,
)
from communique.engine.libraries import ldconfig_library_lookup
from communique.engine.lines import text_lines
from communique.engine.overflow import overflowing_text
from communique.engine.pagecheck import page_faults
from communique.engine.places import signature_spaces
from communique.errors import TEMPORARY_SPACE_HINT, FinishError, RenderError
from communique.model import HtmlDocument, RenderedPdf, SignatureSpace, TextLine

with warnings.catch_warnings(), ldconfig_library_lookup():
    # WeasyPrint warns at import when HarfBuzz-subset is missing; render() reports that itself.
    warnings.simplefilter("ignore", DeprecationWarning)
    import weasyprint
    from weasyprint.text import ffi as weasyprint_ffi
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

SLOW_SUBSET_WARNING = (
    "HarfBuzz-subset (Debian package libharfbuzz-subset0) is missing: WeasyPrint falls back to "
    "fontTools subsetting, about 50x slower with CJK fonts. Install it: apt-get install libharfbuzz-subset0"
)
# WeasyPrint messages that mean text would be drawn with the wrong font, or a resource was lost.
_FATAL_WARNING = re.compile(r"font|glyph|fetch|load|url", re.IGNORECASE)


class RefusedURLError(FatalURLFetchingError):  # type: ignore[misc]
    """A layout or data file asked for a resource outside the allowed folders."""


REFERRING_SUFFIXES = frozenset({".j2", ".html", ".css", ".svg"})
"""Files that may ask for another: templates, stylesheets, SVG images (never fonts or raster images)."""
MAX_REFERRING_BYTES = 1024 * 1024
"""A larger file is not searched for the line that asked for a refused request."""


def referenced_at(url: str, files: tuple[Path, ...]) -> str:
    """' (asked for at FILE:LINE)' for the first line of the templates, stylesheets and SVG images among
    `files` that names `url` (a relative reference by its last part: the line holds what was written,
    not the URL it resolved to), or ''."""
    parts = urlsplit(url)
    needle = url if parts.scheme.lower() != "file" else unquote(parts.path).rsplit("/", 1)[-1]
    if len(needle) < 3:
        return ""
    for file in dict.fromkeys(files):
        if file.suffix.lower() not in REFERRING_SUFFIXES:
            continue
        try:
            if file.stat().st_size > MAX_REFERRING_BYTES:
                continue
            lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, start=1):
            if needle in line:
                return f" (asked for at {file}:{number})"
    return ""


class RestrictedFetcher(URLFetcher):  # type: ignore[misc]
    """Serves `file:` URLs under the allowed folders (and inline `data:` URLs); refuses everything else."""

    def __init__(self, roots: tuple[Path, ...], sources: tuple[Path, ...] = ()):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self.roots = tuple(root.resolve() for root in roots)
        self.sources = sources
        """The layout's templates and stylesheets: where a refused request is looked for, to name it."""
        self.read: list[Path] = []
        """Every file served, in order: the build's inputs besides data and templates."""
        self.refused: list[str] = []
        """Every request refused, even those WeasyPrint caught and turned into a warning (with the line
        that asked for it, where one file's line does)."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            return self._fetch(url, headers)
        except RefusedURLError as error:
            # WeasyPrint may catch it and only warn: render() fails later
            self.refused.append(f"{error}{referenced_at(url, (*self.sources, *self.read))}")
            raise

    def _fetch(self, url: str, headers: Any) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURLError(f"refused to fetch {url}: network and other non-file URLs are not allowed")
        path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            allowed = ", ".join(str(root) for root in self.roots)
            raise RefusedURLError(f"refused to read {path}: only files under {allowed} may be used")
        if not path.is_file():
            raise RefusedURLError(f"{path} does not exist")
        data = path.read_bytes()
        self.read.append(path)
        return URLFetcherResponse(path.as_uri(), data)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured_warnings() -> Iterator[_Collector]:
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    propagate = logger.propagate
    logger.addHandler(collector)
    logger.propagate = False
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.propagate = propagate


@contextmanager
def _file_errors_reported(stylesheet: str | None) -> Iterator[None]:
    """Report an OSError while WeasyPrint parses a stylesheet as a RenderError: it opens the `stylesheet`
    file itself, and copies each @font-face font (read through the fetcher) into a temporary folder."""
    try:
        yield
    except OSError as error:
        if stylesheet is not None and error.filename == stylesheet:
            raise RenderError(
                f"cannot read {stylesheet}: {error.strerror}", hint="check the layout's stylesheets"
            ) from error
        raise RenderError(
            f"cannot write temporary copies of the fonts in {tempfile.gettempdir()}: {error.strerror}",
            hint=TEMPORARY_SPACE_HINT,
        ) from error


def fast_subsetting_available() -> bool:
    """Whether WeasyPrint will subset fonts with HarfBuzz (fast) rather than fontTools (slow)."""
    return weasyprint_ffi.harfbuzz_subset is not None


FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2"})


_Parsed = tuple[Any, tuple[str, ...], tuple[Path, ...], dict[str, Any]]
"""A parsed stylesheet, the warnings its parsing gave, the files it read, the colour profiles it defines."""


class RenderSession:
    """What one process can reuse from render to render: WeasyPrint's font configuration (the bundled
    @font-face files loaded once) and parsed stylesheets, each with the warnings its parsing gave.

    WeasyPrint is not thread-safe: use one session per process, as batch workers do.
    """

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self._parsed: dict[tuple[str, str], _Parsed] = {}

    def forget(self, changed: Collection[Path]) -> None:
        """Read again, at the next render, every stylesheet that is or read one of the `changed` files
        (a watch loop's edits); a changed font file starts a new font configuration and parses all."""
        changed_files = {path.resolve() for path in changed}
        for key, (_css, _warnings, read, _profiles) in list(self._parsed.items()):
            files = {path.resolve() for path in read} | (
                {Path(key[1]).resolve()} if key[0] == "file" else set()
            )
            if not files & changed_files:
                continue
            if any(path.suffix.lower() in FONT_SUFFIXES for path in files & changed_files):
                self.font_config = FontConfiguration()
                self._parsed.clear()
                return
            del self._parsed[key]

    def stylesheets(
        self, fetcher: URLFetcher, font_css: str, paths: tuple[Path, ...], page_css: str
    ) -> tuple[list[Any], list[str], dict[str, Any]]:
        """The parsed stylesheets in cascade order, the warnings their parsing gave (cached with
        them, so a reused stylesheet reports its problems to every build, as `--strict` needs) and the
        colour profiles they define (@color-profile; each parse keeps its own, so that a PDF/X build's
        profile never reaches another build of the session). The files each parse read (@import,
        @font-face) are replayed into `fetcher.read` likewise."""
        sources = [("string", font_css), *(("file", str(path)) for path in paths)]
        sources += [("string", page_css)] if page_css else []
        parsed: list[Any] = []
        messages: list[str] = []
        profiles: dict[str, Any] = {}
        for key in sources:
            if key not in self._parsed:
                before = len(fetcher.read)
                kind, value = key
                with (
                    _captured_warnings() as collected,
                    _file_errors_reported(value if kind == "file" else None),
                ):
                    source = {"filename": value} if kind == "file" else {"string": value}
                    own: dict[str, Any] = {}
                    css = weasyprint.CSS(
                        **source, font_config=self.font_config, url_fetcher=fetcher, color_profiles=own
                    )
                read = tuple(fetcher.read[before:])
                del fetcher.read[before:]
                self._parsed[key] = (css, tuple(collected.messages), read, own)
            css, warnings, read, own = self._parsed[key]
            parsed.append(css)
            messages.extend(warnings)
            fetcher.read.extend(read)
            profiles.update(own)
        return parsed, messages, profiles


def render(
    html: HtmlDocument,
    font_css: str,
    bundled_families: frozenset[str],
    strict: bool = False,
    page_css: str = "",
    pdf_variant: str | None = None,
    session: RenderSession | None = None,
    find_signature_spaces: bool = False,
    find_text_lines: bool = False,
    workers: int = 1,
) -> RenderedPdf:
    """Lay out and draw `html`; fail on any fetch outside the allowed folders or any font fallback.
    With `find_signature_spaces`, also say where each party's signature space is (for signature fields);
    with `find_text_lines`, where each line of text is (for a draft's line numbers).

    `font_css` comes before the layout's stylesheets, `page_css` (paper size, marks) after them.
    `pdf_variant` is a WeasyPrint variant such as 'pdf/a-3a' (with an sRGB OutputIntent); every PDF is tagged.
    With `workers` above 1, a long document the layout marks in parts renders in that many processes
    (engine/parts.py).
    """
    hooks.check_version(weasyprint.__version__)
    session = session or RenderSession()
    arguments = _RenderArguments(
        font_css,
        bundled_families,
        strict,
        page_css,
        pdf_variant,
        session,
        find_signature_spaces,
        find_text_lines,
    )
    notes: list[str] = []
    if workers > 1:
        try:
            in_parts = _rendered_in_parts(html, arguments, workers)
        except parts.PartRefusedError:
            in_parts = None  # the whole document's render says what is wrong, as one render does
        except parts.PartFailedError as error:
            in_parts = None
            notes.append(f"rendering in parts: the document was rendered in one process instead ({error})")
        if in_parts is not None:
            return in_parts
    rendered = _render_document(html, arguments)
    if notes and strict:
        raise RenderError("; ".join(notes), hint="build with --jobs 1, or report this as a bug")
    return dataclasses.replace(rendered, warnings=(*notes, *rendered.warnings)) if notes else rendered


@dataclass(frozen=True)
class _RenderArguments:
    """How to render, whatever HTML: `render`'s arguments but the HTML and the workers."""

    font_css: str
    bundled_families: frozenset[str]
    strict: bool
    page_css: str
    pdf_variant: str | None
    session: RenderSession
    find_signature_spaces: bool
    find_text_lines: bool


def _rendered_in_parts(html: HtmlDocument, arguments: _RenderArguments, workers: int) -> RenderedPdf | None:
    """The document rendered in parts by worker processes and joined, or None where it is not parted."""
    texts = parts.parts_of(html.html, workers)
    if texts is None or not forking_available():
        return None
    fetcher = RestrictedFetcher(html.readable_roots)
    stylesheets, _, _ = arguments.session.stylesheets(
        fetcher, arguments.font_css, html.stylesheets, arguments.page_css
    )  # parsed before the workers start, which then find them parsed
    if parts.page_rules_differ(stylesheets, html.html):
        return None
    from communique.pdf.join import join_parts

    def render_part(text: str, index: int, numbering: parts.Numbering) -> RenderedPdf:
        return _render_document(dataclasses.replace(html, html=text), arguments, (index, numbering))

    rendered = parts.rendered_in_parts(texts, render_part)
    try:
        return parts.joined(rendered, join_parts)
    except FinishError as error:  # the parts are not as the join expects them: WeasyPrint changed?
        raise parts.PartFailedError(f"the parts could not be joined ({error.message})") from error


def _render_document(
    html: HtmlDocument, arguments: _RenderArguments, part: tuple[int, parts.Numbering] | None = None
) -> RenderedPdf:
    """`render` in this process; with `part` (its index, its numbering), as that part of a document: its
    pages numbered as the document's, its fonts named apart from the other parts'."""
    strict, session = arguments.strict, arguments.session
    font_css, page_css, pdf_variant = arguments.font_css, arguments.page_css, arguments.pdf_variant
    bundled_families = arguments.bundled_families
    find_text_lines, find_signature_spaces = arguments.find_text_lines, arguments.find_signature_spaces
    fetcher = RestrictedFetcher(html.readable_roots, (*html.templates, *html.stylesheets))
    notes = [] if fast_subsetting_available() else [SLOW_SUBSET_WARNING]
    try:
        stylesheets, messages, profiles = session.stylesheets(fetcher, font_css, html.stylesheets, page_css)
        with (
            _captured_warnings() as collected,
            undone.collecting() as left_undone,
            hooks.installed([*_patches(), *(parts.patches(*part) if part else [])]),
        ):
            document = weasyprint.HTML(string=html.html, base_url=html.base_url, url_fetcher=fetcher).render(
                stylesheets=stylesheets, font_config=session.font_config, color_profiles=profiles
            )
            overflowing = _overflowing(document)
            unfit = _page_faults(document)
            lines = _text_lines(document) if find_text_lines else ()
            with clusters.recording() as drawn:
                data = document.write_pdf(pdf_variant=pdf_variant, pdf_tags=True)
    except RefusedURLError as error:
        raise RenderError(
            fetcher.refused[-1] if fetcher.refused else str(error),
            hint="layouts may use files of the project and of communique itself, and data files the "
            "images next to them; nothing from the network",
        ) from error
    except FatalURLFetchingError as error:
        raise RenderError(f"{error}: {error.__cause__}", hint="check the path in the layout") from error
    messages += collected.messages
    if fetcher.refused:
        raise RenderError(
            "; ".join(dict.fromkeys(fetcher.refused)),
            hint="layouts and images may use files of the project, of the data file's folder and of "
            "communique itself; nothing from the network",
        )
    fatal = [message for message in messages if strict or _FATAL_WARNING.search(message)]
    if fatal:
        raise RenderError(
            "WeasyPrint: " + "\n".join(fatal),
            hint="fix the layout or the data; a font fallback or a lost resource would spoil the document",
        )
    if left_undone and strict:
        raise RenderError(
            "communique's typesetting could not do all of its work: " + "; ".join(left_undone),
            hint="the PDF would be weaker than communique makes it; build without --strict to accept it "
            f"(where a hook cannot read WeasyPrint: reinstall WeasyPrint {hooks.SUPPORTED_WEASYPRINT})",
        )
    foreign = sorted({font.family for font in document.fonts.values() if font.family not in bundled_families})
    if foreign:
        raise RenderError(
            f"text was drawn with fonts that are not bundled or declared: {', '.join(foreign)}",
            hint="use only bundled fonts and fonts declared in communique.toml ([[fonts]])",
        )
    # Kept apart from WeasyPrint's messages: the text they quote must not make _FATAL_WARNING match.
    if overflowing and strict:
        raise RenderError(
            "text runs out of its column or off the page: " + "; ".join(overflowing),
            hint="break the long word (a space, or a soft hyphen U+00AD), or give the layout a wider column",
        )
    if unfit and strict:
        raise RenderError(
            "pages are not fit to sign: " + "; ".join(unfit),
            hint="check the layout's margins (a negative one draws a block over another) and page breaks "
            "(break-before, break-after); build without --strict to see the pages",
        )
    read = tuple(dict.fromkeys(fetcher.read))
    reported = (*notes, *messages, *left_undone, *overflowing, *unfit)
    return RenderedPdf(
        data,
        len(document.pages),
        _version_starts(document),
        reported,
        read,
        tuple(drawn.clusters),
        frozenset(drawn.invisible),
        _signature_spaces(document) if find_signature_spaces else (),
        lines,
    )


def _overflowing(document: Any) -> list[str]:
    """The page check's findings, or none with a warning when it cannot read the laid-out pages."""
    try:
        return overflowing_text(document)
    except undone.ENGINE_CHANGED as error:
        undone.report("page check", "text running past its column or off the page was not looked for", error)
        return []


def _page_faults(document: Any) -> list[str]:
    """Text over text, stranded and blank pages, or none with a warning when the laid-out pages cannot
    be read."""
    try:
        return page_faults(document)
    except undone.ENGINE_CHANGED as error:
        undone.report(
            "page check", "text drawn over text, stranded and blank pages were not looked for", error
        )
        return []


def _signature_spaces(document: Any) -> tuple[SignatureSpace, ...]:
    """Where each party signs, or none with a warning when the laid-out pages cannot be read (a build
    asking for signature fields then fails to find them, and says so)."""
    try:
        return signature_spaces(document)
    except undone.ENGINE_CHANGED as error:
        undone.report("signature places", "the signature spaces were not found", error)
        return ()


def _text_lines(document: Any) -> tuple[TextLine, ...]:
    """Every line of text, or none with a warning when the laid-out pages cannot be read (a draft then
    has no line numbers, and says so)."""
    try:
        return text_lines(document)
    except undone.ENGINE_CHANGED as error:
        undone.report("line numbers", "the draft's lines are not numbered", error)
        return ()


HOOK_MODULES = (
    justify,
    hyphenation,
    linebreak,  # after hyphenation: it wraps the line iterator that counts hyphens
    clusters,
    interpuncts,
    tags,
    pages,
    image_names,
    titles,
    names,
)
"""The modules whose hooks communique installs while it renders, in the order they are installed."""


def _patches() -> list[hooks.Patch]:
    """Every hook communique installs while it renders."""
    return [patch for module in HOOK_MODULES for patch in module.patches()]


def _version_starts(document: Any) -> tuple[tuple[str, int], ...]:
    """(version, index of its first page) per `version-…` anchor: a section over several pages has its
    anchor on each of them."""
    starts: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("version-"):
                starts.setdefault(anchor.removeprefix("version-"), index)
    return tuple(starts.items())


def render_stamp(lines: tuple[str, ...], width: float, height: float, font_css: str) -> bytes:
    """A one-page PDF of `width` × `height` points showing `lines` centred in the bundled fonts (the look
    of a signed signature field: its fonts embedded with their ToUnicode maps, as PDF/A asks)."""
    from html import escape

    hooks.check_version(weasyprint.__version__)
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    page = (
        f"@page {{ size: {width:.2f}pt {height:.2f}pt; margin: 0; }} "
        "html, body { margin: 0; height: 100%; } "
        "body { display: flex; flex-direction: column; justify-content: center; align-items: center; "
        "font-size: 8pt; line-height: 1.25; color: #1d3f6e; } p { margin: 0; text-align: center; }"
    )
    font_config = FontConfiguration()
    fetcher = RestrictedFetcher((Path(__file__).resolve().parents[1] / "data",))
    with _captured_warnings():
        stylesheets = [
            weasyprint.CSS(string=font_css, font_config=font_config, url_fetcher=fetcher),
            weasyprint.CSS(string=page, font_config=font_config, url_fetcher=fetcher),
        ]
        document = weasyprint.HTML(string=f"<html lang='en'><body>{body}</body></html>", url_fetcher=fetcher)
        return bytes(document.write_pdf(stylesheets=stylesheets, font_config=font_config))
