"""Loading data files: the seed, and every kind of bad input located to file:line:column."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from conftest import SEED, write_data

from communique.errors import ErrorList
from communique.loader import load
from communique.project import BuildContext, Project

MINIMAL = """\
id: minimal
date: 2024-01-02
languages: [en, fi]
place: {en: Helsinki, fi: Helsinki}
title: {en: Title, fi: Otsikko}
parties:
  - key: a
    name: {en: City A, fi: Kaupunki A}
    country: {en: Land A, fi: Maa A}
    signatories:
      - title: {en: Mayor, fi: Pormestari}
        name: {en: Ann, fi: Ann}
body:
  - en: Text.
    fi: Teksti.
closing: {en: Signed., fi: Allekirjoitettu.}
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ErrorList) as caught:
        load(write_data(tmp_path, text))
    return [str(problem) for problem in caught.value.problems]


def only_problem(tmp_path: Path, text: str) -> str:
    found = problems(tmp_path, text)
    assert len(found) == 1, found
    return found[0]


def test_seed_loads_with_alternat() -> None:
    communique = load(SEED)
    assert communique.languages == ("ja", "en")
    assert communique.date == datetime.date(2023, 8, 21)
    (instrument,) = communique.instruments
    assert len(instrument.body) == 5 and {block.kind for block in instrument.body} == {"paragraph"}
    assert [party.key for party in instrument.party_order(communique.parties, "ja")] == ["tokyo", "helsinki"]
    assert [party.key for party in instrument.party_order(communique.parties, "en")] == ["helsinki", "tokyo"]
    assert communique.title.value("ja").splitlines() == [
        "東京都（日本国）とヘルシンキ市（フィンランド共和国）との",
        "共同コミュニケ",
    ]


def test_minimal_document_in_other_languages(tmp_path: Path) -> None:
    communique = load(write_data(tmp_path, MINIMAL))
    assert communique.languages == ("en", "fi")
    assert communique.layout is None  # no layout given: the project's default decides
    assert BuildContext(Project.discover(tmp_path)).layout_for(communique.layout) == "sequential"
    assert [text.value for text in communique.instruments[0].body[0].of("fi") or ()] == ["Teksti."]


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("title: {en: Title, fi: Otsikko}", "title: {en: Title"))
    assert message.startswith(f"{tmp_path / 'doc.yaml'}:6:")
    assert "YAML syntax error" in message and "hint:" in message


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            ("body:\n  - ", "body:\n\t- "),
            ":14:1: YAML syntax error: a tab character, where YAML indents with spaces only "
            "(hint: indent with spaces)",
        ),
        (
            ("id: minimal", "id: minimal\n---"),
            ":2:1: YAML syntax error: expected a single document in the stream, but found another document "
            "(hint: a data file holds one document: split the file at this '---' line)",
        ),
    ],
    ids=["a tab", "two documents"],
)
def test_yaml_syntax_errors_say_what_they_found(tmp_path: Path, change: tuple[str, str], said: str) -> None:
    """PyYAML's parts in its order (the two documents' message came out backwards), and a tab called one."""
    assert change[0] in MINIMAL
    message = only_problem(tmp_path, MINIMAL.replace(*change, 1))
    assert message == f"{tmp_path / 'doc.yaml'}{said}"


def test_wrong_type(tmp_path: Path) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("closing: {en: Signed.", "closing: {en: 2024"))
    assert ":16:" in message and "must be a string, not an integer" in message and "quotes" in message


def test_missing_key(tmp_path: Path) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("id: minimal\n", ""))
    assert ":1:1:" in message and "has no 'id'" in message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("title:", "tilte:", 1))
    assert ":5:1: unknown key 'tilte'" in message and "did you mean 'title'?" in message


def test_duplicate_key_is_rejected_not_overwritten(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "place: {en: Helsinki, fi: Helsinki}", "place: {en: Helsinki, fi: Helsinki}\nplace: {en: X, fi: X}"
    )
    message = only_problem(tmp_path, text)
    assert ":5:1: duplicate key 'place' (first given on line 4)" in message


