"""Post-processing with pypdf: Info and XMP in sync, page labels, viewer preferences, file ID, and for
archival copies the PDF/A identification and the embedded source files."""

from __future__ import annotations

import datetime
import functools
import hashlib
import itertools
import re
import uuid
import zlib
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

import pypdf
from pypdf.constants import PageLabelStyle
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from communique.errors import FinishError
from communique.model import Archival, EmbeddedSource, RenderedPdf, TypesetDocument
from communique.pdf import access
from communique.pdf.clusters import fold_clusters
from communique.pdf.draft import DRAFT_KEY, Draft, draft_title, mark_draft
from communique.pdf.fields import add_signature_fields, first_spaces, signing_parties
from communique.pdf.fonts import compact_fonts, content_streams, descendant, glyph_characters
from communique.pdf.seal import seal_id
from communique.pdf.structure import tidy_structure
from communique.standards import PRESS_ANNOTATIONS, PRINTING_CONDITION, Standard, srgb_profile


@dataclass(frozen=True)
class Metadata:
    """Document metadata that comes from the tool and the project rather than the data file."""

    creator: str
    """The tool, e.g. 'communique 0.2.0'."""
    author: str | None = None
    """The organisation's author line; None names the parties."""
    publisher: str | None = None
    keywords: tuple[str, ...] = ()
    """Added after the document's own keywords."""


@dataclass(frozen=True)
class FinishedPdf:
    """The finished PDF's bytes, and what post-processing left undone (warnings of the build)."""

    data: bytes
    warnings: tuple[str, ...] = ()


def finish(
    rendered: RenderedPdf,
    document: TypesetDocument,
    clock: datetime.datetime,
    metadata: Metadata,
    standard: Standard,
    archival: Archival | None = None,
    compact: bool = True,
    signature_fields: bool = False,
    draft: Draft | None = None,
) -> FinishedPdf:
    """Add what WeasyPrint cannot write: synced metadata, page labels, viewer preferences, a content ID;
    for an archival copy also the PDF/A identification and the source files as associated files; with
    `compact`, embedded CFF fonts cut down to the glyphs drawn (fonts); with `signature_fields`, an empty
    signature field over each signing party's signature space; with `draft`, the marks of a draft copy
    (its title then says it is one). What a rewrite had to leave undone comes
    back as warnings with the PDF."""
    try:
        reader = pypdf.PdfReader(BytesIO(rendered.data))
    except PdfReadError as error:
        raise FinishError(
            f"pypdf cannot read the rendered PDF: {error}", hint="report this as a bug"
        ) from error
    renderer = reader.metadata.get("/Producer", "WeasyPrint") if reader.metadata else "WeasyPrint"
    producer = f"{renderer}; pypdf {pypdf.__version__}"
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # WeasyPrint's version (1.7), not pypdf's default 1.3
    first = document.versions[0]
    titles = document.titles()
    keywords = tuple(dict.fromkeys((*document.communique.keywords, *metadata.keywords)))
    info = {
        "/Title": draft_title(titles[0][1], draft) if draft else titles[0][1],
        "/Author": metadata.author or "; ".join(first.authors),
        "/Subject": document.subjects()[0][1],
        "/Keywords": ", ".join(keywords),
        "/Creator": metadata.creator,
        "/Producer": producer,
        "/CreationDate": _pdf_date(clock),
        "/ModDate": _pdf_date(clock),
    }
    writer.metadata = info
    press: list[str] = []
    if standard.x4:
        access.info_dictionary(writer)[NameObject("/Trapped")] = NameObject("/False")
        _name_printing_condition(writer)
        _colour_managed_rgb(writer)
        _greys_in_black_ink(writer)
        press = _annotations_on_press_pages(writer)
    xmp = _xmp(document, info, clock, standard, keywords, metadata.publisher)
    # A new, uncompressed stream: any tool can find the XMP, and PDF/A validators ask for it.
    stream = DecodedStreamObject()
    stream.set_data(xmp)
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    existing = writer.root_object.raw_get("/Metadata") if "/Metadata" in writer.root_object else None
    if existing is None:  # print builds: WeasyPrint writes no XMP
        writer.root_object[NameObject("/Metadata")] = access.add_object(writer, stream)
    else:  # PDF/A builds: take the place of WeasyPrint's compressed XMP, leaving no orphan behind
        access.replace_object(writer, existing, stream)
    if archival:
        _embed_sources(writer, archival.sources, clock)
        _drop_empty_resources(writer)
    writer.root_object[NameObject("/Lang")] = TextStringObject(first.lang)
    writer.root_object[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)}
    )
    writer.page_mode = "/UseOutlines"
    if not rendered.version_starts:  # a layout that mixes the versions on every page: plain numbers
        writer.set_page_label(0, rendered.page_count - 1, style=PageLabelStyle.DECIMAL, start=1)
    starts = [*rendered.version_starts, ("", rendered.page_count)]
    for (lang, start), (_, end) in itertools.pairwise(starts):
        if end > start:
            writer.set_page_label(
                start, end - 1, style=PageLabelStyle.DECIMAL, prefix=f"{lang.upper()}-", start=1
            )
    undone = press + (_signature_fields(writer, rendered, document) if signature_fields else [])
    undone += tidy_structure(writer)
    undone += fold_clusters(writer, rendered.clusters)
    undone += compact_fonts(writer, compact)
    if draft:
        undone += mark_draft(writer, rendered.text_lines, draft)
        access.info_dictionary(writer)[NameObject(DRAFT_KEY)] = TextStringObject(draft.label)
    _well_formed_streams(writer)
    # The ID is the seal `verify` recomputes (seal.py): the first names the content (pages, sources,
    # structure), the second the metadata (dates included). Last, so that it seals every change above.
    access.set_file_id(writer, seal_id(writer))
    output = BytesIO()
    writer.write(output)
    return FinishedPdf(output.getvalue(), tuple(undone))


