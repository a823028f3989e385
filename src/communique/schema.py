"""The communique data format as JSON Schema: exported by `communique schema`, enforced whole by `load`
(with jsonschema), so no keyword here is decoration."""

from __future__ import annotations

from typing import Any

from communique.dates import FORMS

LANGUAGE_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
PARTY_KEY = r"^[a-z][a-z0-9_-]*$"
BLOCK_KEY = r"^([A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*|preamble|heading|numbering|article|clause|list|items)$"
MAX_TEXT_LENGTH = 20_000
MAX_BLOCKS = 5_000
"""Most blocks in a body (the 54-page treaty has 360; WeasyPrint runs out of memory, and crashed the
process, laying out 60,000 before the page limit could be checked)."""
MAX_INSTRUMENTS = 50
"""Longest single text (a paragraph, a title) in characters; real paragraphs stay under 5,000."""
ACCEPTABLE_FINDINGS = ("number", "url", "email", "name", "script", "untranslated", "alignment")
"""The kinds of translation-check finding an `accept` entry may accept (communique.check)."""
CHECKED_PLACE = r"^(instrument [1-9][0-9]* )?(title|subject|closing|body [1-9][0-9]*( item [1-9][0-9]*)?)$"
"""How the translation check names a block or field: 'body 3', 'body 4 item 2', 'instrument 2 title'."""


def _by_language(values: str, **keywords: Any) -> dict[str, Any]:
    """A mapping from language tags to values of the definition `values`."""
    return {
        "type": "object",
        "propertyNames": {"pattern": LANGUAGE_TAG},
        "additionalProperties": {"$ref": f"#/$defs/{values}"},
        **keywords,
    }


def _text_or_list(items: str) -> dict[str, Any]:
    """A text, or a list of at least one value of the definition `items`."""
    return {
        "type": ["string", "array"],
        "minLength": 1,
        "maxLength": MAX_TEXT_LENGTH,
        "pattern": r"\S",
        "minItems": 1,
        "items": {"$ref": f"#/$defs/{items}"},
    }


def _localized(description: str) -> dict[str, Any]:
    return {"$ref": "#/$defs/localized", "description": description}


_PERSON_FIELDS: dict[str, Any] = {
    "title": _localized(
        "Office per language; a line break in the text is kept as a line break (Mayor / Koto Ward / "
        "Tokyo, Japan; a country line first: 日本国 / 高崎市長)."
    ),
    "name": _localized("Name per language, as written (letter-spaced names stay as they are)."),
    "name_position": {
        "type": "object",
        "propertyNames": {"pattern": LANGUAGE_TAG},
        "additionalProperties": {"enum": ["before", "after"]},
        "description": "Per language, the name 'before' or 'after' the office. Default: after in Japanese, "
        "Chinese and Korean (office first), before in other languages.",
    },
    "printed": {
        "type": "object",
        "propertyNames": {"pattern": LANGUAGE_TAG},
        "additionalProperties": {"$ref": "#/$defs/printed"},
        "description": "Per language, the block's lines word for word, replacing the office and the name: "
        "a text ('Yukio Matsuura, Mayor', line breaks kept) or a list of lines in which `{name: ...}` marks "
        "the name. The name line is set as a name, the others as an office; unmarked, the line that holds "
        "the signatory's `name` is the name line.",
    },
    "signature": {
        "type": "string",
        "minLength": 1,
        "description": "Signature image (PNG or SVG), relative to the data file.",
    },
    "signature_alt": {
        "$ref": "#/$defs/per_language",
        "description": "Per language, what the signature image shows, for screen readers ('Signature "
        "of Yuriko Koike'); required for every language in accessible (PDF/UA) and PDF/A level a copies.",
    },
}


def _paragraphs(description: str) -> dict[str, Any]:
    return {"$ref": "#/$defs/localized_paragraphs", "description": description}


BLOCK_KINDS = ("preamble", "heading", "article", "clause", "list")
"""Body blocks other than plain paragraphs, named by their one key."""
LIST_STYLES = ("bullet", "decimal", "parenthesized", "alpha", "letter")
HEADING_NUMBERING = ("none", "roman", "decimal")
PARAGRAPH_NOTE = (
    "A line break in a paragraph is a source line wrap: joined without a space in Japanese and Chinese, "
    "with one space in other languages. A list of texts is several paragraphs in one aligned block."
)

