"""The exported JSON Schema is the one the loader enforces: every keyword in it, broken on purpose in an
otherwise valid document, gives a located data error."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from communique.errors import ErrorList
from communique.loader import load
from communique.schema import SCHEMA

VALIDATION = {
    "type",
    "enum",
    "pattern",
    "minLength",
    "maxItems",
    "maxLength",
    "minItems",
    "uniqueItems",
    "format",
    "required",
    "additionalProperties",
    "propertyNames",
    "minProperties",
}
STRUCTURE = {"$schema", "$id", "$defs", "$ref", "title", "description", "properties", "items"}

FULL: dict[str, Any] = {
    "id": "full-example",
    "date": "2024-05-01",
    "languages": ["en", "fi"],
    "paper": "B5",
    "layout": "parallel",
    "place": {"en": "Helsinki", "fi": "Helsinki"},
    "title": {"en": "Title", "fi": "Otsikko"},
    "subject": {"en": "Subject", "fi": "Aihe"},
    "keywords": ["one", "two"],
    "accept": [{"kind": "number", "where": "body 1", "value": "1", "because": "the reason it differs"}],
    "japanese_era": False,
    "buddhist_era": True,
    "parties": [
        {
            "key": "a",
            "name": {"en": "City A", "fi": "Kaupunki A"},
            "country": {"en": "Land A", "fi": "Maa A"},
            "seal": "seal.png",
            "signatories": [
                {
                    "title": {"en": "Mayor", "fi": "Pormestari"},
                    "name": {"en": "Ann", "fi": "Ann"},
                    "signature": "ann.png",
                    "name_position": {"en": "after"},
                    "printed": {"fi": "Ann, pormestari"},
                    "on_behalf_of": {
                        "title": {"en": "Governor", "fi": "Kuvernööri"},
                        "name": {"en": "Bo", "fi": "Bo"},
                        "marker": {"fi": "puolesta"},
                    },
                }
            ],
        }
    ],
    "pending": {"fi": "Käännös valmistuu myöhemmin."},
    "article_format": {"fi": "{n} artikla"},
    "body": [
        {"en": "Text.", "fi": ["Teksti.", "Toinen."]},
        {"preamble": {"en": "Recognising.", "fi": "Todeten."}},
        {"heading": {"en": "Aims", "fi": "Tavoitteet"}, "numbering": "roman"},
        {"article": {"en": "Purpose", "fi": "Tarkoitus"}},
        {"clause": {"en": "The cities shall."}},  # pending in Finnish
        {"list": "alpha", "items": [{"en": "One.", "fi": "Yksi."}]},
    ],
    "closing": {"en": "Signed."},
    "closing_form": {"fi": "date-place"},
    "closing_position": "top",
    "signature_order": {"en": ["a"], "fi": ["a"]},
    "witnesses": [
        {
            "title": {"en": "Consul", "fi": "Konsuli"},
            "name": {"en": "Cy", "fi": "Cy"},
            "signature": "ann.png",
            "name_position": {"fi": "before"},
            "printed": {"en": [{"name": "Cy"}, "Consul"]},
        }
    ],
    "witness_label": {"fi": "Todistajat"},
}
INSTRUMENT_FIELDS = ("body", "closing", "closing_form", "closing_position", "signature_order", "witnesses")
SEVERAL: dict[str, Any] = {
    **{key: value for key, value in FULL.items() if key not in (*INSTRUMENT_FIELDS, "witness_label")},
    "instruments": [
        {
            "title": {"en": "Declaration", "fi": "Julistus"},
            "subject": {"en": "Friendship", "fi": "Ystävyys"},
            **{key: FULL[key] for key in (*INSTRUMENT_FIELDS, "witness_label")},
            "signed_by": ["a"],
        }
    ],
}


def schema_keywords(node: Any, pointer: str = "#") -> Iterator[tuple[str, str]]:
    """(pointer, keyword) of every validation keyword in the schema; fails on a keyword it does not know."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in VALIDATION:
                yield pointer, key
            else:
                assert key in STRUCTURE or pointer.endswith(("/properties", "/$defs")), f"{pointer}/{key}"
            if key not in ("enum", "required"):
                yield from schema_keywords(value, f"{pointer}/{key}")


