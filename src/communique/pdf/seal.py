"""The seal of a finished PDF: a digest of its pages, its source files, the rest of its structure and its
metadata, kept in the trailer's /ID so that `verify` can recompute it from the file and name what changed.

/ID[0] = pages (6 bytes) + sources (5) + structure (5): the content, unchanged by the build clock, and
kept by tools that re-save a PDF (qpdf, pikepdf). /ID[1] = metadata (16 bytes): Info, XMP and the
embedded files' dates; tools that re-save a PDF replace it.

Each part is the SHA-256 of a canonical walk of the part's objects: dictionaries in key order, indirect
objects by first-visit number (not object number), strings by their bytes, numbers as pypdf writes them,
streams by their data with FlateDecode layers removed (so re-compressing a stream changes nothing). The
walk reads the same from a pypdf writer about to write and from a reader of the written file, so the
build can seal what it writes and `verify` can check it. The seal has no key: it shows changes made by
tools and hands, not by someone who recomputes it; `verify --rebuild` and a signature go further.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any

from communique.errors import CommuniqueError

if TYPE_CHECKING:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

PARTS = ("pages", "sources", "structure", "metadata")
PART_BYTES = {"pages": 6, "sources": 5, "structure": 5, "metadata": 16}
ID_BYTES = 16
# Streams decoding to more than this are sealed by their encoded bytes; the walk never holds more.
STREAM_DECODE_LIMIT = 128 * 1024 * 1024
# Once the streams of one part have decoded to this much in all, the rest are sealed encoded.
TOTAL_DECODE_LIMIT = 1024 * 1024 * 1024
# Keys set aside from the sources part into the metadata part: the build clock's dates.
_DATE_KEYS = frozenset({"/CreationDate", "/ModDate"})
_STREAM_KEYS = frozenset({"/Length", "/Filter", "/DecodeParms", "/DL"})
_FLATE = frozenset({"/FlateDecode", "/Fl"})
_PIKEPDF_STREAM = re.compile(r"^stream <[^>]*>:\s*")


class UnreadablePdfError(CommuniqueError):
    """The file is not a PDF that can be read."""


class EncryptedPdfError(UnreadablePdfError):
    """The file is encrypted: communique neither builds nor reads encrypted PDFs."""


@dataclass(frozen=True)
class Seal:
    """The four digests of a PDF's seal, each PART_BYTES[part] long."""

    pages: bytes
    sources: bytes
    structure: bytes
    metadata: bytes

    def ids(self) -> tuple[bytes, bytes]:
        """The trailer's /ID pair that records this seal."""
        return self.pages + self.sources + self.structure, self.metadata

    def differences(self, other: Seal) -> tuple[str, ...]:
        """The names of the parts (from PARTS) that differ between the two seals."""
        return tuple(part for part in PARTS if getattr(self, part) != getattr(other, part))


def open_pdf(data: bytes, origin: str) -> PdfReader:
    """A pypdf reader of `data`; UnreadablePdfError if it is not a PDF, EncryptedPdfError if encrypted.

    pikepdf looks first: pypdf tries the empty password on encrypted files and may fail obscurely."""
    import pikepdf
    import pypdf

    from communique.pdf import access

    if b"%PDF-" not in data[:1024]:
        raise UnreadablePdfError(f"{origin} is not a readable PDF (no %PDF- header)", hint="is it a PDF?")
    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            encrypted = pdf.is_encrypted
    except pikepdf.PasswordError as error:
        raise EncryptedPdfError(
            f"{origin} is encrypted with a password",
            hint="communique builds no encrypted PDFs and PDF/A forbids encryption; to look inside, "
            "decrypt a copy first: qpdf --password=PASSWORD --decrypt IN.pdf OUT.pdf",
        ) from error
    except (pikepdf.PdfError, RuntimeError) as error:  # qpdf's runtime errors too (a wrong /Count)
        reason = _PIKEPDF_STREAM.sub("", str(error))
        raise UnreadablePdfError(f"{origin} is not a readable PDF ({reason})", hint="is it a PDF?") from error
    if encrypted:
        raise EncryptedPdfError(
            f"{origin} is encrypted",
            hint="communique builds no encrypted PDFs and PDF/A forbids encryption; to look inside, "
            "decrypt a copy first: qpdf --decrypt IN.pdf OUT.pdf",
        )
    try:
        return pypdf.PdfReader(BytesIO(data))
    except access.UNREADABLE as error:
        raise UnreadablePdfError(f"{origin} is not a readable PDF ({error})", hint="is it a PDF?") from error