_INSTRUMENT_FIELDS: dict[str, Any] = {
    "body": {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_BLOCKS,
        "items": {"$ref": "#/$defs/block"},
        "description": "The text, block by block, aligned across languages (one row in the parallel "
        "layout): paragraphs, a preamble, headings, articles, numbered clauses and lists.",
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
    "signature_order": {
        "type": "object",
        "propertyNames": {"pattern": LANGUAGE_TAG},
        "additionalProperties": {"type": "array", "items": {"type": "string", "pattern": PARTY_KEY}},
        "description": "Per language, the party keys in the order their signature blocks appear "
        "(the alternat). Default: the order of `parties` (or `signed_by`).",
    },
    "witnesses": {
        "type": "array",
        "items": {"$ref": "#/$defs/witness"},
        "description": "People who sign as witnesses, after the parties' signature blocks.",
    },
    "witness_label": {
        "$ref": "#/$defs/per_language",
        "description": "The line above the witnesses' blocks, per language. Built in: ja 立会人, "
        "en Witnesses, fr Témoins, de Zeugen, zh-Hans 见证人, zh-Hant 見證人, ko 입회인; other languages "
        "give it.",
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://communique.invalid/schema/communique.json",
    "title": "Communique",
    "description": "A bilingual (or multilingual) official communique, laid out into a PDF by communique.",
    "type": "object",
    "required": ["id", "date", "languages", "title", "parties"],
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
        "buddhist_era": {
            "type": "boolean",
            "description": "Write Thai dates in the Buddhist era (20 สิงหาคม พ.ศ. 2567).",
        },
        "japanese_era": {
            "type": "boolean",
            "description": "Write Japanese dates in the era form (令和5年8月21日).",
        },
        **_INSTRUMENT_FIELDS,
        "pending": {
            "$ref": "#/$defs/per_language",
            "description": "Languages whose translation is pending, each with the notice printed once, under "
            "its title ('English translation in preparation.'); its blocks may leave the language out, "
            "each run of them marked […]. With `instruments`, it holds for every instrument (an "
            "instrument may have its own `pending`).",
        },
        "article_format": {
            "$ref": "#/$defs/per_language",
            "description": "Per language, the label of an article with {n} for its number ('{n} artikla'). "
            "Built in: ja/zh-Hans 第{n}条, zh-Hant 第{n}條, ko 제{n}조, en/fr Article {n}, de Artikel {n}.",
        },
        "accept": {
            "type": "array",
            "items": {"$ref": "#/$defs/acceptance"},
            "description": "Differences between the versions that the translation check is to accept, "
            "each with the reason (`{kind: number, where: body 3, value: '2024', because: ...}`); an "
            "entry that matches no finding is itself reported, so that none outlives its reason.",
        },
        "instruments": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_INSTRUMENTS,
            "items": {"$ref": "#/$defs/instrument"},
            "description": "Several instruments signed together (a joint declaration and a memorandum), "
            "set one after the other in one PDF, each with its own title, body, closing and signatures. "
            "With it, the top-level `title` is the PDF's title and the text fields move into each "
            "instrument.",
        },
    },
    "$defs": {
        "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_LENGTH, "pattern": r"\S"},
        "paragraphs": _text_or_list("text"),
        "per_language": _by_language("text"),
        "localized_paragraphs": _by_language("paragraphs", minProperties=1),
        "block": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": BLOCK_KEY},
            "properties": {
                "preamble": _paragraphs("A recital before the operative text (Recognising that …)."),
                "heading": {
                    "$ref": "#/$defs/partial",
                    "description": "A heading per language (a language listed in `pending` may leave it "
                    "out); its number as written, or made as `numbering` says.",
                },
                "numbering": {
                    "enum": list(HEADING_NUMBERING),
                    "description": "How a heading is numbered: 'none' (default: as written), 'roman' "
                    "(Ⅰ / I.) or 'decimal' (1 / 1.).",
                },
                "article": {
                    "type": ["object", "boolean"],
                    "propertyNames": {"pattern": LANGUAGE_TAG},
                    "additionalProperties": {"$ref": "#/$defs/text"},
                    "description": "An article heading numbered per language (第1条 / Article 1), with its "
                    "caption per language, or `true` for none.",
                },
                "clause": _paragraphs(
                    "A numbered paragraph (1 / 1.); numbers restart after each heading and article."
                ),
                "list": {
                    "enum": list(LIST_STYLES),
                    "description": "A list of `items`, marked 'bullet' (・ / •), 'decimal' (1．/ 1.), "
                    "'parenthesized' (（1）/ (1)), 'alpha' (ア イ ウ / (a) (b)) or 'letter' (a. b. c.).",
                },
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_BLOCKS,
                    "items": _paragraphs("One list item in every language."),
                    "description": "The items of a `list` block.",
                },
            },
            "additionalProperties": {"$ref": "#/$defs/paragraphs"},
            "description": "One block of the body: a paragraph is its text per language ("
            + PARAGRAPH_NOTE
            + "); other blocks are named by their key: "
            + ", ".join(BLOCK_KINDS)
            + ".",
        },
        "instrument": {
            "type": "object",
            "required": ["title", "body"],
            "additionalProperties": False,
            "properties": {
                "title": _localized("Title of the instrument per language; line breaks kept."),
                "subject": _localized("Short description of the instrument per language."),
                **_INSTRUMENT_FIELDS,
                "pending": {
                    "$ref": "#/$defs/per_language",
                    "description": "Languages whose translation of this instrument is pending, each with "
                    "its notice (printed once, under the instrument's title in that language); the file's "
                    "`pending` holds for every instrument.",
                },
                "signed_by": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"type": "string", "pattern": PARTY_KEY},
                    "description": "The keys of the parties whose signatories sign this instrument "
                    "(default: every party).",
                },
            },
        },
        "localized": _by_language("text", minProperties=1),
        "partial": _by_language("text", minProperties=1),
        "printed": _text_or_list("printed_line"),
        "printed_line": {
            "type": ["object", "string"],
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"$ref": "#/$defs/text", "description": "The signatory's name, as printed."}
            },
            "minLength": 1,
            "maxLength": MAX_TEXT_LENGTH,
            "pattern": r"\S",
        },
        "acceptance": {
            "type": "object",
            "required": ["kind", "where", "value", "because"],
            "additionalProperties": False,
            "properties": {
                "kind": {
                    "enum": list(ACCEPTABLE_FINDINGS),
                    "description": "The kind of finding accepted: 'number', 'url', 'email', 'name', "
                    "'script', 'untranslated' or 'alignment'.",
                },
                "where": {
                    "type": "string",
                    "pattern": CHECKED_PLACE,
                    "description": "The block or field as the check names it: 'body 3' (the third "
                    "entry of `body`), 'body 4 item 2', 'title', 'subject', 'closing'; with "
                    "`instruments`, 'instrument 2 body 3'.",
                },
                "value": {
                    "type": "string",
                    "minLength": 1,
                    "description": "What differs, as the finding gives it: '2024' (quoted: a number is "
                    "written as text), 'https://example.org', 'Koike Yuriko'.",
                },
                "because": {
                    "$ref": "#/$defs/text",
                    "description": "Why the difference is intended, e.g. 'the English version states "
                    "the year of the original agreement'.",
                },
            },
        },
        "closing": {
            "type": ["object", "string"],
            "pattern": "^none$",
            "propertyNames": {"pattern": LANGUAGE_TAG},
            "additionalProperties": {"$ref": "#/$defs/text"},
        },
        "party": {
            "type": "object",
            "required": ["key", "name", "country"],
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
                    "items": {"$ref": "#/$defs/signatory"},
                    "description": "The people who sign for the party, in the order their blocks appear. "
                    "None (or left out): a party to the instrument that signs nothing.",
                },
                "seal": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Seal image (PNG or SVG) of the party, relative to the data file.",
                },
                "seal_alt": {
                    "$ref": "#/$defs/per_language",
                    "description": "Per language, what the seal image shows, for screen readers ('Seal of "
                    "the Tokyo Metropolitan Government'); required for every language in accessible "
                    "(PDF/UA) and PDF/A level a copies.",
                },
            },
        },
        "signatory": {
            "type": "object",
            "required": ["title", "name"],
            "additionalProperties": False,
            "properties": {
                **_PERSON_FIELDS,
                "on_behalf_of": {
                    "type": "object",
                    "required": ["title", "name"],
                    "additionalProperties": False,
                    "properties": {
                        "title": {
                            "$ref": "#/$defs/partial",
                            "description": "Office of the absent official, in each language whose "
                            "version names the official (the others print the signatory alone).",
                        },
                        "name": {
                            "$ref": "#/$defs/partial",
                            "description": "Name of the absent official, in the same languages as `title`.",
                        },
                        "marker": {
                            "$ref": "#/$defs/per_language",
                            "description": "The words between the official and the signatory, per "
                            "language. Built in: ja 代理, zh 代, ko 대리, en 'represented by', "
                            "fr 'représenté par', de 'vertreten durch'; other languages give them.",
                        },
                    },
                    "description": "The official this signatory signs for (a deputy mayor for the mayor): "
                    "printed first, then the marker (代理, represented by), then the signatory; in the "
                    "languages that name the official (a version may name the signatory alone).",
                },
            },
        },
        "witness": {
            "type": "object",
            "required": ["title", "name"],
            "additionalProperties": False,
            "properties": _PERSON_FIELDS,
        },
    },
}
