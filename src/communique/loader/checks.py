"""Checking a data file: the one JSON Schema (made specific to the document's languages), then the rules
a schema cannot state (language tags known to CLDR, party keys, signature order)."""

from __future__ import annotations

import copy
import datetime
import difflib
import re
from typing import Any

from jsonschema.exceptions import ValidationError

from communique.conventions import ARTICLE_LABELS, PROXY_MARKERS, WITNESS_LABELS, built_in, primary
from communique.errors import DataError
from communique.loader.yaml_tree import YamlTree
from communique.model import SourceLocation, Where
from communique.schema import BLOCK_KEY, BLOCK_KINDS, LANGUAGE_TAG, MAX_BLOCKS, MAX_INSTRUMENTS, SCHEMA
from communique.schema_check import check, describe
from communique.text_rules import REFUSED_HINT, refused_strings

BLOCK_FIELDS = (*BLOCK_KINDS, "numbering", "items")
INSTRUMENT_TEXT = ("body", "closing", "closing_form", "closing_position", "signature_order", "witnesses")
"""Top-level fields that belong to each instrument where the file has `instruments`."""


def check_document(tree: YamlTree) -> list[DataError]:
    """Every problem of the document, located."""
    document = tree.value
    languages = _languages(tree)
    schema, localized, localized_names = _specific_schema(languages)
    problems = list(tree.problems)
    too_many = _too_many_blocks(tree)
    if too_many:  # refused at once: checking 60,000 blocks took seconds to say the same
        return _unique(problems + too_many)
    problems += _character_problems(tree)
    tag_problems = _language_tag_problems(tree)
    if tag_problems:  # every text is checked against the languages: one misspelt tag would flag them all
        return _unique(problems + tag_problems)

    def unknown_block_key(where: Where, key: str) -> DataError:
        close = difflib.get_close_matches(key, BLOCK_FIELDS, n=1, cutoff=0.6)
        return DataError(
            f"'{key}' in {describe(where)} is neither one of the document's languages "
            f"({', '.join(languages)}) nor a kind of block",
            tree.locate((*where, key), key=True),
            f"did you mean '{close[0]}'?"
            if close
            else f"blocks are paragraphs (one text per language) or one of: {', '.join(BLOCK_KINDS)}",
        )

    def word(error: ValidationError, where: Where) -> DataError | None:
        if error.validator == "required" and error.schema is localized:
            missing = error.message.split("'")[1]
            return DataError(
                f"{describe(where)} has no '{missing}' text",
                tree.locate(where),
                f"every text needs one entry per language: {', '.join(languages)}",
            )
        if where[:1] == ("accept",) and where[-1:] == ("where",) and error.validator == "pattern":
            return DataError(
                f"{describe(where)} {str(error.instance)!r} names no block or field",
                tree.locate(where),
                "name it as the check does: 'body 3', 'body 4 item 2', 'title', 'subject', 'closing' "
                "('instrument 2 body 3' where the file has `instruments`)",
            )
        if where[-1:] == ("closing",) and error.validator in ("pattern", "type"):
            return DataError(
                "the closing must be closing lines per language, or `none`",
                tree.locate(where),
                "write `closing: none` to leave out every closing line, or `closing: {en: ...}`",
            )
        if "propertyNames" in error.schema_path and _in_block(where):
            return unknown_block_key(where, str(error.instance))
        if len(where) > 1 and _in_block(where[:-1]) and where[-1] not in (*languages, *BLOCK_FIELDS):
            return unknown_block_key(where[:-1], str(where[-1]))  # the same finding as its key's
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
    for where, fields in instruments(document):
        problems += _block_problems(tree, where, languages, pending_languages(document, fields))
    if not problems:
        problems += _instrument_problems(tree)
    if not problems:
        for where, fields in instruments(document):
            problems += _signature_order_problems(tree, where, languages)
            problems += _closing_problems(tree, where, languages)
            problems += _pending_problems(tree, where, fields, languages)
        problems += _convention_problems(tree, languages)
        problems += _signatory_problems(tree)
        problems += _party_problems(tree)
        problems += _accept_problems(tree)
    return _unique(problems)


