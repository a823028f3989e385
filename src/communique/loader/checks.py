"""Checking a data file: the one JSON Schema (made specific to the document's languages), then the rules
a schema cannot state (language tags known to CLDR, party keys, signature order)."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from jsonschema.exceptions import ValidationError

from communique.errors import DataError
from communique.loader.yaml_tree import YamlTree
from communique.model import SourceLocation, Where
from communique.schema import SCHEMA
from communique.schema_check import check, describe
from communique.text_rules import REFUSED_HINT, refused_strings


def check_document(tree: YamlTree) -> list[DataError]:
    """Every problem of the document, located."""
    document = tree.value
    languages = _languages(tree)
    schema, localized, localized_names = _specific_schema(languages)
    problems = list(tree.problems)
    problems += _character_problems(tree)
    problems += _language_tag_problems(tree)

    def word(error: ValidationError, where: Where) -> DataError | None:
        if error.validator == "required" and error.schema is localized:
            missing = error.message.split("'")[1]
            return DataError(
                f"{describe(where)} has no '{missing}' text",
                tree.locate(where),
                f"every text needs one entry per language: {', '.join(languages)}",
            )
        if where == ("closing",) and error.validator in ("pattern", "type"):
            return DataError(
                "the closing must be closing lines per language, or `none`",
                tree.locate(where),
                "write `closing: none` to leave out every closing line, or `closing: {en: ...}`",
            )
        if "propertyNames" in error.schema_path:
            key = str(error.instance)
            if error.validator == "enum" and error.schema is localized_names:
                return DataError(
                    f"'{key}' in {describe(where)} is not one of the document's languages "
                    f"({', '.join(languages)})",
                    tree.locate((*where, key), key=True),
                    "add it to `languages` or remove this entry",
                )
            return DataError(
                f"'{key}' is not a language tag",
                tree.locate((*where, key), key=True),
                "use a BCP 47 tag such as 'ja', 'en', 'fi' or 'zh-Hant'",
            )
        return None

    problems += check(document, schema, tree.locate, (word,))
    if not problems:
        problems += _signature_order_problems(tree, languages)
        problems += _closing_problems(tree, languages)
    return _unique(problems)


def _unique(problems: list[DataError]) -> list[DataError]:
    seen: set[tuple[object, str]] = set()
    kept = []
    for problem in problems:
        if (problem.location, problem.message) not in seen:
            seen.add((problem.location, problem.message))
            kept.append(problem)
    return kept


def _languages(tree: YamlTree) -> tuple[str, ...]:
    """The document's language tags if `languages` is a list of strings, else ()."""
    given = tree.value.get("languages")
    if isinstance(given, list) and all(isinstance(item, str) for item in given):
        return tuple(given)
    return ()