def test_paragraph_missing_a_language(tmp_path: Path) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("    fi: Teksti.\n", ""))
    assert ":14:5: block 1 has no 'fi' text" in message and "one entry per language" in message


def test_language_without_title(tmp_path: Path) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("title: {en: Title, fi: Otsikko}", "title: {en: Title}"))
    assert ":5:" in message and "the title has no 'fi' text" in message


def test_text_in_a_language_not_declared(tmp_path: Path) -> None:
    message = only_problem(
        tmp_path,
        MINIMAL.replace("title: {en: Title, fi: Otsikko}", "title: {en: Title, fi: Otsikko, sv: Rubrik}"),
    )
    assert ":5:" in message and "'sv' in the title is not one of the document's languages" in message


@pytest.mark.parametrize("date", ["2023-02-30", "2023-13-01", "21.8.2023"])
def test_invalid_date(tmp_path: Path, date: str) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("2024-01-02", date))
    assert ":2:7:" in message and f"'{date}'" in message and "YYYY-MM-DD" in message


def test_unknown_language_tag(tmp_path: Path) -> None:
    text = MINIMAL.replace("languages: [en, fi]", "languages: [en, qq]").replace("fi:", "qq:")
    message = only_problem(tmp_path, text)
    assert ":3:17: unknown language tag 'qq'" in message


def test_a_party_may_sign_nothing(tmp_path: Path) -> None:
    start = MINIMAL.index("    signatories:")
    text = MINIMAL[:start] + "    signatories: []\n" + MINIMAL[MINIMAL.index("body:") :]
    communique = load(write_data(tmp_path, text))
    assert communique.parties[0].signatories == ()


@pytest.mark.parametrize("empty", ['""', '"   "'])
def test_empty_text(tmp_path: Path, empty: str) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("fi: Teksti.", f"fi: {empty}"))
    assert ":15:9: block 1 'fi' is empty" in message


def test_signature_order_must_list_every_party(tmp_path: Path) -> None:
    text = MINIMAL + "signature_order: {en: [a, b]}\n"
    message = only_problem(tmp_path, text)
    assert ":17:" in message and "signature_order for 'en' must list every signing party once" in message


def test_missing_signature_image(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "        name: {en: Ann, fi: Ann}", "        name: {en: Ann, fi: Ann}\n        signature: ann.png"
    )
    message = only_problem(tmp_path, text)
    assert ":13:20: signature image 'ann.png' does not exist" in message


def test_signature_image_outside_data_folder(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "        name: {en: Ann, fi: Ann}",
        "        name: {en: Ann, fi: Ann}\n        signature: ../../etc/passwd",
    )
    message = only_problem(tmp_path, text)
    assert "outside the data file's folder" in message


def test_all_problems_reported_at_once_in_file_order(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("2024-01-02", "2024-02-31")
        .replace("title:", "tilte:", 1)
        .replace("    fi: Teksti.\n", "")
    )
    found = problems(tmp_path, text)
    assert len(found) == 3, found
    assert "invalid date" in found[0] and "unknown key 'tilte'" in found[1] and "has no 'fi'" in found[2]
    lines = [int(message.split(":")[1]) for message in found]
    assert lines == [2, 5, 14]


def test_empty_and_non_mapping_files(tmp_path: Path) -> None:
    assert "the file is empty" in only_problem(tmp_path, "")
    assert "must be a mapping" in only_problem(tmp_path, "- a\n- b\n")


def test_norwegian_is_a_language_not_a_boolean(tmp_path: Path) -> None:
    text = MINIMAL.replace("fi", "no").replace("[en, no]", "[en, no]")
    communique = load(write_data(tmp_path, text))
    assert communique.languages == ("en", "no") and communique.title.value("no") == "Otsikko"


@pytest.mark.parametrize(("tag", "meant"), [("jp", "ja"), ("cn", "zh-Hans"), ("hk", "zh-HK"), ("kr", "ko")])
def test_a_country_code_for_a_language_gets_a_suggestion(tmp_path: Path, tag: str, meant: str) -> None:
    message = only_problem(tmp_path, MINIMAL.replace("fi", tag))
    assert f":3:17: unknown language tag '{tag}'" in message and f"did you mean '{meant}'?" in message