def _in_block(where: Where) -> bool:
    """Whether `where` is a body block or a list item."""
    return len(where) >= 2 and isinstance(where[-1], int) and where[-2] in ("body", "items")


def _too_many_blocks(tree: YamlTree) -> list[DataError]:
    """A body with more than MAX_BLOCKS blocks, or more than MAX_INSTRUMENTS instruments."""
    document = tree.value
    if not isinstance(document, dict):
        return []
    listed = document.get("instruments")
    if isinstance(listed, list) and len(listed) > MAX_INSTRUMENTS:
        message = f"the file has {len(listed)} instruments; at most {MAX_INSTRUMENTS} are allowed"
        return [DataError(message, tree.locate(("instruments",)), "split it into several files")]
    return [
        DataError(
            f"the body has {len(fields['body'])} blocks; at most {MAX_BLOCKS} are allowed",
            tree.locate((*where, "body")),
            "split the document into several files",
        )
        for where, fields in instruments(document)
        if isinstance(fields.get("body"), list) and len(fields["body"]) > MAX_BLOCKS
    ]


def instruments(document: dict[str, Any]) -> list[tuple[Where, dict[str, Any]]]:
    """(where, fields) of each instrument: the items of `instruments` (those that are mappings), or the
    document itself."""
    if "instruments" in document:
        items = document["instruments"] if isinstance(document["instruments"], list) else []
        return [(("instruments", index), item) for index, item in enumerate(items) if isinstance(item, dict)]
    return [((), document)]


def pending_languages(document: dict[str, Any], fields: dict[str, Any]) -> tuple[str, ...]:
    """The languages pending in an instrument (its `fields`): the file's `pending` and its own."""
    own = fields.get("pending") if fields is not document else None
    return tuple(
        dict.fromkeys(
            lang for given in (document.get("pending"), own) if isinstance(given, dict) for lang in given
        )
    )


def _pending_problems(
    tree: YamlTree, where: Where, fields: dict[str, Any], languages: tuple[str, ...]
) -> list[DataError]:
    """`pending` that says what cannot be: a language pending twice (in the file and in an instrument), in
    an instrument that gives every one of its texts, or every language of an instrument pending."""
    whole: dict[str, str] = tree.value.get("pending", {})
    own: dict[str, str] = fields.get("pending", {}) if where else {}
    several = "instruments" in tree.value
    name = describe(where) if where else "the document"
    problems = [
        DataError(
            f"'{lang}' is pending in {name} and in the whole file",
            tree.locate((*where, "pending", lang), key=True),
            "name it once: in the file's `pending` for every instrument, or in the instrument's",
        )
        for lang in own
        if lang in whole
    ]
    pending = pending_languages(tree.value, fields)
    if pending and set(pending) >= set(languages):
        problems.append(
            DataError(
                f"every language of {name} is pending",
                tree.locate((*where, "pending") if own else ("pending",), key=True),
                "one language at least must give the whole text",
            )
        )
        return problems
    for lang in pending:
        if _leaves_out(fields, lang):
            continue
        at: Where = (*where, "pending", lang) if lang in own else ("pending", lang)
        hint = "remove it from `pending`: the notice would say a complete version is not ready"
        if several and lang not in own:
            hint = "name it in the `pending` of the instruments that leave it out, not in the file's"
        problems.append(
            DataError(
                f"'{lang}' is pending, but {name} gives every '{lang}' text", tree.locate(at, key=True), hint
            )
        )
    return problems


def _leaves_out(fields: dict[str, Any], lang: str) -> bool:
    """Whether a body block of the instrument (its `fields`) has no `lang` text: a paragraph, a kind's
    texts (an article's captions), or a list item."""
    for block in fields.get("body", []):
        kinds = [name for name in BLOCK_KINDS if name in block]
        holders = [block] if not kinds else [block[kinds[0]]]
        if kinds == ["list"]:
            holders = block["items"]
        if any(isinstance(holder, dict) and lang not in holder for holder in holders):
            return True
    return False


