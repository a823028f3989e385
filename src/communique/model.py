"""Frozen data types handed from one pipeline stage to the next."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from communique.conventions import UNSPACED, primary

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
class Principal:
    """The absent official a signatory signs for, named in the languages whose versions name the official
    (a version may name the signatory alone)."""

    title: LocalizedText
    name: LocalizedText
    """In the same languages as `title`."""
    marker: LocalizedText
    """The words between the official and the signatory, where the data gives them (代理, represented by)."""

    def named_in(self, lang: str) -> bool:
        """Whether the `lang` version names the official."""
        return self.name.get(lang) is not None


@dataclass(frozen=True)
class Signatory:
    """A person who signs: for a party, or as a witness."""

    title: LocalizedText
    """Office held, e.g. 'Governor of Tokyo'; line breaks kept."""
    name: LocalizedText
    signature: Path | None = None
    """Absolute path of a signature image placed over the rule; None leaves room for wet ink."""
    signature_alt: LocalizedText = LocalizedText(())
    """Per language, the signature image's text alternative (what a screen reader says)."""
    name_position: tuple[tuple[str, str], ...] = ()
    """Per language where the data says: 'before' or 'after' the office."""
    printed: LocalizedText = LocalizedText(())
    """Per language where the data gives them: the block's lines word for word, one line after another
    (a list of lines joined with line breaks)."""
    printed_name: LocalizedText = LocalizedText(())
    """Per language where the data marks it (`{name: ...}` in a list of printed lines): the name line of
    `printed`. Unmarked, the printed line holding `name` is the name line."""
    on_behalf_of: Principal | None = None


@dataclass(frozen=True)
class Party:
    """A government, city or body that is party to the instrument."""

    key: str
    """Short identifier used by `signature_order`, e.g. 'tokyo'."""
    name: LocalizedText
    country: LocalizedText
    signatories: tuple[Signatory, ...]
    """Empty for a party that signs nothing."""
    seal: Path | None = None
    """Absolute path of the party's seal image, if any."""
    seal_alt: LocalizedText = LocalizedText(())
    """Per language, the seal image's text alternative."""


@dataclass(frozen=True)
class ImageWithoutAlt:
    """An image of the data with no text alternative in some of the document's languages."""

    description: str
    """E.g. "seal image 'tokyo-seal.png'"."""
    alt_key: str
    """The key that gives its alternatives, e.g. 'seal_alt'."""
    location: SourceLocation
    """Where the image is named."""
    missing: tuple[str, ...]
    """The languages without an alternative."""


@dataclass(frozen=True)
class Block:
    """One block of the body, aligned across languages."""

    kind: str
    """'paragraph', 'preamble', 'heading', 'article', 'clause' or 'item' (one item of a list)."""
    texts: tuple[tuple[str, tuple[Text, ...]], ...]
    """Per language given, its paragraphs (one, or several in an alignment group; a heading's text or an
    article's caption). A language missing here is pending (or an article without caption)."""
    location: SourceLocation
    style: str = ""
    """A heading's numbering ('none', 'roman', 'decimal') or an item's list style ('bullet', ...)."""
    index: int = 0
    """An item's number in its list, from 1."""

    def of(self, lang: str) -> tuple[Text, ...] | None:
        """The `lang` paragraphs, or None where the block leaves the language out."""
        return next((texts for entry_lang, texts in self.texts if entry_lang == lang), None)


@dataclass(frozen=True)
class Instrument:
    """One instrument of the file: its title, text, closing and signatures."""

    title: LocalizedText
    subject: LocalizedText | None
    body: tuple[Block, ...]
    closing: LocalizedText
    """Closing lines given word for word; languages without one get a line made as `closing_form` says."""
    closing_form: tuple[tuple[str, str], ...]
    """Per language, how its closing line is made where none is given: 'date', 'date-place' or 'none' (no
    closing line); every language is listed (the defaults filled in by the loader)."""
    closing_position: str
    """Where the layouts put the closing lines: 'end' (above the signatures) or 'top' (under the title)."""
    signature_order: tuple[tuple[str, tuple[str, ...]], ...]
    """Per language, the keys of the signing parties in the order their blocks appear (the alternat)."""
    witnesses: tuple[Signatory, ...] = ()
    witness_label: LocalizedText = LocalizedText(())
    """Per language where the data gives it: the line above the witnesses."""
    pending: LocalizedText = LocalizedText(())
    """Languages whose translation of this instrument is pending, each with its notice: the instrument's
    own `pending`, and the file's."""

    def form_of(self, lang: str) -> str:
        """How the `lang` closing line is made where none is given: 'date', 'date-place' or 'none'."""
        return next((form for form_lang, form in self.closing_form if form_lang == lang), "date")

    def party_order(self, parties: tuple[Party, ...], lang: str) -> tuple[Party, ...]:
        """The signing parties in the order their signature blocks appear in the `lang` version."""
        by_key = {party.key: party for party in parties}
        keys = next((keys for order_lang, keys in self.signature_order if order_lang == lang), ())
        return tuple(by_key[key] for key in keys)

    def texts(self) -> tuple[LocalizedText, ...]:
        """The instrument's own localized texts (body blocks excluded), in reading order."""
        people = [text for person in self.witnesses for text in (person.title, person.name)]
        return (
            self.title,
            *([self.subject] if self.subject else []),
            self.closing,
            self.witness_label,
            self.pending,
            *people,
        )


