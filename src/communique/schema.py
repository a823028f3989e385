"""The communique data format as JSON Schema: exported by `communique schema`, enforced whole by `load`
(with jsonschema), so no keyword here is decoration."""

from __future__ import annotations

from typing import Any

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
    "required": ["id", "date", "place", "languages", "title", "parties", "body"],
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
        "place": _localized("Place of signature, per language."),
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
            "items": _localized("One paragraph, in every language."),
            "description": "Body paragraphs, aligned across languages.",
        },
        "closing": {
            "$ref": "#/$defs/localized_partial",
            "description": "Closing line per language, overriding the one made from date and place "
            "('2023年8月21日', 'Signed in Helsinki on August 21, 2023', 'Helsinki, 21. elokuuta 2023').",
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
        "localized_partial": {
            "type": "object",
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
                "signatories": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/signatory"}},
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
                "title": _localized("Office of the signatory per language."),
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