def _signatory_problems(tree: YamlTree) -> list[DataError]:
    """Proxies and printed lines that say what cannot be (`_proxy_problems`, `_printed_problems`)."""
    signers = [
        (("parties", index, "signatories", number), person)
        for index, party in enumerate(tree.value["parties"])
        for number, person in enumerate(party.get("signatories", []))
    ]
    witnesses = [
        ((*where, "witnesses", number), person)
        for where, fields in instruments(tree.value)
        for number, person in enumerate(fields.get("witnesses", []))
    ]
    problems = [problem for at, person in signers for problem in _proxy_problems(tree, at, person)]
    return problems + [
        problem for at, person in signers + witnesses for problem in _printed_problems(tree, at, person)
    ]


def _proxy_problems(tree: YamlTree, at: Where, signer: dict[str, Any]) -> list[DataError]:
    """An absent official given a title in a language without a name (or the reverse), and a marker for
    a language whose version does not name the official."""
    behalf = signer.get("on_behalf_of", {})
    given = {key: set(behalf.get(key, {})) for key in ("title", "name")}
    problems = [
        DataError(
            f"the absent official is given a {key} in '{lang}' but no {other}",
            tree.locate((*at, "on_behalf_of", key, lang), key=True),
            "give both in the languages whose version names the official, and neither in the others",
        )
        for key, other in (("title", "name"), ("name", "title"))
        for lang in sorted(given[key] - given[other])
    ]
    return problems + [
        DataError(
            f"the marker for '{lang}' has no effect: the '{lang}' version does not name the absent official",
            tree.locate((*at, "on_behalf_of", "marker", lang), key=True),
            f"remove it, or name the official in '{lang}' (`title` and `name`)",
        )
        for lang in behalf.get("marker", {})
        if lang not in given["name"]
    ]


def _printed_problems(tree: YamlTree, at: Where, person: dict[str, Any]) -> list[DataError]:
    """Printed lines that mark more than one line as the name."""
    problems = []
    for lang, lines in person.get("printed", {}).items():
        names = [number for number, line in enumerate(lines) if isinstance(line, dict)]
        if len(names) > 1:
            problems.append(
                DataError(
                    f"the printed '{lang}' lines mark {len(names)} names",
                    tree.locate((*at, "printed", lang, names[1])),
                    "mark the one line that is the signatory's name with `name:`",
                )
            )
    return problems


def _instrument_problems(tree: YamlTree) -> list[DataError]:
    """A file holds its text at the top level (`body`) or in `instruments`, not both nor neither."""
    document = tree.value
    if "instruments" not in document:
        if "body" in document:
            return []
        return [DataError("the document has no 'body'", tree.locate(()), "add `body:` with its text")]
    return [
        DataError(
            f"'{name}' belongs in each instrument where the file has `instruments`",
            tree.locate((name,), key=True),
            "move it into the instrument it belongs to",
        )
        for name in INSTRUMENT_TEXT
        if name in document
    ]