def _signature_fields(writer: pypdf.PdfWriter, rendered: RenderedPdf, document: TypesetDocument) -> list[str]:
    """Add the fields; a warning for each signing party the layout left no signature space for."""
    parties = signing_parties(document)
    spaces = first_spaces(rendered.signature_spaces)
    add_signature_fields(writer, spaces, parties, document.versions[0].lang)
    placed = {space.party for space in spaces}
    missing = [party for party in parties if party not in placed]
    undone = [
        f"signature fields: the layout shows no signature space for '{party}'; no field" for party in missing
    ]
    if not parties:
        undone.append("signature fields: no party signs this document; no field")
    return undone


_EMPTY_MAPPING = re.compile(rb"^<([0-9A-Fa-f]+)> <>", re.MULTILINE)


def well_formed(data: bytes) -> bytes:
    """A PDF made outside `finish` (a signature's stamp, drawn by WeasyPrint) with its streams as every
    validator reads them alike (`_well_formed_streams`)."""
    reader = pypdf.PdfReader(BytesIO(data))
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header
    _well_formed_streams(writer)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _well_formed_streams(writer: pypdf.PdfWriter) -> None:
    """Streams every validator reads alike (PDF/A): ToUnicode maps without empty entries, and no Flate
    stream whose data ends in a carriage return."""
    for item in access.objects(writer):
        if isinstance(item, DictionaryObject) and "/ToUnicode" in item and "/DescendantFonts" in item:
            cmap = item["/ToUnicode"].get_object()
            if isinstance(cmap, StreamObject) and _EMPTY_MAPPING.search(cmap.get_data()):
                own = _font_characters(descendant(item))
                cmap.set_data(_EMPTY_MAPPING.sub(functools.partial(_mapped, own=own), cmap.get_data()))
    contents = {id(stream) for page in writer.pages for stream in content_streams(page)}
    for item in access.objects(writer):
        if (
            isinstance(item, StreamObject)
            and item.get("/Filter") == "/FlateDecode"
            and access.raw_data(item)[-1:] == b"\r"
        ):
            _end_without_carriage_return(item, id(item) in contents)


def _font_characters(font: DictionaryObject) -> dict[int, int]:
    """Glyph id -> the character the embedded CIDFont's own cmap gives it."""
    from fontTools.ttLib import TTFont

    descriptor = access.dictionary(font["/FontDescriptor"])
    program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
    if program is None:
        return {}
    return glyph_characters(TTFont(BytesIO(program.get_object().get_data())))


def _mapped(entry: re.Match[bytes], own: dict[int, int]) -> bytes:
    """An empty ToUnicode entry given the character the font's cmap has for the glyph. WeasyPrint leaves
    it empty for the second glyph HarfBuzz makes of one character (Thai SARA AM ำ is drawn as NIKHAHIT and
    SARA AA) where clusters.py could not fold it: it then copies as U+0E4D U+0E32, the compatibility
    decomposition of U+0E33."""
    code = own.get(int(entry.group(1), 16))
    return b"<%s> <%04X>" % (entry.group(1), code if code is not None else 0xFFFD)


