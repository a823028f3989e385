"""The structures real instruments need (issue 10): body blocks and their numbering, alignment groups,
pending translations, signature blocks as printed (proxies, witnesses, parties that sign nothing, unsigned
documents), several instruments in one file; each read from the data, then seen in the PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from conftest import ROOT, write_data
from pdftools import assert_in_order, compact, lines_of, page_glyphs, page_texts, unwrapped

from communique.errors import ErrorList
from communique.loader import load
from communique.model import BuildResult
from communique.typeset import typeset

HEAD = """\
id: doc
date: 2024-05-01
languages: [ja, en]
title: {ja: 協定, en: Agreement}
"""
PARTIES = """\
parties:
  - key: a
    name: {ja: 甲市, en: City A}
    country: {ja: 日本国, en: Japan}
    signatories:
      - title: {ja: 甲市長, en: Mayor of A}
        name: {ja: 山田　太郎, en: Taro Yamada}
  - key: b
    name: {ja: 乙市, en: City B}
    country: {ja: 日本国, en: Japan}
    signatories:
      - title: {ja: 乙市長, en: Mayor of B}
        name: {ja: 佐藤　花子, en: Hanako Sato}
"""
BLOCKS = """\
body:
  - preamble: {ja: 両市は、友好を確認し、, en: "Affirming their friendship,"}
  - heading: {ja: 総則, en: General Provisions}
    numbering: roman
  - article: {ja: 目的, en: Purpose}
  - clause: {ja: 両市は協力する。, en: The cities shall cooperate.}
  - clause:
      ja: 両市は交流する。
      en: [The cities shall hold exchanges., They shall report yearly.]
  - list: parenthesized
    items:
      - {ja: 文化, en: culture}
      - {ja: 経済, en: the economy}
  - article: true
  - clause: {ja: 効力を生ずる。, en: It takes effect.}
  - list: alpha
    items:
      - {ja: 教育, en: education}
      - {ja: 観光, en: tourism}
  - list: letter
    items:
      - {ja: 環境, en: environment}