def _block_problems(
    tree: YamlTree, where: Where, languages: tuple[str, ...], pending: tuple[str, ...]
) -> list[DataError]:
    """Each block is one kind, has the fields of its kind, and a text in every language not pending
    (blocks of the wrong shape are left to the schema's findings)."""
    problems = []
    body = _get(tree.value, where).get("body")
    if not isinstance(body, list):
        return []
    complete = [lang for lang in languages if lang not in pending]
    for index, block in enumerate(body):
        if not isinstance(block, dict):
            continue
        at: Where = (*where, "body", index)
        kinds = [name for name in BLOCK_KINDS if name in block]
        texts = [key for key in block if key not in BLOCK_FIELDS]
        fault = None
        if len(kinds) > 1:
            fault = (f"{describe(at)} is both {' and '.join(kinds)}", "make them two blocks")
        elif kinds and texts:
            fault = (
                f"{describe(at)} has texts beside `{kinds[0]}`",
                f"put the texts inside `{kinds[0]}:`",
            )
        elif "numbering" in block and kinds != ["heading"]:
            fault = (f"`numbering` in {describe(at)} belongs to a heading", "remove it")
        elif ("items" in block) != (kinds == ["list"]):
            fault = (f"{describe(at)}: `list` and `items` go together", "give a list style and its items")
        elif block.get("article") is False:
            fault = (
                f"{describe(at)}: `article: false`",
                "write `article: true` for an article without caption",
            )
        if fault:
            problems.append(DataError(fault[0], tree.locate(at), fault[1]))
            continue
        holders: list[Where] = [at] if not kinds else [(*at, kinds[0])]
        if kinds == ["list"]:
            items = block["items"] if isinstance(block["items"], list) else []
            holders = [(*at, "items", number) for number in range(len(items))]
        for holder in holders:
            given = _get(tree.value, holder)
            if not isinstance(given, dict):
                continue
            problems += [
                DataError(
                    f"{describe(holder)} has no '{lang}' text",
                    tree.locate(holder),
                    "every block needs one entry per language (name a language whose translation is "
                    "not ready in `pending`)",
                )
                for lang in complete
                if lang not in given
            ]
    return problems


def _party_problems(tree: YamlTree) -> list[DataError]:
    """Party keys are unique."""
    keys = [party["key"] for party in tree.value["parties"]]
    if len(set(keys)) == len(keys):
        return []
    return [
        DataError(
            f"party keys are not unique: {', '.join(keys)}",
            tree.locate(("parties",)),
            "give every party its own `key`",
        )
    ]


def _convention_problems(tree: YamlTree, languages: tuple[str, ...]) -> list[DataError]:
    """Languages without built-in words for articles, witnesses or proxies give them in the data."""
    document = tree.value
    problems = []
    formats = document.get("article_format", {})
    for lang, label in formats.items():
        if "{n}" not in label:
            problems.append(
                DataError(
                    f"the '{lang}' article format has no {{n}} for the number",
                    tree.locate(("article_format", lang)),
                    "write it as, for example, 'Article {n}'",
                )
            )
    for where, fields in instruments(document):
        articles = [index for index, block in enumerate(fields.get("body", [])) if "article" in block]
        for lang in languages:
            if articles and lang not in formats and built_in(ARTICLE_LABELS, lang) is None:
                problems.append(
                    DataError(
                        f"there is no built-in article label for '{lang}'",
                        tree.locate((*where, "body", articles[0])),
                        f"give it in `article_format: {{{lang}: ...}}` with {{n}} for the number",
                    )
                )
            labels = fields.get("witness_label", {})
            if fields.get("witnesses") and lang not in labels and built_in(WITNESS_LABELS, lang) is None:
                problems.append(
                    DataError(
                        f"there is no built-in line above the witnesses for '{lang}'",
                        tree.locate((*where, "witnesses"), key=True),
                        f"give it in `witness_label: {{{lang}: ...}}`",
                    )
                )
    for index, party in enumerate(document["parties"]):
        for number, signer in enumerate(party.get("signatories", [])):
            behalf = signer.get("on_behalf_of")
            if not behalf:
                continue
            for lang in languages:
                if lang not in behalf["name"]:
                    continue  # the version names the signatory alone
                if lang not in behalf.get("marker", {}) and built_in(PROXY_MARKERS, lang) is None:
                    problems.append(
                        DataError(
                            f"there are no built-in words for a signature on behalf of another in '{lang}'",
                            tree.locate(("parties", index, "signatories", number, "on_behalf_of"), key=True),
                            f"give them in `marker: {{{lang}: ...}}`",
                        )
                    )
    return problems


_PLACE = re.compile(r"(?:instrument (\d+) )?(?:(title|subject|closing)|body (\d+)(?: item (\d+))?)")