@dataclass(frozen=True)
class Acceptance:
    """A difference between versions the data says is intended (`accept:`), with its reason."""

    kind: str
    """The kind of finding accepted: 'number', 'url', 'email', 'name', 'script', 'untranslated' or
    'alignment'."""
    where: str
    """The block or field, as the check names it: 'body 3', 'body 4 item 2', 'instrument 2 title'."""
    value: str
    """What differs, as the finding gives it: '2024', 'https://example.org', 'Koike Yuriko'."""
    reason: str
    """Why the difference is intended (the entry's `because`)."""
    location: SourceLocation
    """Where the entry is written."""


@dataclass(frozen=True)
class Communique:
    """A data file as read, validated: one instrument, or several signed together."""

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
    """The PDF's title (the instrument's title where there is one); a newline marks a line break."""
    subject: LocalizedText | None
    keywords: tuple[str, ...]
    parties: tuple[Party, ...]
    instruments: tuple[Instrument, ...]
    japanese_era: bool
    """Write Japanese dates in the era form (令和5年8月21日)."""
    buddhist_era: bool = False
    """Write Thai dates in the Buddhist era (พ.ศ. 2567)."""
    pending: LocalizedText = LocalizedText(())
    """Languages whose translation is pending in every instrument, with the notice printed for each (the
    file's `pending`; each instrument's `pending` holds these and its own)."""
    article_format: LocalizedText = LocalizedText(())
    date_at: SourceLocation | None = None
    """Where the data gives the date (None for a document made in Python without a file)."""
    images_without_alt: tuple[ImageWithoutAlt, ...] = ()
    """Images lacking a text alternative in some language: an error for accessible and PDF/A level a
    copies (pipeline), as only the build knows what it declares."""
    """Article labels the data gives per language ('{n} artikla')."""
    accepted: tuple[Acceptance, ...] = ()
    """Differences between versions the translation check is to accept (`accept:`), in file order."""

    def texts(self) -> tuple[LocalizedText, ...]:
        """Every single-text field of the document (body blocks aside), in reading order."""
        people = [
            text for party in self.parties for signer in party.signatories for text in _person_texts(signer)
        ]
        header = [
            self.title,
            *([self.subject] if self.subject else []),
            *([self.place] if self.place else []),
            self.pending,
        ]
        return (
            *header,
            *(p.name for p in self.parties),
            *(p.country for p in self.parties),
            *(text for instrument in self.instruments for text in instrument.texts()),
            *people,
        )

    def person_names(self, lang: str) -> tuple[str, ...]:
        """The `lang` names of everyone who signs, witnesses or is represented, as the data writes them."""
        people = [signer for party in self.parties for signer in party.signatories]
        people += [person for instrument in self.instruments for person in instrument.witnesses]
        names = [person.name.get(lang) for person in people]
        names += [person.on_behalf_of.name.get(lang) for person in people if person.on_behalf_of]
        return tuple(dict.fromkeys(name.value for name in names if name is not None))

    def party_names(self, lang: str) -> tuple[str, ...]:
        """The `lang` names of the parties and their countries, as the data writes them (a title never
        breaks inside one where its script has no spaces)."""
        names = [party.name.get(lang) for party in self.parties]
        names += [party.country.get(lang) for party in self.parties if party.country]
        return tuple(dict.fromkeys(name.value for name in names if name is not None))

    def entries(self) -> tuple[tuple[str, Text], ...]:
        """(lang, text) of every text of the document, body blocks included, in reading order."""
        fields = [entry for localized in self.texts() for entry in localized.entries]
        blocks = [
            (lang, text)
            for instrument in self.instruments
            for block in instrument.body
            for lang, texts in block.texts
            for text in texts
        ]
        return (*fields, *blocks)

    def images(self) -> tuple[Path, ...]:
        """Every seal and signature image the data references, once each, in the order given."""
        paths = [party.seal for party in self.parties]
        paths += [signer.signature for party in self.parties for signer in party.signatories]
        paths += [person.signature for instrument in self.instruments for person in instrument.witnesses]
        return tuple(dict.fromkeys(path for path in paths if path is not None))


