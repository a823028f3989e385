"""The one place that reaches into pypdf's private attributes, and typed access to PDF objects.

pypdf (7.1) has no public way to list a writer's objects, add an indirect object, put a new object in
place of an existing one, set the file identifier, or read and write a stream's encoded data; the helpers
here name what is used. pikepdf has public APIs for these, but finish, fonts and clusters work on one
pypdf writer from end to end; moving them is a larger change than this boundary, so pypdf's private names
stay here, where a pypdf upgrade has one place to look.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pypdf
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject, StreamObject

UNREADABLE = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)
"""What pypdf raises, or reading what it returns raises, for a damaged PDF (found by make fuzz: a
LimitReachedError besides PdfReadError, a KeyError for a missing entry, RecursionError for a loop)."""


def unreadable_fonts() -> tuple[type[BaseException], ...]:
    """UNREADABLE, and what fontTools raises for an embedded font it cannot read or write: what the
    rewrites of fonts catch to leave a PDF as it is and say so."""
    from fontTools.ttLib import TTLibError

    return (*UNREADABLE, struct.error, TTLibError)


def objects(writer: pypdf.PdfWriter) -> Iterator[PdfObject]:
    """Every object of `writer` (a snapshot: objects may be added while iterating)."""
    yield from (item for item in list(writer._objects) if item is not None)


def add_object(writer: pypdf.PdfWriter, item: PdfObject) -> IndirectObject:
    """`item` added to `writer` as an indirect object."""
    return writer._add_object(item)


def replace_object(writer: pypdf.PdfWriter, reference: IndirectObject, item: PdfObject) -> None:
    """`item` put in the place of the indirect object `reference` names."""
    writer._replace_object(reference, item)


def info_dictionary(writer: pypdf.PdfWriter) -> DictionaryObject:
    """The writer's own document information dictionary (pypdf's `metadata` gives a copy with strings
    only; PDF/X needs the name /Trapped in it)."""
    if writer._info is None:
        writer.metadata = {}
    return dictionary(writer._info)


def free_object(writer: pypdf.PdfWriter, reference: IndirectObject) -> None:
    """Leave `reference`'s object out of the file (a free entry of the cross-reference table)."""
    writer._objects[reference.idnum - 1] = None


def set_file_id(writer: pypdf.PdfWriter, identifier: ArrayObject) -> None:
    """The file identifier (/ID) `writer` writes (pypdf's own would be random)."""
    writer._ID = identifier


def raw_data(item: StreamObject) -> bytes:
    """A stream's data as stored in the file (still encoded)."""
    return bytes(item._data)


def set_raw_data(item: StreamObject, data: bytes) -> None:
    """A stream's stored data replaced by `data`, already encoded as its /Filter says."""
    item._data = data


def stream(value: object) -> StreamObject:
    """`value` (or what it refers to) as a stream; TypeError when it is none."""
    value = value.get_object() if isinstance(value, IndirectObject) else value
    if not isinstance(value, StreamObject):
        raise TypeError(f"a stream was expected, not {type(value).__name__}")
    return value


def dictionary(value: object) -> DictionaryObject:
    """`value` (or what it refers to) as a dictionary; TypeError when it is none."""
    value = value.get_object() if isinstance(value, IndirectObject) else value
    if not isinstance(value, DictionaryObject):
        raise TypeError(f"a dictionary was expected, not {type(value).__name__}")
    return value


def array(value: object) -> ArrayObject:
    """`value` (or what it refers to) as an array; TypeError when it is none."""
    value = value.get_object() if isinstance(value, IndirectObject) else value
    if not isinstance(value, ArrayObject):
        raise TypeError(f"an array was expected, not {type(value).__name__}")
    return value