def _accept_problems(tree: YamlTree) -> list[DataError]:
    """`accept` entries whose `where` names a block or field the file does not have ('body 99' of 26
    blocks): the same mistake as a `where` not written as the check names blocks, which the schema finds."""
    entries = tree.value.get("accept")
    problems = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        place = entry.get("where") if isinstance(entry, dict) else None
        why = _missing_place(tree.value, place) if isinstance(place, str) else None
        if why is not None:
            at: Where = ("accept", index, "where")
            problems.append(
                DataError(f"{describe(at)} {place!r} names no block or field", tree.locate(at), why)
            )
    return problems


def _missing_place(document: dict[str, Any], place: str) -> str | None:
    """Why `place` ('instrument 2 body 3') names no block or field of `document`; None where it
    names a block or field (or is not written as a place: the schema's finding)."""
    match = _PLACE.fullmatch(place)
    each = [fields for _, fields in instruments(document)]
    if match is None or not each:
        return None
    number, name, block, item = match.groups()
    if number is not None:
        if len(each) < 2:
            return "the file has one instrument: name the block without 'instrument N'"
        if int(number) > len(each):
            return f"the file has {len(each)} instruments"
        fields = each[int(number) - 1]
    elif len(each) > 1 and name in ("title", "subject"):
        fields = document  # the title and subject of the whole file
    elif len(each) > 1:
        return "the file has several instruments: name the instrument too, as in 'instrument 1 body 3'"
    else:
        fields = each[0]
    if name is not None:
        given = name == "title" or (name == "subject" and "subject" in fields)
        given = given or (name == "closing" and isinstance(fields.get("closing"), dict))
        word_for_word = " given word for word" if name == "closing" else ""
        return None if given else f"there is no {name}{word_for_word}"
    prefix = f"instrument {number} " if number else ""
    body: list[Any] = fields["body"] if isinstance(fields.get("body"), list) else []
    if int(block) > len(body):
        whose = f"instrument {number}'s" if number else "the"
        entries = f"{len(body)} entries: '{prefix}body 1' to '{prefix}body {len(body)}'"
        return f"{whose} body has " + (entries if len(body) > 1 else f"one entry, '{prefix}body 1'")
    entry = body[int(block) - 1]
    items = entry.get("items") if isinstance(entry, dict) and "list" in entry else None
    named = f"{prefix}body {block}"
    if item is None:
        if isinstance(items, list):
            return f"'{named}' is a list: name one of its items, as in '{named} item 1'"
        return None
    if not isinstance(items, list):
        return f"'{named}' is not a list: name it '{named}'"
    count = f"{len(items)} items" if len(items) > 1 else "one item"
    return None if int(item) <= len(items) else f"the list '{named}' has {count}"


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
    """SCHEMA with language keys bound to the document's languages: every language required in a
    complete text, and no other language anywhere. Returns the schema and the two bound subschemas."""
    schema = copy.deepcopy(SCHEMA)
    localized = schema["$defs"]["localized"]
    names: dict[str, Any] = {"enum": list(languages)}
    if languages:
        localized["required"] = list(languages)
        _bind_language_keys(schema, names)
    return schema, localized, names


def _bind_language_keys(node: Any, names: dict[str, Any]) -> None:
    """Every mapping keyed by language tags in `node` accepts only the document's languages (block
    mappings also their own keys)."""
    if isinstance(node, dict):
        keys = node.get("propertyNames")
        if keys == {"pattern": LANGUAGE_TAG}:
            node["propertyNames"] = {"allOf": [keys, names]}
        elif keys == {"pattern": BLOCK_KEY}:
            node["propertyNames"] = {"allOf": [keys, {"enum": [*names["enum"], *BLOCK_FIELDS]}]}
        for value in node.values():
            _bind_language_keys(value, names)
    elif isinstance(node, list):
        for value in node:
            _bind_language_keys(value, names)


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


