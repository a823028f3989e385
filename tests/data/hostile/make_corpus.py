"""The bad-input corpus: data files (and images) that once crashed, hung or misled communique.

`python tests/data/hostile/make_corpus.py` rewrites the small cases in this folder (committed); the large
ones (`large_cases()`) are made by the tests at run time. Each case is a folder with `doc.yaml`, sometimes
with images; every case must end with exit 0 or 2, a file:line:column, no traceback, no "internal
error" and no file left behind (tests/test_hostile.py).
"""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = """\
id: hostile
date: 2024-05-01
languages: [ja, en]
place: {ja: 東京, en: Tokyo}
title: {ja: 共同声明, en: Joint Statement}
parties:
  - key: a
    name: {ja: 甲市, en: City A}
    country: {ja: 日本国, en: Japan}
    signatories:
      - title: {ja: 市長, en: Mayor}
        name: {ja: 山田太郎, en: Taro Yamada}
body:
  - ja: 両市は協力する。
    en: The two cities shall cooperate.
"""


def png(width: int = 32, height: int = 32, body: bytes | None = None) -> bytes:
    """A PNG of one grey colour, or with `body` in place of its pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = body if body is not None else zlib.compress(b"\0" + b"\x80" * width) * 1
    chunks = [(b"IHDR", header), (b"IDAT", pixels), (b"IEND", b"")]
    out = b"\x89PNG\r\n\x1a\n"
    for kind, data in chunks:
        out += struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return out


def with_seal(name: str) -> str:
    return BASE.replace("    signatories:", f"    seal: {name}\n    signatories:", 1)


def use_bomb() -> str:
    groups = ['<g id="g0"><rect width="1" height="1"/></g>']
    groups += [f'<g id="g{i}">' + f'<use href="#g{i - 1}"/>' * 10 + "</g>" for i in range(1, 12)]
    return f'<svg xmlns="http://www.w3.org/2000/svg"><defs>{"".join(groups)}</defs><use href="#g11"/></svg>'


def small_cases() -> dict[str, dict[str, bytes]]:
    """Case name -> files (relative name -> bytes)."""
    text: dict[str, str] = {
        "raw-nul": BASE.replace("Joint Statement", "Joint\0Statement"),
        "raw-escape": BASE.replace("Joint Statement", "Joint\x1b[31mStatement"),
        "escaped-nul-in-subject": BASE + 'subject: {ja: 件名, en: "Sub\\0ject"}\n',
        "c1-control": BASE.replace("City A", '"City\\x85A"'),
        "noncharacter-fffe": BASE.replace("Tokyo", '"Tok\\uFFFEyo"'),
        "bidi-override-in-place": BASE.replace("en: Tokyo", 'en: "Hel\\u202eikinsleH"'),
        "layout-with-newline": BASE + 'layout: "sequential\\n"\n',
        "layout-name-300-chars": BASE + f"layout: {'a' * 300}\n",
        "unknown-layout": BASE + "layout: sequentail\n",
        "nul-in-image-path": with_seal('"seal\\0.png"'),
        "png-garbage-body": with_seal("seal.png"),
        "svg-use-bomb": with_seal("bomb.svg"),
        "svg-file-reference": with_seal("passwd.svg"),
        "svg-network-reference": with_seal("net.svg"),
        "svg-entity-after-4k": with_seal("entity.svg"),
        "image-outside-folder": with_seal("../seal.png"),
        "image-absolute-path": with_seal("/etc/passwd"),
        "image-is-a-folder": with_seal("folder"),
        "image-path-6000-chars": with_seal("s" * 6000 + ".png"),
        "week-date": BASE.replace("2024-05-01", "2023-W34-1"),
        "compact-date": BASE.replace("2024-05-01", "20230821"),
        "impossible-date": BASE.replace("2024-05-01", "2023-02-30"),
        "era-before-table": BASE.replace("2024-05-01", "1850-01-01") + "japanese_era: true\n",
        "era-not-boolean": BASE + "japanese_era: maybe\n",
        "alias-bomb": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
        "python-tag": BASE + "subject: !!python/object:os.system {ja: x, en: y}\n",
        "tab-indentation": BASE.replace("  - key: a", "\t- key: a"),
        "duplicate-keys": BASE + "title: {ja: 再, en: Again}\n",
        "non-scalar-key": BASE + "? [a, b]\n: c\n",
        "list-at-the-top": "- a\n- b\n",
        "scalar-at-the-top": "just text\n",
        "empty": "",
        "only-a-comment": "# nothing here\n",
        "unknown-language": BASE.replace("[ja, en]", "[jp, en]"),
        "norwegian-key": BASE.replace("[ja, en]", "[ja, en, no]"),
        "integer-text": BASE.replace("Taro Yamada", "12345"),
        "missing-translation": BASE.replace("    en: The two cities shall cooperate.\n", ""),
        "unclosed-quote": BASE.replace("Joint Statement", '"Joint Statement'),
        "very-long-key": BASE + "x" * 5000 + ": 1\n",
    }
    cases = {name: {"doc.yaml": value.encode("utf-8")} for name, value in text.items()}
    cases["utf16-file"] = {"doc.yaml": BASE.encode("utf-16")}
    cases["latin1-file"] = {
        "doc.yaml": BASE.replace("東京", "Tōkyō").encode("latin-1", "replace") + b"\xe9\n"
    }
    cases["png-garbage-body"]["seal.png"] = png(body=b"not zlib at all" * 20)
    cases["svg-use-bomb"]["bomb.svg"] = use_bomb().encode()
    cases["svg-file-reference"]["passwd.svg"] = (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        b'<image href="file:///etc/passwd" width="9" height="9"/></svg>'
    )
    cases["svg-network-reference"]["net.svg"] = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(http://127.0.0.1:9/x)"/></svg>'
    )
    cases["svg-entity-after-4k"]["entity.svg"] = (
        b'<?xml version="1.0"?>\n<!-- ' + b"x" * 5000 + b' -->\n<!DOCTYPE svg [<!ENTITY a "aaaa">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>'
    )
    cases["image-is-a-folder"]["folder/.keep"] = b""
    return cases


def large_cases() -> dict[str, dict[str, bytes]]:
    """Cases too large to commit: made at test time."""
    return {
        "nested-brackets-30000": {"doc.yaml": b"id: x\nbody: " + b"[" * 30000 + b"\n"},
        "nested-blocks-40": {
            "doc.yaml": "".join(f"{'  ' * i}k{i}:\n" for i in range(40)).encode() + b"    x\n"
        },
        "text-field-3-mb": {"doc.yaml": BASE.replace("Joint Statement", "x" * 3_000_000).encode()},
        "blocks-60000": {
            "doc.yaml": (
                BASE[: BASE.index("body:")]
                + "body:\n"
                + "".join(f"  - {{ja: 協{number}, en: C{number}}}\n" for number in range(60_000))
            ).encode()
        },
        "text-50000-chars": {
            "doc.yaml": BASE.replace("The two cities shall cooperate.", "word " * 10_000).encode()
        },
    }


def write(cases: dict[str, dict[str, bytes]], folder: Path) -> None:
    """Write each case as folder/<case>/<files>."""
    for name, files in cases.items():
        case = folder / name
        shutil.rmtree(case, ignore_errors=True)
        for relative, data in files.items():
            (case / relative).parent.mkdir(parents=True, exist_ok=True)
            (case / relative).write_bytes(data)


if __name__ == "__main__":
    write(small_cases(), HERE / "cases")