def seal_id(writer: PdfWriter) -> ArrayObject:
    """The /ID that seals what `writer` is about to write: call it last, after every change."""
    from pypdf.generic import ArrayObject, ByteStringObject

    first, second = compute_seal(writer).ids()
    return ArrayObject([ByteStringObject(first), ByteStringObject(second)])


def recorded_seal(reader: PdfReader) -> Seal | None:
    """The seal the file's /ID records, or None if its /ID cannot be one (missing, wrong length)."""
    from pypdf.generic import ArrayObject, ByteStringObject, TextStringObject

    ids = reader.trailer.get("/ID")
    ids = ids.get_object() if ids is not None else None
    if not isinstance(ids, ArrayObject) or len(ids) != 2:
        return None
    values = [value.get_object() for value in ids]
    if not all(isinstance(value, ByteStringObject | TextStringObject) for value in values):
        return None
    first, second = (bytes(value.original_bytes) for value in values)
    if len(first) != ID_BYTES or len(second) != ID_BYTES:
        return None
    pages, sources = PART_BYTES["pages"], PART_BYTES["sources"]
    return Seal(first[:pages], first[pages : pages + sources], first[pages + sources :], second)


def compute_seal(document: PdfReader | PdfWriter) -> Seal:
    """The seal of a pypdf reader's or writer's document, computed from its objects."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    root = document.root_object
    pages = list(document.pages)
    associated = root.get("/AF")
    associated = associated.get_object() if associated is not None else None
    specs = list(associated) if isinstance(associated, ArrayObject) else []
    landmarks: dict[tuple[int, int], bytes] = {}
    for number, page in enumerate(pages):
        if page.indirect_reference is not None:
            landmarks[_key(page.indirect_reference)] = b"page %d" % number
    for number, spec in enumerate(specs):
        if isinstance(spec, IndirectObject):
            landmarks[_key(spec)] = b"source %d" % number
    if root.indirect_reference is not None:
        landmarks[_key(root.indirect_reference)] = b"catalog"
    xmp_reference = root.raw_get("/Metadata") if "/Metadata" in root else None
    if isinstance(xmp_reference, IndirectObject):
        landmarks[_key(xmp_reference)] = b"xmp"

    pages_walk = _Walk("pages", landmarks, skip_in_pages=True)
    for page in pages:
        pages_walk.direct(page)
    sources_walk = _Walk("sources", landmarks, set_aside=_DATE_KEYS)
    for spec in specs:
        sources_walk.direct(spec.get_object())
    structure_walk = _Walk("structure", landmarks)
    structure_walk.direct(DictionaryObject({key: value for key, value in root.items() if key != "/Metadata"}))
    metadata_walk = _Walk("metadata", landmarks)
    metadata_walk.direct(document.metadata)
    metadata_walk.direct(xmp_reference.get_object() if xmp_reference is not None else None)
    for value in sources_walk.aside:
        metadata_walk.direct(value)
    walks = (pages_walk, sources_walk, structure_walk, metadata_walk)
    return Seal(*(walk.digest() for walk in walks))


def _key(reference: Any) -> tuple[int, int]:
    return int(reference.idnum), int(reference.generation)


@dataclass
class _Walk:
    """A canonical, depth-first walk of PDF objects into one SHA-256 (iterative: no recursion limit)."""

    part: str
    landmarks: dict[tuple[int, int], bytes]
    """Objects sealed by another part (or by position in this one), written as their label."""
    skip_in_pages: bool = False
    set_aside: frozenset[str] = frozenset()
    aside: list[Any] = field(default_factory=list)
    """The values of `set_aside` keys met in the walk, in order (sealed by another part)."""
    visited: dict[tuple[int, int], int] = field(default_factory=dict)
    decoded: int = 0
    hasher: Any = field(default_factory=hashlib.sha256)

    def digest(self) -> bytes:
        """This part's digest."""
        return bytes(self.hasher.digest()[: PART_BYTES[self.part]])

    def direct(self, start: Any) -> None:
        """Walk `start` and everything it reaches."""
        from pypdf.generic import (
            ArrayObject,
            BooleanObject,
            ByteStringObject,
            DictionaryObject,
            FloatObject,
            IndirectObject,
            NameObject,
            NullObject,
            NumberObject,
            TextStringObject,
        )

        pending: list[Any] = [start]
        while pending:
            item = pending.pop()
            if isinstance(item, _Token):
                self._put(item.tag, item.payload)
            elif isinstance(item, IndirectObject):
                key = _key(item)
                if key in self.landmarks:
                    self._put(b"L", self.landmarks[key])
                elif key in self.visited:
                    self._put(b"R", b"%d" % self.visited[key])
                else:
                    self.visited[key] = len(self.visited)
                    self._put(b"O", b"%d" % self.visited[key])
                    pending.append(item.get_object())
            elif item is None or isinstance(item, NullObject):
                self._put(b"N", b"")
            elif isinstance(item, BooleanObject):
                self._put(b"B", b"1" if item else b"0")
            elif isinstance(item, NumberObject | FloatObject):  # as written: a whole float reads as int
                written = BytesIO()
                item.write_to_stream(written)
                self._put(b"#", written.getvalue())
            elif isinstance(item, NameObject):
                self._put(b"/", item.encode("utf-8", "surrogatepass"))
            elif isinstance(item, TextStringObject | ByteStringObject):
                self._put(b"S", bytes(item.original_bytes))
            elif isinstance(item, DictionaryObject):
                pending.extend(reversed(self._dictionary(item)))
            elif isinstance(item, ArrayObject):
                pending.extend(reversed(item))
                pending.append(_Token(b"A", b"%d" % len(item)))
            else:  # a value pypdf would not write: seal its type, never fail
                self._put(b"?", type(item).__name__.encode())

    def _dictionary(self, item: DictionaryObject) -> list[Any]:
        """The tokens and values of a dictionary (and a stream's data), in walk order."""
        from pypdf.generic import StreamObject

        skipped = set(_STREAM_KEYS) if isinstance(item, StreamObject) else set()
        if self.skip_in_pages and item.get("/Type") in ("/Page", "/Pages"):
            skipped.add("/Parent")
        keys = sorted(str(key) for key in dict.keys(item) if str(key) not in skipped)  # TreeObject: children
        walked: list[Any] = []
        for key in keys:
            if key in self.set_aside:
                self.aside.append(item.raw_get(key))
                continue
            walked += [_Token(b"K", key.encode("utf-8", "surrogatepass")), item.raw_get(key)]
        walked.insert(0, _Token(b"D", b"%d" % (len(walked) // 2)))
        if isinstance(item, StreamObject):
            walked += self._stream(item)
        return walked

    def _stream(self, stream: StreamObject) -> list[Any]:
        """A stream's remaining filters and parameters, then its data's digest, as walk items."""
        from pypdf.generic import ArrayObject

        from communique.pdf import access

        filters = stream.get("/Filter")
        filters = filters.get_object() if filters is not None else None
        names = list(filters) if isinstance(filters, ArrayObject) else [] if filters is None else [filters]
        parms = stream.get("/DecodeParms")
        parms = parms.get_object() if parms is not None else None
        parameters = list(parms) if isinstance(parms, ArrayObject) else [parms] * len(names)
        parameters += [None] * (len(names) - len(parameters))
        data = access.raw_data(stream)
        while names and str(names[0]) in _FLATE and _no_parameters(parameters[0]):
            budget = min(STREAM_DECODE_LIMIT, TOTAL_DECODE_LIMIT - self.decoded)
            inflated = inflate(data, budget)
            if inflated is None:
                break
            self.decoded += len(inflated)
            data = inflated
            names, parameters = names[1:], parameters[1:]
        return [
            _Token(b"s", b"%d" % len(names)),
            ArrayObject(names),
            ArrayObject(parameters),
            _Token(b"d", hashlib.sha256(data).digest()),
        ]

    def _put(self, tag: bytes, payload: bytes) -> None:
        self.hasher.update(tag + len(payload).to_bytes(8, "big") + payload)


@dataclass(frozen=True)
class _Token:
    """Bytes to seal at a point of the walk."""

    tag: bytes
    payload: bytes


def _no_parameters(parameters: Any) -> bool:
    """Whether FlateDecode has nothing to undo after inflating (no predictor)."""
    from pypdf.generic import DictionaryObject, NumberObject

    parameters = parameters.get_object() if parameters is not None else None
    if not isinstance(parameters, DictionaryObject):
        return True
    predictor = parameters.get("/Predictor")
    predictor = predictor.get_object() if predictor is not None else None
    return predictor is None or (isinstance(predictor, NumberObject) and int(predictor) == 1)


def inflate(data: bytes, limit: int) -> bytes | None:
    """`data` inflated (zlib), or None if that is not well-formed zlib or exceeds `limit` bytes."""
    if limit < 0:
        return None
    decompressor = zlib.decompressobj()
    try:
        inflated = decompressor.decompress(data, limit + 1)
    except zlib.error:
        return None
    if len(inflated) > limit or not decompressor.eof:
        return None
    return inflated