def _closing_problems(tree: YamlTree, where: Where, languages: tuple[str, ...]) -> list[DataError]:
    """Closing lines: `closing`, `closing_form` and `place` agree, and a Japanese closing line made in the
    era form has a date the era table covers."""
    from communique.dates import ERAS, NO_PLACE_FORM

    value = tree.value
    fields = _get(value, where)
    closing = fields.get("closing", {})
    given = closing if isinstance(closing, dict) else {}
    forms: dict[str, str] = fields.get("closing_form", {})
    problems = []
    if closing == "none" and forms:
        problems.append(
            DataError(
                "closing_form has no effect: `closing: none` leaves out every closing line",
                tree.locate((*where, "closing_form"), key=True),
                "remove one of them",
            )
        )
    for lang, text in given.items():
        if lang in forms:
            problems.append(
                DataError(
                    f"closing_form for '{lang}' has no effect: its closing line is given word for word",
                    tree.locate((*where, "closing_form", lang), key=True),
                    "remove one of them",
                )
            )
        if text.strip().lower() == "none":
            problems.append(
                DataError(
                    f"the '{lang}' closing line would be printed as '{text.strip()}'",
                    tree.locate((*where, "closing", lang)),
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
                    tree.locate((*where, "closing_form", lang)),
                    "add `place:`, or choose 'date'",
                )
            )
        elif primary(lang) in NO_PLACE_FORM:
            problems.append(
                DataError(
                    f"there is no built-in 'date-place' closing line for '{lang}'",
                    tree.locate((*where, "closing_form", lang)),
                    "give the closing line word for word in `closing`, or choose 'date'",
                )
            )
    first = ERAS[-1][0]
    date = datetime.date.fromisoformat(value["date"])
    generated = [
        lang
        for lang in languages
        if primary(lang) == "ja" and lang not in given and closing != "none" and forms.get(lang) != "none"
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
            meant = _meant_language(tag)
            problems.append(
                DataError(
                    f"unknown language tag '{tag}'",
                    tree.locate(("languages", index)),
                    f"did you mean '{meant}'? ('{tag}' is a country code)"
                    if meant
                    else "use a BCP 47 tag known to CLDR, such as 'ja', 'en', 'fi' or 'zh-Hant'",
                )
            )
    return problems


def _meant_language(tag: str) -> str | None:
    """The language of the country whose code `tag` is ('jp' -> 'ja', 'cn' -> 'zh-Hans', 'hk' -> 'zh-HK'),
    from CLDR's likely subtags; None if `tag` is no country code."""
    from babel.core import get_global

    likely = get_global("likely_subtags").get(f"und_{tag.upper()}")
    if not likely:
        return None
    language, script, region = [*likely.split("_"), "", ""][:3]
    if language != "zh":
        return str(language)
    return f"zh-{region}" if region in ("HK", "MO") else f"zh-{script}"


def _signature_order_problems(tree: YamlTree, where: Where, languages: tuple[str, ...]) -> list[DataError]:
    """`signed_by` names parties, and each language's signature order lists every signing party with
    signatories once (a party that signs nothing may be listed)."""
    parties = tree.value["parties"]
    keys = [party["key"] for party in parties]
    fields = _get(tree.value, where)
    problems = []
    for index, key in enumerate(fields.get("signed_by", [])):
        if key not in keys:
            problems.append(
                DataError(
                    f"signed_by names '{key}', which is not a party",
                    tree.locate((*where, "signed_by", index)),
                    f"the parties are: {', '.join(keys)}",
                )
            )
    signing = [key for key in keys if key in fields.get("signed_by", keys)]
    signers = [party["key"] for party in parties if party["key"] in signing and party.get("signatories")]
    for lang, listed in fields.get("signature_order", {}).items():
        if lang not in languages:
            problems.append(
                DataError(
                    f"signature_order names '{lang}', which is not one of the document's languages "
                    f"({', '.join(languages)})",
                    tree.locate((*where, "signature_order", lang), key=True),
                    "remove it or fix the tag",
                )
            )
        elif sorted(set(listed)) != sorted(listed) or not set(signers) <= set(listed) <= set(signing):
            problems.append(
                DataError(
                    f"signature_order for '{lang}' must list every signing party once: {', '.join(signers)}",
                    tree.locate((*where, "signature_order", lang)),
                    f"got {', '.join(listed) or 'nothing'}",
                )
            )
    return problems