def resolve(node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return SCHEMA["$defs"][name], f"#/$defs/{name}"
    return node, pointer


def instances(
    node: dict[str, Any], pointer: str, path: tuple[Any, ...], value: Any
) -> Iterator[tuple[str, str, dict[str, Any], tuple[Any, ...], Any]]:
    """(pointer, keyword, schema node, instance path, value) for each keyword the instance reaches."""
    if "$ref" in node:  # the keywords beside a $ref apply too
        yield from ((pointer, key, node, path, value) for key in node if key in VALIDATION)
    node, pointer = resolve(node, pointer)
    for key in node:
        if key in VALIDATION:
            yield pointer, key, node, path, value
    if isinstance(value, dict):
        properties = node.get("properties", {})
        for key, sub in properties.items():
            if key in value:
                yield from instances(sub, f"{pointer}/properties/{key}", (*path, key), value[key])
        extra = node.get("additionalProperties")
        others = [name for name in value if name not in properties]
        if isinstance(extra, dict) and others:
            yield from instances(
                extra, f"{pointer}/additionalProperties", (*path, others[0]), value[others[0]]
            )
        names = node.get("propertyNames")
        if isinstance(names, dict):
            yield from ((f"{pointer}/propertyNames", k, names, path, value) for k in names if k in VALIDATION)
    if isinstance(value, list) and "items" in node:
        for index, item in enumerate(value):
            yield from instances(node["items"], f"{pointer}/items", (*path, index), item)


def broken(keyword: str, node: dict[str, Any], value: Any, pointer: str) -> Any:
    """`value` changed so that it breaks `keyword` of `node` and nothing else of it."""
    if pointer.endswith("/propertyNames"):
        return {**value, "Not A Tag!": "x"}
    wrong_type = {"string": 12345, "object": "text", "array": "text", "boolean": "maybe"}
    changes: dict[str, Any] = {
        "type": lambda: wrong_type[node["type"]] if isinstance(node["type"], str) else 12345,
        "enum": lambda: "A3",
        "pattern": lambda: "   " if node["pattern"] == r"\S" else "Not Valid!",
        "minLength": lambda: "",
        "maxLength": lambda: "a" * (node["maxLength"] + 1),
        "minItems": lambda: [],
        "maxItems": lambda: value * (node["maxItems"] // len(value) + 1),
        "uniqueItems": lambda: [*value, value[0]],
        "format": lambda: "2023-02-30",
        "required": lambda: {key: item for key, item in value.items() if key != node["required"][0]},
        "minProperties": lambda: {},
        "propertyNames": lambda: {**value, "Not A Tag!": "x"},
        "additionalProperties": lambda: (
            {**value, "unknown_key": "x"}
            if node[keyword] is False
            else {
                key: (12345 if key not in node.get("properties", {}) else item) for key, item in value.items()
            }
        ),
    }
    return changes[keyword]()


def replaced(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    if not path:
        return value  # type: ignore[no-any-return]
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("seal.png", "ann.png"):
        Image.new("RGB", (32, 32), "white").save(tmp_path / name)
    return tmp_path


def test_the_full_examples_are_valid(folder: Path) -> None:
    document = load(yaml.safe_dump(FULL, allow_unicode=True), folder)
    assert document.layout == "parallel" and document.parties[0].seal == folder / "seal.png"
    (instrument,) = document.instruments
    assert instrument.closing_form == (("en", "date-place"), ("fi", "date-place"))
    assert instrument.closing_position == "top"
    assert [block.kind for block in instrument.body] == [
        "paragraph", "preamble", "heading", "article", "clause", "item"
    ]  # fmt: skip
    several = load(yaml.safe_dump(SEVERAL, allow_unicode=True), folder)
    assert several.instruments[0].title.value("fi") == "Julistus"


def test_every_field_has_a_description() -> None:
    holders = [SCHEMA, *(SCHEMA["$defs"][name] for name in ("party", "signatory", "block", "instrument"))]
    fields = {name: node for holder in holders for name, node in holder["properties"].items()}
    assert {"place", "closing", "closing_form", "closing_position"} <= set(fields)
    assert [name for name, node in fields.items() if len(node.get("description", "")) < 20] == []


def test_every_keyword_of_the_schema_is_enforced_and_located(folder: Path) -> None:
    every = set(schema_keywords(SCHEMA))
    reached: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any], tuple[Any, ...], Any]] = {}
    for example in (FULL, SEVERAL):
        for pointer, keyword, node, path, value in instances(SCHEMA, "#", (), example):
            reached.setdefault((pointer, keyword), (example, node, path, value))
    assert every == set(reached), f"not reached by the examples: {every - set(reached)}"
    for (pointer, keyword), (example, node, path, value) in sorted(reached.items()):
        change = broken(keyword, node, value, pointer)
        text = yaml.safe_dump(replaced(example, path, change), allow_unicode=True)
        with pytest.raises(ErrorList) as caught:
            load(text, folder)
        problems = caught.value.problems
        assert all(problem.location and problem.exit_code == 2 for problem in problems), (pointer, keyword)
        assert not any("internal" in str(problem) for problem in problems)
        keys = [part for part in path if isinstance(part, str)][-1:]
        keys += list(change) if isinstance(change, dict) else []
        lines = text.splitlines()
        # One problem points at the broken value, its key, one of its keys, or its list item.
        assert any(
            not path or lines[problem.location.line - 1].lstrip().startswith(("-", *(f"{k}:" for k in keys)))
            for problem in problems
            if problem.location
        ), (pointer, keyword, [str(problem) for problem in problems])
