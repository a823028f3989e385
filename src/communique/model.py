"""Frozen data types handed from one pipeline stage to the next."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

Where = tuple[str | int, ...]
"""A place inside a data or config document: keys and list indexes from the top, e.g. ('body', 2, 'en')."""


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A position in a data file; line and column count from 1."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Text:
    """One string from the data file, with where it was written."""

    value: str
    location: SourceLocation
    raw: str
    """The scalar exactly as written in the file (quotes, escapes, line breaks included)."""

    def locate(self, char: str) -> SourceLocation:
        """Where `char` first appears in the file, or the start of the text if it was escaped."""
        index = self.raw.find(char)
        if index < 0:
            return self.location
        before = self.raw[:index]
        newlines = before.count("\n")
        if newlines == 0:
            return SourceLocation(self.location.path, self.location.line, self.location.column + index)
        column = index - before.rfind("\n")
        return SourceLocation(self.location.path, self.location.line + newlines, column)


@dataclass(frozen=True)
class LocalizedText:
    """The same text in each language of the document, in the document's language order."""

    entries: tuple[tuple[str, Text], ...]

    def __getitem__(self, lang: str) -> Text:
        for entry_lang, text in self.entries:
            if entry_lang == lang:
                return text
        raise KeyError(lang)

    def value(self, lang: str) -> str:
        """The plain string for `lang`."""
        return self[lang].value

    def get(self, lang: str) -> Text | None:
        """The text for `lang`, or None where an optional text was not given for it."""
        return next((text for entry_lang, text in self.entries if entry_lang == lang), None)


@dataclass(frozen=True)
class Signatory:
    """A person who signs for a party."""

    title: LocalizedText
    """Office held, e.g. 'Governor of Tokyo'."""
    name: LocalizedText
    signature: Path | None = None
    """Absolute path of a signature image placed over the rule; None leaves room for wet ink."""


@dataclass(frozen=True)
class Party:
    """A government or city that is party to the communique."""

    key: str
    """Short identifier used by `signature_order`, e.g. 'tokyo'."""
    name: LocalizedText
    country: LocalizedText
    signatories: tuple[Signatory, ...]
    seal: Path | None = None
    """Absolute path of the party's seal image, if any."""


@dataclass(frozen=True)
class Communique:
    """A communique as read from its data file, validated."""

    source: Path
    id: str
    date: datetime.date
    place: LocalizedText | None
    """Where it was signed; None where the data names no place (many instruments state none)."""
    languages: tuple[str, ...]
    """BCP 47 tags in the order the versions appear."""
    layout: str | None
    """The layout the data file asks for; None lets the project's default decide."""
    layout_at: SourceLocation | None
    paper: str | None
    """Paper size name: 'A4', 'Letter' or 'B5' (JIS); None lets the project's default decide."""
    title: LocalizedText
    """Titles; a newline marks an explicit line break."""
    subject: LocalizedText | None
    keywords: tuple[str, ...]
    parties: tuple[Party, ...]
    body: tuple[LocalizedText, ...]
    """Paragraphs aligned across languages: paragraph i is the same in every language."""
    closing: LocalizedText
    """Closing lines given word for word; languages without one get a line made as `closing_form` says."""
    closing_form: tuple[tuple[str, str], ...]
    """Per language, how its closing line is made where none is given: 'date', 'date-place' or 'none' (no
    closing line); every language is listed (the defaults filled in by the loader)."""
    closing_position: str
    """Where the layouts put the closing lines: 'end' (above the signatures) or 'top' (under the title)."""
    japanese_era: bool
    """Write Japanese dates in the era form (令和5年8月21日)."""
    signature_order: tuple[tuple[str, tuple[str, ...]], ...]
    """Per language, the party keys in the order their signature blocks appear (the alternat)."""

    def texts(self) -> tuple[LocalizedText, ...]:
        """Every localized text of the document, in reading order."""
        people = [
            text
            for party in self.parties
            for signer in party.signatories
            for text in (signer.title, signer.name)
        ]
        header = [
            self.title,
            *([self.subject] if self.subject else []),
            *([self.place] if self.place else []),
        ]
        return (
            *header,
            *(p.name for p in self.parties),
            *(p.country for p in self.parties),
            *self.body,
            self.closing,
            *people,
        )

    def images(self) -> tuple[Path, ...]:
        """Every seal and signature image the data references, once each, in the order given."""
        paths = [party.seal for party in self.parties]
        paths += [signer.signature for party in self.parties for signer in party.signatories]
        return tuple(dict.fromkeys(path for path in paths if path is not None))

    def form_of(self, lang: str) -> str:
        """How the `lang` closing line is made where none is given: 'date', 'date-place' or 'none'."""
        return next((form for form_lang, form in self.closing_form if form_lang == lang), "date")

    def party_order(self, lang: str) -> tuple[Party, ...]:
        """The parties in the order their signature blocks appear in the `lang` version."""
        by_key = {party.key: party for party in self.parties}
        for order_lang, keys in self.signature_order:
            if order_lang == lang:
                return tuple(by_key[key] for key in keys)
        return self.parties