def _end_without_carriage_return(stream: StreamObject, content: bool) -> None:
    """Flate data ends with its Adler-32 checksum, which a data ending in CR gets one in four hundred
    times; validators that read CR LF before `endstream` as its end of line then count a byte short. A
    page's content stream gets a line break at its end (a different checksum); another stream is kept
    uncompressed where that ends otherwise."""
    plain = zlib.decompress(access.raw_data(stream))
    if content:
        access.set_raw_data(stream, zlib.compress(plain + b"\n"))
    elif plain[-1:] != b"\r" and "/DecodeParms" not in stream:
        del stream[NameObject("/Filter")]
        access.set_raw_data(stream, plain)


def _embed_sources(
    writer: pypdf.PdfWriter, sources: tuple[EmbeddedSource, ...], clock: datetime.datetime
) -> None:
    """Attach each source as a PDF/A-3 associated file of the document, dated by the build clock."""
    associated = ArrayObject()
    for source in sources:
        attachment = writer.add_attachment(source.name, source.data)
        attachment.subtype = NameObject("/" + source.media_type)
        attachment.alternative_name = TextStringObject(source.name)
        attachment.description = TextStringObject(source.description)
        attachment.associated_file_relationship = NameObject("/Source")
        attachment.size = NumberObject(len(source.data))
        attachment.checksum = ByteStringObject(hashlib.md5(source.data, usedforsecurity=False).digest())
        attachment.creation_date = clock
        attachment.modification_date = clock
        associated.append(attachment.pdf_object.indirect_reference)
    writer.root_object[NameObject("/AF")] = associated


def _drop_empty_resources(writer: pypdf.PdfWriter) -> None:
    """Remove the empty /Pattern, /Shading, ... dictionaries WeasyPrint leaves in page resources."""
    for page in writer.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        resources = resources.get_object()
        for key in [key for key, value in resources.items() if value.get_object() == {}]:
            del resources[key]