def _person_texts(person: Signatory) -> tuple[LocalizedText, ...]:
    behalf = person.on_behalf_of
    principal = (behalf.title, behalf.name, behalf.marker) if behalf else ()
    return (*principal, person.title, person.name, person.printed, person.printed_name)


READ_BY_COLUMN = "/CommuniqueReadByColumn"
"""The key the tags hook (engine/tags.py) puts on the structure element of a table whose HTML has
`data-read-by-column` (value: the table's id), and pdf/structure.py takes away when it turns the table
into one section per column."""


STRUCTURE_ROLE = "/CommuniqueStructure"
"""The key the tags hook puts on the structure element of an HTML element with `data-structure` (value:
its words: the role, then the list's style), and pdf/structure.py takes away when it builds lists (L, LI,
Lbl, LBody) from them."""


HTML_ELEMENT = "/CommuniqueElement"
"""The key the tags hook puts on every structure element made from an HTML element (value: the element's
identity in that render): WeasyPrint makes one structure element per page an element appears on, and
pdf/structure.py joins the fragments, then takes the key away."""


CHANGE_CLASSES = {"cq-ins": "inserted", "cq-del": "deleted", "cq-moved": "moved"}
"""A redline's classes of changed text, and what the tags hook has a screen reader say of each (the
structure element of such a span gets /Alt: 'inserted: …', 'deleted: …', 'moved: …')."""


@dataclass(frozen=True)
class Archival:
    """What an archival copy carries: its sources (what it declares is its `Standard`)."""

    sources: tuple[EmbeddedSource, ...]


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
    roles: tuple[str, ...] = ()
    """What each line is: 'name', 'office' (lines given word for word are one or the other), 'principal'
    (the absent official's office and name), 'marker' (代理, represented by)."""
    image_alt: str = ""
    """The signature image's text alternative in this language ('' where the data gives none)."""
    seal_alt: str = ""
    """The seal image's text alternative in this language."""

    @property
    def above_name(self) -> tuple[tuple[RichText, str], ...]:
        """(line, role) of the lines above the name: an office set before it, the absent official and the
        marker. Layouts bottom-align them across a row of blocks, so that the names share a baseline."""
        return tuple(zip(self.rich_lines, self.roles, strict=True))[: self._name_index()]

    @property
    def from_name(self) -> tuple[tuple[RichText, str], ...]:
        """(line, role) of the name and the lines under it (every line where no line is a name)."""
        return tuple(zip(self.rich_lines, self.roles, strict=True))[self._name_index() :]

    def _name_index(self) -> int:
        return next((index for index, role in enumerate(self.roles) if role == "name"), 0)


@dataclass(frozen=True)
class OutlineLabels:
    """Bookmark labels in the version's own language."""

    version: str
    title: str
    body: str
    signatures: str


@dataclass(frozen=True)
class TypesetBlock:
    """One body block of a version, prepared for layout."""

    kind: str
    """'paragraph', 'preamble', 'heading', 'article', 'clause', 'item' or 'pending' (the version leaves
    this block out, its translation pending: `paragraphs` holds the gap mark […]; the notice itself is
    printed once, under the title)."""
    paragraphs: tuple[RichText, ...]
    label: RichText | None = None
    """The number or marker set before the text (第1条, Article 1, 1., （1）, •), if any."""
    style: str = ""
    """A heading's numbering or an item's list style."""

    @property
    def pending(self) -> bool:
        """Whether the version leaves this block out (its translation is pending)."""
        return self.kind == "pending"