"""


def versions(tmp_path: Path, text: str) -> dict[str, list[tuple[str, str, str]]]:
    """Per language: (kind, label, text) of each block."""
    document = typeset(load(write_data(tmp_path, text)))
    return {
        version.lang: [
            (block.kind, block.label.text if block.label else "", "|".join(p.text for p in block.paragraphs))
            for block in version.blocks
        ]
        for version in document.versions
    }


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ErrorList) as caught:
        load(write_data(tmp_path, text))
    return [str(problem) for problem in caught.value.problems]


def test_blocks_are_numbered_per_language(tmp_path: Path) -> None:
    found = versions(tmp_path, HEAD + PARTIES + BLOCKS)
    assert found["ja"] == [
        ("preamble", "", "両市は、友好を確認し、"),
        ("heading", "Ⅰ\u3000", "総則"),
        ("article", "第1条\u3000", "目的"),
        ("clause", "1\u3000", "両市は協力する。"),
        ("clause", "2\u3000", "両市は交流する。"),
        ("item", "（1）", "文化"),
        ("item", "（2）", "経済"),
        ("article", "第2条", ""),
        ("clause", "1\u3000", "効力を生ずる。"),
        ("item", "ア\u3000", "教育"),
        ("item", "イ\u3000", "観光"),
        ("item", "a.\u3000", "環境"),
    ]
    assert found["en"][1:6] == [
        ("heading", "I. ", "General Provisions"),
        ("article", "Article 1\n", "Purpose"),
        ("clause", "1. ", "The cities shall cooperate."),
        ("clause", "2. ", "The cities shall hold exchanges.|They shall report yearly."),
        ("item", "(1) ", "culture"),
    ]
    assert found["en"][7:] == [
        ("article", "Article 2", ""),
        ("clause", "1. ", "It takes effect."),
        ("item", "(a) ", "education"),
        ("item", "(b) ", "tourism"),
        ("item", "a. ", "environment"),
    ]


def test_article_labels_for_other_languages_come_from_the_data(tmp_path: Path) -> None:
    text = HEAD.replace("en", "fi").replace("Agreement", "Sopimus") + (
        PARTIES.replace("en: ", "fi: ") + "body:\n  - article: {ja: 目的, fi: Tarkoitus}\n"
    )
    found = problems(tmp_path, text)
    assert len(found) == 1 and "no built-in article label for 'fi'" in found[0] and ":19:5:" in found[0]
    assert "article_format: {fi: ...}" in found[0]
    fixed = typeset(load(write_data(tmp_path, text + "article_format: {fi: '{n} artikla'}\n")))
    label = fixed.versions[1].blocks[0].label
    assert label and label.text == "1 artikla\n"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "  - heading: {ja: 見出し, en: Heading}\n    clause: {ja: 本文, en: Text}\n",
            "is both heading and clause",
        ),
        ("  - heading: {ja: 見出し, en: Heading}\n    ja: 本文\n", "has texts beside `heading`"),
        ("  - ja: 本文\n    en: Text\n    numbering: roman\n", "`numbering` in block 1 belongs to a heading"),
        ("  - list: bullet\n", "`list` and `items` go together"),
        ("  - article: false\n", "write `article: true`"),
        ("  - headng: {ja: 見出し, en: Heading}\n", "did you mean 'heading'?"),
        ("  - list: bulleted\n    items: [{ja: 一, en: one}]\n", "cannot be 'bulleted'"),
        ("  - clause: {ja: 本文}\n", "block 1 'clause' has no 'en' text"),
    ],
)
def test_a_wrong_block_is_a_located_error(tmp_path: Path, block: str, expected: str) -> None:
    found = problems(tmp_path, HEAD + PARTIES + "body:\n" + block)
    assert any(expected in message for message in found), found
    assert all(":19:" in message or ":20:" in message for message in found), found


def test_top_level_text_fields_move_into_instruments(tmp_path: Path) -> None:
    text = (
        HEAD
        + PARTIES
        + "closing: none\ninstruments:\n  - title: {ja: 宣言, en: Declaration}\n"
        + ("    body: [{ja: 本文, en: Text}]\n")
    )
    found = problems(tmp_path, text)
    assert len(found) == 1 and "'closing' belongs in each instrument" in found[0] and ":18:1:" in found[0]
    assert "has no 'body'" in problems(tmp_path, HEAD + PARTIES)[0]


def test_pending_languages_may_leave_blocks_out(tmp_path: Path) -> None:
    text = HEAD + PARTIES + 'pending: {en: "[English translation pending]"}\nbody:\n'
    text += "  - {ja: 一段落目, en: First.}\n  - ja: 二段落目\n  - ja: 三段落目\n  - article: {ja: 目的}\n"
    document = typeset(load(write_data(tmp_path, text)))
    english = document.versions[1]
    assert english.pending_notice and english.pending_notice.text == "[English translation pending]"
    assert [block.kind for block in english.blocks] == ["paragraph", "pending", "pending", "article"]
    assert english.blocks[3].label and english.blocks[3].label.text == "Article 1"
    assert "has no 'en' text" in problems(tmp_path, text.replace("pending: {en:", "pendin: {en:"))[-1]


def test_signature_blocks_as_printed(tmp_path: Path) -> None:
    parties = PARTIES.replace(
        "        name: {ja: 山田　太郎, en: Taro Yamada}\n",
        "        name: {ja: 山田　太郎, en: Taro Yamada}\n"
        "        on_behalf_of:\n"
        "          title: {ja: 甲市長, en: Mayor of A}\n"
        "          name: {ja: 鈴木　一郎, en: Ichiro Suzuki}\n",
    ).replace(
        "      - title: {ja: 甲市長, en: Mayor of A}\n",
        '      - title: {ja: "日本国\\n甲市副市長", en: Deputy Mayor}\n',
    )
    parties = parties.replace(
        "        name: {ja: 佐藤　花子, en: Hanako Sato}\n",
        "        name: {ja: 佐藤　花子, en: Hanako Sato}\n        printed: {en: 'Hanako Sato, Mayor'}\n"
        "        name_position: {ja: before}\n",
    )
    text = HEAD + parties + "body: [{ja: 本文, en: Text.}]\n"
    text += "witnesses:\n  - {title: {ja: 領事, en: Consul}, name: {ja: 田中　次郎, en: Jiro Tanaka}}\n"
    document = typeset(load(write_data(tmp_path, text)))
    japanese, english = document.versions
    assert [block.lines for block in japanese.signatures] == [
        ("甲市長\u3000鈴木　一郎\u3000代理", "日本国\n甲市副市長", "山田　太郎"),
        ("佐藤　花子", "乙市長"),
    ]
    assert japanese.signatures[0].roles == ("principal", "office", "name")
    assert [block.lines for block in english.signatures] == [
        ("Ichiro Suzuki", "Mayor of A", "represented by", "Taro Yamada", "Deputy Mayor"),
        ("Hanako Sato, Mayor",),
    ]
    assert japanese.witness_label and japanese.witness_label.text == "立会人"
    assert english.witness_label and english.witness_label.text == "Witnesses"
    assert [block.lines for block in english.witnesses] == [("Jiro Tanaka", "Consul")]


def test_parties_that_sign_nothing_and_unsigned_documents(tmp_path: Path) -> None:
    b_signs = "      - title: {ja: 乙市長, en: Mayor of B}\n        name: {ja: 佐藤　花子, en: Hanako Sato}\n"
    one_signs = PARTIES.replace("    signatories:\n" + b_signs, "    signatories: []\n")
    text = HEAD + one_signs + "body: [{ja: 本文, en: Text.}]\nsignature_order: {en: [a]}\n"
    document = typeset(load(write_data(tmp_path, text)))
    assert [[block.party_key for block in v.signatures] for v in document.versions] == [["a"], ["a"]]
    assert document.versions[0].authors == ("甲市", "乙市")  # still a party, named in the metadata
    a_signs = "      - title: {ja: 甲市長, en: Mayor of A}\n        name: {ja: 山田　太郎, en: Taro Yamada}\n"
    nobody = one_signs.replace("    signatories:\n" + a_signs, "")
    document = typeset(load(write_data(tmp_path, HEAD + nobody + "body: [{ja: 本文, en: Text.}]\n")))
    assert all(v.signatures == () for v in document.versions)


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory, build_seed: Callable[..., BuildResult]) -> BuildResult:
    folder = tmp_path_factory.mktemp("several")
    first = "  - title: {ja: 共同宣言, en: Joint Declaration}\n    body:\n"
    first += "      - {ja: 宣言する。, en: We declare.}\n"
    second = (
        "  - title: {ja: 覚書, en: Memorandum}\n    body:\n"
        + "".join(
            f"      - clause: {{ja: 第{n}項の内容を定める。, en: Clause {n} provides.}}\n"
            for n in range(1, 4)
        )
        + "    closing: {en: 'Signed in duplicate.'}\n    signed_by: [a]\n"
    )
    text = HEAD + PARTIES + "instruments:\n" + first + second
    return build_seed(write_data(folder, text), layout="sequential")


def test_several_instruments_in_one_pdf(several: BuildResult) -> None:
    texts = [compact(text) for text in page_texts(several.output)]
    assert_in_order(
        "".join(texts), ["共同宣言", "宣言する。", "JointDeclaration", "覚書", "1第1項", "Memorandum"]
    )
    memorandum = "".join(texts[3:])
    assert "Signedinduplicate." in memorandum and "HanakoSato" not in memorandum  # signed by A alone
    reader = pypdf.PdfReader(several.output)
    assert [item.title for item in reader.outline if not isinstance(item, list)] == [
        "日本語: 共同宣言",
        "English: Joint Declaration",
        "日本語: 覚書",
        "English: Memorandum",
    ]
    assert reader.metadata and reader.metadata.title == "協定"
    labels = [reader.page_labels[index] for index in range(len(reader.pages))]
    assert labels == ["1-JA-1", "1-EN-1", "2-JA-1", "2-EN-1"]


def test_a_long_version_numbers_its_pages_on(build_seed: Callable[..., BuildResult]) -> None:
    reader = pypdf.PdfReader(build_seed(ROOT / "seeds" / "mou-proxy-signature.yaml").output)
    labels = [reader.page_labels[index] for index in range(len(reader.pages))]
    assert labels[:2] == ["JA-1", "JA-2"] and labels[-2:] == ["EN-2", "EN-3"]


def test_pending_notice_and_alignment_group_in_the_pdf(build_seed: Callable[..., BuildResult]) -> None:
    source = ROOT / "seeds" / "translation-pending.yaml"
    pdf = build_seed(source).output
    text = compact("".join(page_texts(pdf)))
    english = typeset(load(source)).versions[1]
    notice = compact(english.pending_notice.text if english.pending_notice else "")
    pending = sum(block.pending for block in english.blocks)
    # The notice once, under the title; each run of blocks left out marked […] where it stands.
    assert pending >= 3 and text.count(notice) == 1 and "[…]" in text
    group = next(block for block in english.blocks if len(block.paragraphs) == 3)
    right_column = "\n".join(
        "".join(glyph.char for glyph in line if glyph.x > 300)
        for glyphs in page_glyphs(pdf)
        for line in lines_of(glyphs)
    )

    def plain(text: str) -> str:  # unwrapping drops a hyphen that ends a line: compare without them
        return compact(text).replace("-", "")

    assert_in_order(plain(unwrapped(right_column)), [plain(p.text) for p in group.paragraphs])


def test_one_language_document(build_seed: Callable[..., BuildResult]) -> None:
    pdf = build_seed(ROOT / "seeds" / "single-language-declaration.yaml").output
    reader = pypdf.PdfReader(pdf)
    assert [item.title for item in reader.outline if not isinstance(item, list)] == ["English"]
    assert "Kazuo Ishikura, Mayor of Tsurugaoka" in "".join(page_texts(pdf))


@pytest.mark.parametrize(
    ("seed", "words"),
    [
        ("ko-en", ("제목", "본문", "서명")),
        ("ar-en", ("العنوان", "النص", "التوقيعات")),
        ("zh-hant-en", ("標題", "正文", "簽署")),
    ],
)
def test_outline_labels_in_the_versions_language(seed: str, words: tuple[str, str, str]) -> None:
    version = typeset(load(ROOT / "seeds" / "languages" / f"{seed}.yaml")).versions[0]
    assert (version.outline.title, version.outline.body, version.outline.signatures) == words