def _pdf_date(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("D:%Y%m%d%H%M%SZ")


def _xmp_date(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _alternatives(default: str, by_lang: list[tuple[str, str]]) -> str:
    items = [f'<rdf:li xml:lang="x-default">{escape(default)}</rdf:li>']
    items += [f'<rdf:li xml:lang="{escape(lang)}">{escape(text)}</rdf:li>' for lang, text in by_lang]
    return f"<rdf:Alt>{''.join(items)}</rdf:Alt>"


def _xmp(
    document: TypesetDocument,
    info: dict[str, str],
    clock: datetime.datetime,
    standard: Standard,
    keywords: tuple[str, ...],
    publisher: str | None,
) -> bytes:
    """An XMP packet carrying exactly the Info entries (PDF/A sync rules) plus per-language titles,
    and the identification of each standard the copy declares."""
    subjects = list(document.subjects())
    subject_words = "".join(f"<rdf:li>{escape(word)}</rdf:li>" for word in keywords)
    published = (
        f"\n   <dc:publisher><rdf:Bag><rdf:li>{escape(publisher)}</rdf:li></rdf:Bag></dc:publisher>"
        if publisher
        else ""
    )
    languages = "".join(f"<rdf:li>{escape(lang)}</rdf:li>" for lang in document.communique.languages)
    when = _xmp_date(clock)
    identification = _identification(standard, document.communique.id)
    trapped = "\n   <pdf:Trapped>False</pdf:Trapped>" if standard.x4 else ""
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <dc:format>application/pdf</dc:format>
   <dc:identifier>{escape(document.communique.id)}</dc:identifier>
   <dc:title>{_alternatives(info["/Title"], list(document.titles()))}</dc:title>
   <dc:creator><rdf:Seq><rdf:li>{escape(info["/Author"])}</rdf:li></rdf:Seq></dc:creator>
   <dc:description>{_alternatives(info["/Subject"], subjects)}</dc:description>
   <dc:subject><rdf:Bag>{subject_words}</rdf:Bag></dc:subject>{published}
   <dc:language><rdf:Bag>{languages}</rdf:Bag></dc:language>
   <dc:date><rdf:Seq><rdf:li>{document.communique.date.isoformat()}</rdf:li></rdf:Seq></dc:date>
   <pdf:Keywords>{escape(info["/Keywords"])}</pdf:Keywords>
   <pdf:Producer>{escape(info["/Producer"])}</pdf:Producer>{trapped}
   <xmp:CreatorTool>{escape(info["/Creator"])}</xmp:CreatorTool>
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
  </rdf:Description>{identification}
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")


PDFUA_EXTENSION = """
  <rdf:Description rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>Part of ISO 14289 followed</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>"""
"""PDF/A allows only predefined XMP schemas unless the file describes the others (ISO 19005-2 6.6.2.3.3):
an archival copy that also declares PDF/UA-1 describes its pdfuaid schema."""


def _identification(standard: Standard, identifier: str) -> str:
    """The XMP descriptions declaring `standard`: pdfaid (with the 2020 revision for PDF/A-4), pdfuaid
    (described for PDF/A), pdfxid with the document's identification PDF/X asks for (xmpMM, from the
    document's `identifier`: the same for every build of it)."""
    parts = []
    if standard.pdfa_part:
        revision = "\n   <pdfaid:rev>2020</pdfaid:rev>" if standard.pdfa_part == 4 else ""
        parts.append(
            f"""
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>{standard.pdfa_part}</pdfaid:part>
   <pdfaid:conformance>{standard.pdfa_conformance}</pdfaid:conformance>{revision}
  </rdf:Description>"""
        )
    if standard.ua:
        parts.append(
            """
  <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>"""
        )
        parts.append(PDFUA_EXTENSION if standard.pdfa_part else "")
    if standard.x4:
        parts.append(
            f"""
  <rdf:Description rdf:about="" xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
   <xmpMM:DocumentID>uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f"communique:{identifier}")}</xmpMM:DocumentID>
   <xmpMM:VersionID>1</xmpMM:VersionID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
  </rdf:Description>"""
        )
    return "".join(parts)


def _name_printing_condition(writer: pypdf.PdfWriter) -> None:
    """Name the PDF/X output intent's printing condition as the registry knows it (WeasyPrint names it
    after the CSS profile, 'device-cmyk')."""
    intents = writer.root_object.get("/OutputIntents")
    if not intents:
        raise FinishError(
            "the PDF/X-4 copy has no output intent: WeasyPrint did not take the CMYK profile",
            hint="report this as a bug; a print shop would reject the file",
        )
    for item in intents:
        intent = access.dictionary(item)
        intent[NameObject("/OutputConditionIdentifier")] = TextStringObject(PRINTING_CONDITION)
        intent[NameObject("/OutputCondition")] = TextStringObject(
            "Offset printing, ISO 12647-2:2004/Amd 1, coated paper (FOGRA39)"
        )
        intent[NameObject("/RegistryName")] = TextStringObject("http://www.color.org")
        intent[NameObject("/Info")] = TextStringObject(f"{PRINTING_CONDITION} (ISO 12647-2 coated offset)")


def _colour_managed_rgb(writer: pypdf.PdfWriter) -> None:
    """Give every page an sRGB DefaultRGB: WeasyPrint draws text, rules and images in DeviceRGB, which a
    PDF/X-4 copy with a CMYK output intent may use only as a colour-managed (ICC-based) space."""
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    space = ArrayObject([NameObject("/ICCBased"), access.add_object(writer, profile)])
    for page in writer.pages:
        resources = access.dictionary(page["/Resources"])
        if "/ColorSpace" not in resources:
            resources[NameObject("/ColorSpace")] = DictionaryObject()
        access.dictionary(resources["/ColorSpace"])[NameObject("/DefaultRGB")] = space


_GREY = re.compile(rb"(?<!\S)(\d*\.?\d+) \1 \1 (rg|RG)(?!\S)")


def _greys_in_black_ink(writer: pypdf.PdfWriter) -> None:
    """Greys and black that WeasyPrint draws in RGB (rules, page numbers, notices) set in black ink alone,
    as a press expects (in RGB they would separate into four inks): r = g = b becomes K = 1 - r."""

    def black_ink(match: re.Match[bytes]) -> bytes:
        level = 1 - float(match.group(1))
        operator = b"k" if match.group(2) == b"rg" else b"K"
        return b"0 0 0 " + f"{level:.6g}".encode() + b" " + operator

    streams = [stream for page in writer.pages for stream in content_streams(page)]
    for page in writer.pages:
        forms = access.dictionary(page["/Resources"]).get("/XObject", DictionaryObject())
        streams += [
            form.get_object()
            for form in forms.get_object().values()
            if form.get_object().get("/Subtype") == "/Form"
        ]
    for stream in {id(stream): stream for stream in streams}.values():
        before = stream.get_data()
        after = _GREY.sub(black_ink, before)
        if after != before:
            stream.set_data(after)


def _annotations_on_press_pages(writer: pypdf.PdfWriter) -> list[str]:
    """What a PDF/X-4 copy may not hold: annotations other than trap networks and printer's marks (a
    project layout's links); said as a warning, so that --strict refuses the copy."""
    found = []
    for number, page in enumerate(writer.pages, start=1):
        kinds = {str(access.dictionary(item).get("/Subtype")) for item in page.get("/Annots", ArrayObject())}
        other = sorted(kinds - PRESS_ANNOTATIONS)
        if other:
            found.append(
                f"PDF/X-4: page {number} has {', '.join(other)} annotations, which a press copy may not hold "
                "(remove the links from the layout for the print shop's copy)"
            )
    return found