@dataclass(frozen=True)
class Version:
    """One language version of one instrument, text prepared for layout."""

    lang: str
    title_lines: tuple[RichText, ...]
    title: str
    """The title on one line, for metadata and bookmarks."""
    blocks: tuple[TypesetBlock, ...]
    closing: RichText | None
    """The closing line (date, often place), or None where the version has none."""
    signatures: tuple[SignatureBlock, ...]
    """In this version's order (the alternat); empty for an instrument no one signs."""
    outline: OutlineLabels
    authors: tuple[str, ...]
    """Party names in this language."""
    subject: str | None
    closing_position: str = "end"
    """Where the layouts put `closing`: 'end' (above the signatures) or 'top' (under the title)."""
    witnesses: tuple[SignatureBlock, ...] = ()
    witness_label: RichText | None = None
    pending_notice: RichText | None = None
    """The notice that this version's translation is pending, printed once, under its title."""
    tag: str = ""
    """The language tag the layout sets (`lang`): the data's, with CLDR's likely region where the data
    names none and hyphenation differs by region ('en' -> 'en-US', not Pyphen's en_GB)."""
    direction: str = "ltr"
    """'rtl' for a language written right to left (Arabic, Hebrew; from CLDR), else 'ltr'."""
    anchor: str = ""
    """The id of the version's first element: 'version-<lang>', 'version-<n>-<lang>' for the n-th
    instrument of several."""

    def signature_rows(self) -> tuple[tuple[tuple[Version, SignatureBlock]], ...]:
        """Each signature block of this version alone, in its order, as signature rows."""
        return tuple(((self, block),) for block in self.signatures)

    def witness_rows(self) -> tuple[tuple[tuple[Version, SignatureBlock]], ...]:
        """Each witness's block of this version alone, as signature rows."""
        return tuple(((self, block),) for block in self.witnesses)

    @property
    def paragraphs(self) -> tuple[RichText, ...]:
        """Every paragraph of the body, labels aside, in order."""
        return tuple(paragraph for block in self.blocks for paragraph in block.paragraphs)


@dataclass(frozen=True)
class TypesetInstrument:
    """One instrument with its language versions, in the document's language order."""

    number: int
    """From 1."""
    versions: tuple[Version, ...]

    def block_rows(self) -> tuple[tuple[tuple[Version, TypesetBlock], ...], ...]:
        """Block i of every version, side by side: ((version, block), ...) per row."""
        return tuple(zip(*[[(v, b) for b in v.blocks] for v in self.versions], strict=True))

    def paragraph_rows(self) -> tuple[tuple[tuple[Version, RichText], ...], ...]:
        """Paragraph i of every version, side by side (versions with the same blocks)."""
        return tuple(zip(*[[(v, p) for p in v.paragraphs] for v in self.versions], strict=True))

    def signatory_rows(self) -> tuple[tuple[tuple[Version, SignatureBlock], ...], ...]:
        """Each signature block of the first version's order, with the same block in every version."""
        return _rows(self.versions, "signatures")

    def witness_rows(self) -> tuple[tuple[tuple[Version, SignatureBlock], ...], ...]:
        """Each witness's block with the same block in every version."""
        return _rows(self.versions, "witnesses")

    def signatures_side_by_side(self) -> tuple[tuple[tuple[Version, SignatureBlock], ...], ...]:
        """Block i of every version, each in its own order (the alternat): ((version, block), ...) per
        row, for a layout that sets the versions in columns."""
        return tuple(zip(*[[(v, b) for b in v.signatures] for v in self.versions], strict=True))

    def signature_orders(self) -> tuple[SignatureSet, ...]:
        """Signature blocks for a layout that sets them once for all versions: bilingual blocks where every
        version has the same order; else each version's blocks in its own order (the alternat)."""
        orders = {tuple(block.signer for block in version.signatures) for version in self.versions}
        if orders == {()}:
            return ()
        if len(orders) == 1:
            return (SignatureSet("", self.signatory_rows()),)
        return tuple(
            SignatureSet(version.lang, tuple(((version, block),) for block in version.signatures))
            for version in self.versions
        )


@dataclass(frozen=True)
class SignatureSet:
    """Signature blocks set together: `rows` holds, per signatory, the (version, block) pairs shown."""

    lang: str
    """The one language shown, or '' where the blocks show every language."""
    rows: tuple[tuple[tuple[Version, SignatureBlock], ...], ...]


def _one_line(text: str, lang: str) -> str:
    """`text` with its line breaks joined as the language joins words."""
    joiner = "" if primary(lang) in UNSPACED else " "
    return joiner.join(line.strip() for line in text.splitlines() if line.strip())


def _rows(
    versions: tuple[Version, ...], field: str
) -> tuple[tuple[tuple[Version, SignatureBlock], ...], ...]:
    first: tuple[SignatureBlock, ...] = getattr(versions[0], field)
    return tuple(
        tuple((v, next(b for b in getattr(v, field) if b.signer == block.signer)) for v in versions)
        for block in first
    )