@dataclass(frozen=True)
class Archival:
    """What an archival copy declares (its PDF/A part and level) and carries (its sources)."""

    sources: tuple[EmbeddedSource, ...]
    part: int = 3
    conformance: str = "A"
    """'A' (tagged, accessible) or 'U' (Unicode text) or 'B' (appearance only)."""

    @property
    def variant(self) -> str:
        """The WeasyPrint `pdf_variant`, e.g. 'pdf/a-3a'."""
        return f"pdf/a-{self.part}{self.conformance.lower()}"


@dataclass(frozen=True)
class EmbeddedSource:
    """A file an archival PDF carries as an associated file (/AF, AFRelationship /Source)."""

    name: str
    """Path relative to the data file's folder, with '/' separators; the data file is just its name."""
    data: bytes
    media_type: str
    """MIME type, e.g. 'application/yaml'."""
    description: str


@dataclass(frozen=True)
class Run:
    """A piece of text set with the same typographic treatment."""

    text: str
    style: str
    """Space-separated CSS classes (e.g. 'jl-halt', 'jl-gap-start jl-gap-end'); '' for plain text."""


@dataclass(frozen=True)
class RichText:
    """Text prepared for layout: the exact characters, split into runs and phrases."""

    text: str
    """The characters exactly as a reader copies them from the PDF."""
    phrases: tuple[tuple[Run, ...], ...]
    """Runs grouped into phrases; with `phrased`, a line may break only between phrases. A run whose
    text is a line break ('\\n') is a line break in print."""
    phrased: bool = False


@dataclass(frozen=True)
class SignatureBlock:
    """One party's signature block, its lines in the language's convention."""

    party_key: str
    signer: str
    """Identifies the signatory across versions: '<party key>-<number>'."""
    lines: tuple[str, ...]
    """Japanese: office then name; English and most others: name then office. An office of several
    lines holds them separated by line breaks ('Mayor\\nKoto Ward\\nTokyo, Japan')."""
    image: Path | None
    seal: Path | None
    """The party's seal image, drawn beside the signatory's name."""
    rich_lines: tuple[RichText, ...] = ()
    """The same lines prepared for layout (render with `rich()`: line breaks become `<br>`)."""


@dataclass(frozen=True)
class OutlineLabels:
    """Bookmark labels in the version's own language."""

    version: str
    title: str
    body: str
    signatures: str


@dataclass(frozen=True)
class Version:
    """One language version of the communique, text prepared for layout."""

    lang: str
    title_lines: tuple[RichText, ...]
    title: str
    """The title on one line, for metadata and bookmarks."""
    paragraphs: tuple[RichText, ...]
    closing: RichText | None
    """The closing line (date, often place), or None where the version has none."""
    signatures: tuple[SignatureBlock, ...]
    """In this version's order (the alternat)."""
    outline: OutlineLabels
    authors: tuple[str, ...]
    """Party names in this language."""
    subject: str | None
    closing_position: str = "end"
    """Where the layouts put `closing`: 'end' (above the signatures) or 'top' (under the title)."""


@dataclass(frozen=True)
class TypesetDocument:
    """A communique with its text prepared per language, ready for a layout."""

    communique: Communique
    versions: tuple[Version, ...]

    def paragraph_rows(self) -> tuple[tuple[tuple[Version, RichText], ...], ...]:
        """Paragraph i of every version, side by side: ((version, paragraph), ...) per row."""
        return tuple(zip(*[[(v, p) for p in v.paragraphs] for v in self.versions], strict=True))

    def signatory_rows(self) -> tuple[tuple[tuple[Version, SignatureBlock], ...], ...]:
        """Each signature block of the first version's order, with the same block in every version."""
        return tuple(
            tuple((v, next(b for b in v.signatures if b.signer == block.signer)) for v in self.versions)
            for block in self.versions[0].signatures
        )


@dataclass(frozen=True)
class HtmlDocument:
    """A composed HTML document and the stylesheets of its layout."""

    html: str
    base_url: str
    stylesheets: tuple[Path, ...]
    readable_roots: tuple[Path, ...]
    """Folders the renderer may read files from; everything else is refused."""
    templates: tuple[Path, ...] = ()
    """Every template file the layout used (its chain, partials and macros)."""
    absent: tuple[Path, ...] = ()
    """Places searched for a template or stylesheet that held none: a file added there changes the build."""


@dataclass(frozen=True)
class RenderedPdf:
    """A PDF as WeasyPrint wrote it, with where each language version starts."""

    data: bytes
    page_count: int
    version_starts: tuple[tuple[str, int], ...]
    """(lang, index of the version's first page)."""
    warnings: tuple[str, ...]
    files_read: tuple[Path, ...] = ()
    """Every file the renderer read (stylesheets' imports, fonts, images), in first-read order."""


@dataclass(frozen=True)
class BuildResult:
    """What one build produced."""

    source: Path
    output: Path
    page_count: int
    size: int
    warnings: tuple[str, ...]
    inputs: tuple[Path, ...] = ()
    """Every file the build read: the data file, the project's config, templates, stylesheets and
    their imports, fonts and images (the batch cache hashes them)."""
    absent_inputs: tuple[Path, ...] = ()
    """Places searched for a template or stylesheet in vain: a file created there changes the build."""
