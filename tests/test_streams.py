"""Streams every PDF/A validator reads alike: no Flate data ending in a carriage return, no empty
ToUnicode entries (Thai SARA AM)."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable

import pypdf
from conftest import ROOT
from pypdf.generic import NameObject, StreamObject

from communique.finish import _end_without_carriage_return
from communique.model import BuildResult
from communique.verify import verify


def test_a_content_stream_never_ends_in_a_carriage_return() -> None:
    # Flate data ends with the data's Adler-32 checksum: find a content stream whose checksum ends in CR.
    texts = (
        b"BT /F1 12 Tf (%s) Tj ET" % hashlib.sha256(b"%d" % n).hexdigest().encode() for n in range(10_000)
    )
    plain = next(text for text in texts if zlib.compress(text)[-1:] == b"\r")
    stream = StreamObject()
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream._data = zlib.compress(plain)
    _end_without_carriage_return(stream, content=True)
    assert stream._data[-1:] != b"\r" and zlib.decompress(stream._data) == plain + b"\n"
    other = StreamObject()
    other[NameObject("/Filter")] = NameObject("/FlateDecode")
    other._data = zlib.compress(plain)
    _end_without_carriage_return(other, content=False)
    assert "/Filter" not in other and other._data == plain


def test_thai_archival_copy_is_valid_and_copies_sara_am_decomposed(
    build_seed: Callable[..., BuildResult],
) -> None:
    result = build_seed(ROOT / "seeds" / "languages" / "th-en.yaml", archival=True)
    report = verify(result.output)
    assert report.passed, report
    text = "".join(page.extract_text() for page in pypdf.PdfReader(result.output).pages)
    source = (ROOT / "seeds" / "languages" / "th-en.yaml").read_text(encoding="utf-8")
    assert source.count("ทำ") > 0 and text.count("ท\u0e4d\u0e32") >= 1  # ำ as U+0E4D U+0E32 (NFKD)
