"""The communique data format as JSON Schema: exported by `communique schema`, enforced whole by `load`
(with jsonschema), so no keyword here is decoration."""

from __future__ import annotations

from typing import Any

from communique.dates import FORMS

LANGUAGE_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
PARTY_KEY = r"^[a-z][a-z0-9_-]*$"
MAX_TEXT_LENGTH = 20_000
"""Longest single text (a paragraph, a title) in characters; real paragraphs stay under 5,000."""


def _localized(description: str) -> dict[str, Any]:
    return {"$ref": "#/$defs/localized", "description": description}


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://communique.invalid/schema/communique.json",
    "title": "Communique",
    "description": "A bilingual (or multilingual) official communique, laid out into a PDF by communique.",
    "type": "object",
    "required": ["id", "date", "languages", "title", "parties", "body"],
    "additionalProperties": False,
    "properties": {
        "id": {
            "type": "string",
            "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
            "description": "Stable document identifier, e.g. 'tokyo-helsinki-2023'.",
        },
        "date": {
            "type": "string",
            "format": "date",
            "description": "Date of signature, ISO 8601 (YYYY-MM-DD).",
        },
        "place": _localized(
            "Place of signature, per language. Optional: many instruments name none; generated closing "
            "lines of the 'date-place' form name it."
        ),
        "languages": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": LANGUAGE_TAG},
            "description": "BCP 47 language tags, in the order the language versions appear.",
        },
        "paper": {
            "enum": ["A4", "Letter", "B5"],
            "description": "Paper size (default: the project's default, else A4; B5 is JIS B5).",
        },
        "layout": {
            "type": "string",
            "pattern": r"^[a-z][a-z0-9_-]*$",
            "maxLength": 64,
            "description": "Layout name: a built-in one or one in the project's layouts/ (default: the "
            "project's default, else sequential).",
        },
        "title": _localized("Title per language; a line break in the text is kept as a line break."),
        "subject": _localized("Short description per language, written to the PDF metadata."),
        "keywords": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "description": "Keywords for the PDF metadata.",
        },
        "parties": {
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/party"},
            "description": "The parties to the communique.",
        },
        "body": {
            "type": "array",
            "minItems": 1,
            "items": _localized(
                "One paragraph, in every language. A line break in it is a source line wrap: joined "
                "without a space in Japanese and Chinese, with one space in other languages."
            ),
            "description": "Body paragraphs, aligned across languages.",
        },
        "closing": {
            "$ref": "#/$defs/closing",
            "description": "Closing lines given word for word, per language ('Signed this 28th day of "
            "October, Two Thousand and Six.'); a line break in the text is kept. Languages without one get "
            "a line made as `closing_form` says. `none`: no closing line in any language.",
        },
        "closing_form": {
            "type": "object",
            "propertyNames": {"pattern": LANGUAGE_TAG},
            "additionalProperties": {
                "enum": list(FORMS),
                "description": "'date' (2023年8月21日, Signed on August 21, 2023), 'date-place' "
                "(2023年8月21日　東京にて, Signed in Tokyo on August 21, 2023; under the title "
                "2016年3月10日，東京, Tokyo, March 10, 2016) or 'none' (no closing line).",
            },
            "description": "Per language, how the closing line is made where `closing` gives none. "
            "Default: the date alone in Japanese, Chinese and Korean and where no place is given, else "
            "the date and the place.",
        },
        "closing_position": {
            "enum": ["end", "top"],
            "description": "Where the closing lines go: 'end' (default: after the text, above the "
            "signatures) or 'top' (under the title, as the date line of a joint statement).",
        },
        "japanese_era": {
            "type": "boolean",
            "description": "Write Japanese dates in the era form (令和5年8月21日).",
        },
        "signature_order": {
            "type": "object",
            "propertyNames": {"pattern": LANGUAGE_TAG},
            "additionalProperties": {"type": "array", "items": {"type": "string", "pattern": PARTY_KEY}},
            "description": "Per language, the party keys in the order their signature blocks appear "
            "(the alternat). Default: the order of `parties`.",
        },
    },
    "$defs": {
        "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_LENGTH, "pattern": r"\S"},
        "localized": {
            "type": "object",
            "propertyNames": {"pattern": LANGUAGE_TAG},
            "additionalProperties": {"$ref": "#/$defs/text"},
            "minProperties": 1,
        },
        "closing": {
            "type": ["object", "string"],
            "pattern": "^none$",
            "propertyNames": {"pattern": LANGUAGE_TAG},
            "additionalProperties": {"$ref": "#/$defs/text"},
        },
        "party": {
            "type": "object",
            "required": ["key", "name", "country", "signatories"],
            "additionalProperties": False,
            "properties": {
                "key": {
                    "type": "string",
                    "pattern": PARTY_KEY,
                    "description": "Short identifier used in signature_order.",
                },
                "name": _localized("Name of the party per language."),
                "country": _localized("Country of the party per language."),
                "signatories": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/$defs/signatory"},
                    "description": "The people who sign for the party, in the order their blocks appear.",
                },
                "seal": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Seal image (PNG or SVG) of the party, relative to the data file.",
                },
            },
        },
        "signatory": {
            "type": "object",
            "required": ["title", "name"],
            "additionalProperties": False,
            "properties": {
                "title": _localized(
                    "Office of the signatory per language; a line break in the text is kept as a line "
                    "break (Mayor / Koto Ward / Tokyo, Japan)."
                ),
                "name": _localized("Name of the signatory per language."),
                "signature": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Signature image (PNG or SVG), relative to the data file.",
                },
            },
        },
    },
}
