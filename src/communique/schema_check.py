"""JSON Schema checking with located, readable errors: one checker for data files and communique.toml.

The documents are plain values (from YAML or TOML); a `Locator` maps a path inside them to the line and
column where it was written. jsonschema enforces the schema whole; this module only words its findings
for people and points at the right place.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import jsonschema
from jsonschema.exceptions import ValidationError

from communique.errors import DataError
from communique.model import SourceLocation, Where

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


def _is_date(value: object) -> bool:
    """A calendar date written YYYY-MM-DD (no week dates, no compact forms)."""
    if not isinstance(value, str):
        return True
    if not ISO_DATE.match(value):
        raise ValueError("not in the form YYYY-MM-DD")
    datetime.date.fromisoformat(value)
    return True


FORMAT_CHECKER.checks("date", raises=ValueError)(_is_date)


class Locator(Protocol):
    """Where a value (or, with `key=True`, the key naming it) was written."""

    def __call__(self, where: Where, key: bool = False) -> SourceLocation: ...


def describe(where: Where) -> str:
    """A reader's name for a place in the document, e.g. ('body', 2) -> 'paragraph 3'."""
    words: list[str] = []
    index = 0
    names = {
        "body": "block",
        "items": "item",
        "parties": "party",
        "signatories": "signatory",
        "witnesses": "witness",
        "instruments": "instrument",
        "fonts": "font",
    }
    while index < len(where):
        part = where[index]
        following = where[index + 1] if index + 1 < len(where) else None
        if isinstance(part, str) and part in names and isinstance(following, int):
            words.append(f"{names[part]} {following + 1}")
            index += 2
        elif isinstance(part, int):
            words.append(f"item {part + 1}")
            index += 1
        else:
            words.append(f"'{part}'" if words else f"the {part}")
            index += 1
    return " ".join(words) if words else "the document"


def kind_of(value: object) -> str:
    """'a string', 'an integer', 'a mapping', ... for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return "nothing (null)"


_EXPECTED = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
}

Wording = Callable[[ValidationError, Where], "DataError | None"]


def _ecma_pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """`pattern` as JSON Schema means it (ECMA-262): `$` matches only at the very end, where Python's
    would also match before a final line break (so 'sequential\\n' would pass as a layout name)."""
    if isinstance(instance, str) and not re.search(_ECMA_END.sub(r"\\Z", pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_ECMA_END = re.compile(r"(?<!\\)\$$")
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _ecma_pattern})


def check(
    instance: Any,
    schema: dict[str, Any],
    locate: Locator,
    special: Sequence[Wording] = (),
) -> list[DataError]:
    """Every way `instance` breaks `schema`, worded and located. `special` functions may word an error
    themselves (returning a DataError) before the generic wording is used."""
    validator = _Validator(schema, format_checker=FORMAT_CHECKER)
    problems: list[DataError] = []
    errors = sorted(validator.iter_errors(instance), key=lambda error: list(map(str, error.absolute_path)))
    suggested = _suggestions(errors, locate, problems)
    for error in errors:
        if error.validator == "additionalProperties":
            continue  # worded by _suggestions, one per unknown key
        where = tuple(error.absolute_path)
        worded = next((found for wording in special if (found := wording(error, where))), None)
        if worded is None:
            worded = _generic(error, where, locate, suggested)
        if worded is not None:
            problems.append(worded)
    return problems


def _suggestions(
    errors: Iterable[ValidationError], locate: Locator, problems: list[DataError]
) -> set[tuple[Where, str]]:
    """Unknown keys, each located at the key and with a did-you-mean; returns (mapping, suggested key)."""
    suggested: set[tuple[Where, str]] = set()
    for error in errors:
        if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
            continue
        where = tuple(error.absolute_path)
        known = list(error.schema.get("properties", {}))
        for key in error.instance:
            if key in known or any(re.search(p, key) for p in error.schema.get("patternProperties", {})):
                continue
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(known)}"
            suggested.update((where, name) for name in close)
            problems.append(
                DataError(f"unknown key '{key}' in {describe(where)}", locate((*where, key), key=True), hint)
            )
    return suggested


def _generic(
    error: ValidationError, where: Where, locate: Locator, suggested: set[tuple[Where, str]]
) -> DataError | None:
    name = describe(where)
    validator, value, schema = error.validator, error.instance, error.schema
    if "propertyNames" in error.schema_path:
        hint = str(schema.get("description", "see `communique schema`"))
        return DataError(
            f"'{value}' is not allowed as a key in {name}", locate((*where, value), key=True), hint
        )
    if validator == "required":
        missing = str(error.message.split("'")[1])
        if (where, missing) in suggested:
            return None  # the misspelt key is reported with its suggestion
        summary = str(
            schema.get("properties", {}).get(missing, {}).get("description", "see `communique schema`")
        )
        return DataError(
            f"{name} has no '{missing}'", locate(where), f"add `{missing}:` ({summary.rstrip('.')})"
        )
    if validator == "type" and schema.get("format") == "date":
        return DataError(f"invalid date '{value}'", locate(where), "write the date as YYYY-MM-DD")
    if validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        expected = " or ".join(_EXPECTED.get(str(kind), str(kind)) for kind in wanted)
        hint = "put the value in quotes" if expected == "a string" else "see `communique schema`"
        if expected == "a string" and isinstance(value, bool):
            hint = "put it in quotes: YAML reads true and false as booleans"
        return DataError(f"{name} must be {expected}, not {kind_of(value)}", locate(where), hint)
    if validator == "enum":
        choices = [str(choice) for choice in error.validator_value]
        close = [choice for choice in choices if str(value).lower() == choice.lower()]
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(choices)}"
        return DataError(f"{name} cannot be {value!r}", locate(where), hint)
    if validator in ("minItems", "minProperties"):
        return DataError(f"{name} is empty", locate(where), "add at least one entry")
    if validator == "maxItems" or validator == "maxProperties":
        return DataError(
            f"{name} has more than {error.validator_value} entries", locate(where), "remove some"
        )
    if validator == "minLength" or (validator == "pattern" and error.validator_value == r"\S"):
        return DataError(f"{name} is empty", locate(where), "write the text or remove the entry")
    if validator == "maxLength":
        return DataError(
            f"{name} is longer than {error.validator_value} characters", locate(where), "shorten it"
        )
    if validator == "pattern":
        shown = value if len(str(value)) <= 80 else str(value)[:77] + "..."
        return DataError(
            f"{name} {shown!r} is not valid here", locate(where), f"it must match {error.validator_value}"
        )
    if validator == "format":
        return DataError(
            f"invalid date '{value}' ({error.cause})", locate(where), "write the date as YYYY-MM-DD"
        )
    if validator == "uniqueItems":
        seen: set[str] = set()
        for index, item in enumerate(value):
            if repr(item) in seen:
                return DataError(
                    f"{item!r} is listed twice in {name}",
                    locate((*where, index)),
                    "remove the repeated entry",
                )
            seen.add(repr(item))
    if validator in ("minimum", "maximum"):
        bound = "at least" if validator == "minimum" else "at most"
        return DataError(
            f"{name} must be {bound} {error.validator_value}", locate(where), "change the number"
        )
    if validator == "propertyNames":
        return DataError(f"{name}: {error.message}", locate((*where, value), key=True))
    return DataError(f"{name}: {error.message}", locate(where))