def _specific_schema(languages: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """SCHEMA with localized texts bound to the document's languages: every language required in a
    complete text, and no other language anywhere. Returns the schema and the two bound subschemas."""
    schema = copy.deepcopy(SCHEMA)
    localized = schema["$defs"]["localized"]
    names: dict[str, Any] = {"enum": list(languages)}
    if languages:
        localized["required"] = list(languages)
        for node in (localized, schema["$defs"]["closing"], schema["properties"]["closing_form"]):
            node["propertyNames"] = {"allOf": [node["propertyNames"], names]}
    return schema, localized, names


def _character_problems(tree: YamlTree) -> list[DataError]:
    """Control characters, noncharacters and bidi overrides, located at the character where it was
    written (at the start of the text where it was written as an escape)."""
    problems = []
    for where, is_key, index, why in refused_strings(tree.value):
        location = tree.locate(where, key=is_key)
        if not is_key:
            raw = tree.raw(where)
            at = raw.find(_get(tree.value, where)[index])
            if at >= 0:
                before = raw[:at]
                line = location.line + before.count("\n")
                column = location.column + at if "\n" not in before else at - before.rfind("\n")
                location = SourceLocation(location.path, line, column)
        problems.append(DataError(f"{describe(where)}: {why}", location, REFUSED_HINT))
    return problems


def _get(value: Any, where: Where) -> Any:
    for part in where:
        value = value[part]
    return value


def _closing_problems(tree: YamlTree, languages: tuple[str, ...]) -> list[DataError]:
    """Closing lines: `closing`, `closing_form` and `place` agree, and a Japanese closing line made in the
    era form has a date the era table covers."""
    from communique.dates import ERAS, NO_PLACE_FORM

    value = tree.value
    closing = value.get("closing", {})
    given = closing if isinstance(closing, dict) else {}
    forms: dict[str, str] = value.get("closing_form", {})
    problems = []
    if closing == "none" and forms:
        problems.append(
            DataError(
                "closing_form has no effect: `closing: none` leaves out every closing line",
                tree.locate(("closing_form",), key=True),
                "remove one of them",
            )
        )
    for lang, text in given.items():
        if lang in forms:
            problems.append(
                DataError(
                    f"closing_form for '{lang}' has no effect: its closing line is given word for word",
                    tree.locate(("closing_form", lang), key=True),
                    "remove one of them",
                )
            )
        if text.strip().lower() == "none":
            problems.append(
                DataError(
                    f"the '{lang}' closing line would be printed as '{text.strip()}'",
                    tree.locate(("closing", lang)),
                    f"to leave it out, write `closing_form: {{{lang}: none}}` instead",
                )
            )
    for lang, form in forms.items():
        if form != "date-place":
            continue
        if "place" not in value:
            problems.append(
                DataError(
                    f"closing_form 'date-place' for '{lang}' needs a place, and the document names none",
                    tree.locate(("closing_form", lang)),
                    "add `place:`, or choose 'date'",
                )
            )
        elif lang.split("-")[0].lower() in NO_PLACE_FORM:
            problems.append(
                DataError(
                    f"there is no built-in 'date-place' closing line for '{lang}'",
                    tree.locate(("closing_form", lang)),
                    "give the closing line word for word in `closing`, or choose 'date'",
                )
            )
    first = ERAS[-1][0]
    date = datetime.date.fromisoformat(value["date"])
    generated = [
        lang
        for lang in languages
        if lang.split("-")[0].lower() == "ja"
        and lang not in given
        and closing != "none"
        and forms.get(lang) != "none"
    ]
    if value.get("japanese_era") and generated and date < first:
        problems.append(
            DataError(
                f"{date.isoformat()} is before the Japanese era table (from {first.isoformat()})",
                tree.locate(("date",)),
                "set japanese_era: false, or give the closing line word for word",
            )
        )
    return problems


def _language_tag_problems(tree: YamlTree) -> list[DataError]:
    """Language tags that match the pattern but that CLDR does not know."""
    from babel import Locale, UnknownLocaleError

    problems = []
    for index, tag in enumerate(_languages(tree)):
        try:
            Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            problems.append(
                DataError(
                    f"unknown language tag '{tag}'",
                    tree.locate(("languages", index)),
                    "use a BCP 47 tag known to CLDR, such as 'ja', 'en', 'fi' or 'zh-Hant'",
                )
            )
    return problems


def _signature_order_problems(tree: YamlTree, languages: tuple[str, ...]) -> list[DataError]:
    """Party keys are unique, and each language's signature order lists every party once."""
    keys = [party["key"] for party in tree.value["parties"]]
    problems = []
    if len(set(keys)) != len(keys):
        problems.append(
            DataError(
                f"party keys are not unique: {', '.join(keys)}",
                tree.locate(("parties",)),
                "give every party its own `key`",
            )
        )
    for lang, listed in tree.value.get("signature_order", {}).items():
        if lang not in languages:
            problems.append(
                DataError(
                    f"signature_order names '{lang}', which is not one of the document's languages "
                    f"({', '.join(languages)})",
                    tree.locate(("signature_order", lang), key=True),
                    "remove it or fix the tag",
                )
            )
        elif sorted(listed) != sorted(keys):
            problems.append(
                DataError(
                    f"signature_order for '{lang}' must list every party once: {', '.join(keys)}",
                    tree.locate(("signature_order", lang)),
                    f"got {', '.join(listed) or 'nothing'}",
                )
            )
    return problems