@dataclass(frozen=True)
class TypesetDocument:
    """A data file with its text prepared per instrument and language, ready for a layout."""

    communique: Communique
    instruments: tuple[TypesetInstrument, ...]

    @property
    def versions(self) -> tuple[Version, ...]:
        """Every version of every instrument, in reading order."""
        return tuple(version for instrument in self.instruments for version in instrument.versions)

    def titles(self) -> tuple[tuple[str, str], ...]:
        """(lang, title on one line) of the PDF: the instrument's, or the file's title over several."""
        if len(self.instruments) == 1:
            return tuple((v.lang, v.title) for v in self.instruments[0].versions)
        return tuple(
            (lang, _one_line(self.communique.title.value(lang), lang)) for lang in self.communique.languages
        )

    def subjects(self) -> tuple[tuple[str, str], ...]:
        """(lang, subject) of the PDF: the instrument's subject (else title), or the file's subject."""
        if len(self.instruments) == 1 or self.communique.subject is None:
            return tuple(
                (lang, next((v.subject for v in self.versions if v.lang == lang and v.subject), title))
                for lang, title in self.titles()
            )
        subject = self.communique.subject
        return tuple((lang, _one_line(subject.value(lang), lang)) for lang in self.communique.languages)

    def paragraph_rows(self) -> tuple[tuple[tuple[Version, RichText], ...], ...]:
        """The first instrument's paragraph rows (layouts written for one instrument)."""
        return self.instruments[0].paragraph_rows()

    def signatory_rows(self) -> tuple[tuple[tuple[Version, SignatureBlock], ...], ...]:
        """The first instrument's signature rows (layouts written for one instrument)."""
        return self.instruments[0].signatory_rows()


@dataclass(frozen=True)
class Revision:
    """What a redline changes in a build of the new draft: the typeset text it shows, HTML put first in
    the body (the summary page) and CSS after the layout's (how changes look)."""

    revised: Callable[[TypesetDocument], TypesetDocument]
    preface: str
    css: str


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


Cluster = tuple[str, tuple[int, ...], tuple[str, ...]]
"""A cluster of several glyphs, or a bracket-like character drawn mirrored right to left: the font's
PostScript name as embedded, its glyph ids in drawing order, the text of each glyph it is drawn with
instead. A bracket drawn left to right is recorded too, with no text: it is left as drawn, but keeps
the order in which the clusters are found unambiguous (its glyph is the same as a mirrored one's)."""


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
    clusters: tuple[Cluster, ...] = ()
    """The clusters of several glyphs drawn, in drawing order: each folded into one glyph by finish."""
    invisible: frozenset[str] = frozenset()
    """Invisible characters drawn as no glyph (U+200B, U+2060, U+034F…): not in the text layer. The
    layouts' own <wbr> is drawn as U+200B too, so the pipeline warns only of those the data holds."""
    signature_spaces: tuple[SignatureSpace, ...] = ()
    """Each party's signature spaces, in page order (for signature fields)."""
    text_lines: tuple[TextLine, ...] = ()
    """Every line of text on the pages, in page order (for a draft's line numbers)."""


@dataclass(frozen=True)
class TextLine:
    """A line of text as laid out, and the column of its language version that holds it."""

    page: int
    """Page index, from 0."""
    version: str
    """The `lang` of the nearest element that sets one: lines of one version share it ('' for none)."""
    baseline: float
    """Points from the page's lower edge."""
    column: tuple[float, float]
    """(left, right) in points of the box that set the language: the version's column or block."""
    area: tuple[float, float] = (0.0, 0.0)
    """(left, right) in points of the page's text area."""
    in_margin: bool = False
    """A line of a page-margin box (the running footer, the page number): never numbered."""
    extent: tuple[float, float] = (0.0, 0.0)
    """(left, right) in points of the text drawn on the line."""


@dataclass(frozen=True)
class SignatureSpace:
    """Where a layout left room for a party's signature."""

    party: str
    """The party's key in the data (the signature field's name)."""
    page: int
    """Page index, from 0."""
    rect: tuple[float, float, float, float]
    """(left, bottom, right, top) in points from the page's lower left corner."""


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
    images: tuple[Path, ...] = ()
    """The page images written instead of a PDF (`format` png or svg), in page order; `output` is the
    first of them and `size` their bytes together."""
