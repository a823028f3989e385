"""YAML data file -> Communique, with every problem located as file:line:column and reported together."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from communique.errors import DataError, ErrorList
from communique.images import image_problem
from communique.model import Communique, LocalizedText, Party, Signatory, SourceLocation, Text
from communique.schema import SCHEMA

DEFAULT_LAYOUT = "sequential"
DEFAULT_PAPER = "A4"
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALAR_KINDS = {
    "tag:yaml.org,2002:str": "a string",
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "nothing (null)",
    "tag:yaml.org,2002:timestamp": "a date",
}
Path_ = tuple[str | int, ...]
_BOOL = "tag:yaml.org,2002:bool"
_LOCALIZED = ("#/$defs/localized", "#/$defs/localized_partial")


def load(path: Path) -> Communique:
    """Read and validate one communique data file; raise ErrorList listing every problem."""
    reader = _Reader(path)
    return reader.read()


def describe(where: Path_) -> str:
    """A reader's name for a place in the document, e.g. ('body', 2) -> 'paragraph 3'."""
    words: list[str] = []
    index = 0
    while index < len(where):
        part = where[index]
        following = where[index + 1] if index + 1 < len(where) else None
        if part == "body" and isinstance(following, int):
            words.append(f"paragraph {following + 1}")
            index += 2
        elif part in ("parties", "signatories") and isinstance(following, int):
            words.append(f"{'party' if part == 'parties' else 'signatory'} {following + 1}")
            index += 2
        elif isinstance(part, int):
            words.append(f"item {part + 1}")
            index += 1
        else:
            words.append(f"'{part}'" if words else f"the {part}")
            index += 1
    return " ".join(words) if words else "the document"


class _Reader:
    """One pass over one file: YAML nodes are checked against SCHEMA, then turned into the model."""

    def __init__(self, path: Path):
        self.path = path
        self.label = str(path)
        self.problems: list[DataError] = []
        self.source = ""
        self.languages: tuple[str, ...] = ()

    def read(self) -> Communique:
        root = self._compose()
        self.languages = self._languages(root)
        self._check(root, SCHEMA, ())
        if self.problems:
            raise ErrorList(self.problems)
        communique = self._build(root)
        if self.problems:
            raise ErrorList(self.problems)
        return communique

    # -- reporting -------------------------------------------------------------------------------

    def _at(self, node: yaml.Node) -> SourceLocation:
        mark = node.start_mark
        return SourceLocation(self.label, mark.line + 1, mark.column + 1)

    def _problem(self, node: yaml.Node | SourceLocation, message: str, hint: str | None = None) -> None:
        location = node if isinstance(node, SourceLocation) else self._at(node)
        self.problems.append(DataError(message, location, hint))

    # -- YAML ------------------------------------------------------------------------------------

    def _compose(self) -> yaml.MappingNode:
        start = SourceLocation(self.label, 1, 1)
        try:
            self.source = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ErrorList([DataError("no such file", start, "check the path")]) from None
        except UnicodeDecodeError as error:
            raise ErrorList(
                [
                    DataError(
                        f"not UTF-8 text ({error.reason} at byte {error.start})",
                        start,
                        "save the file as UTF-8",
                    )
                ]
            ) from None
        except OSError as error:
            raise ErrorList([DataError(f"cannot read the file: {error.strerror}", start)]) from None
        try:
            root = yaml.compose(self.source, Loader=_Loader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = SourceLocation(self.label, mark.line + 1, mark.column + 1) if mark else start
            context = f" {error.context}" if error.context else ""
            raise ErrorList(
                [
                    DataError(
                        f"YAML syntax error: {error.problem}{context}",
                        where,
                        "check indentation, quotes and colons on this line",
                    )
                ]
            ) from None
        if root is None:
            raise ErrorList([DataError("the file is empty", start, "see `communique schema`")])
        if not isinstance(root, yaml.MappingNode):
            raise ErrorList(
                [
                    DataError(
                        "the document must be a mapping of keys to values",
                        self._at(root),
                        "start with `id: ...`",
                    )
                ]
            )
        return root

    def _pairs(self, node: yaml.Node) -> Iterator[tuple[yaml.ScalarNode, yaml.Node]]:
        """Key/value pairs of a mapping, with non-string and duplicate keys reported and skipped."""
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str":
                self._problem(key, "keys must be plain words", "quote the key or rename it")
                continue
            if key.value in seen:
                first = seen[key.value].start_mark.line + 1
                self._problem(
                    key,
                    f"duplicate key '{key.value}' (first given on line {first})",
                    "YAML would silently keep only the last value; remove or merge one",
                )
                continue
            seen[key.value] = key
            yield key, value

    # -- schema check ----------------------------------------------------------------------------

    def _check(self, node: yaml.Node, schema: dict[str, Any], where: Path_) -> None:
        if schema.get("$ref") in _LOCALIZED and isinstance(node, yaml.MappingNode):
            self._check_languages(node, where, complete=schema["$ref"] == "#/$defs/localized")
        if "$ref" in schema:
            schema = {
                **SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[1]],
                **{k: v for k, v in schema.items() if k != "$ref"},
            }
        if "enum" in schema:
            self._check_choice(node, schema["enum"], where)
        expected = schema.get("type")
        if expected == "object":
            self._check_mapping(node, schema, where)
        elif expected == "array":
            self._check_sequence(node, schema, where)
        elif expected == "string":
            self._check_string(node, schema, where)
        elif expected == "boolean" and not (isinstance(node, yaml.ScalarNode) and node.tag == _BOOL):
            self._wrong_type(node, "true or false", where)

    def _check_choice(self, node: yaml.Node, choices: list[str], where: Path_) -> None:
        value = node.value if isinstance(node, yaml.ScalarNode) else None
        if value not in choices:
            close = [choice for choice in choices if str(value).lower() == choice.lower()]
            hint = f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(choices)}"
            self._problem(node, f"{describe(where)} cannot be {value!r}", hint)

    def _wrong_type(self, node: yaml.Node, expected: str, where: Path_) -> None:
        if isinstance(node, yaml.MappingNode):
            got = "a mapping"
        elif isinstance(node, yaml.SequenceNode):
            got = "a list"
        else:
            got = _SCALAR_KINDS.get(node.tag, node.tag)
        hint = "put the value in quotes" if expected == "a string" else "see `communique schema`"
        self._problem(node, f"{describe(where)} must be {expected}, not {got}", hint)

    def _check_mapping(self, node: yaml.Node, schema: dict[str, Any], where: Path_) -> None:
        if not isinstance(node, yaml.MappingNode):
            self._wrong_type(node, "a mapping", where)
            return
        properties: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        name_pattern = schema.get("propertyNames", {}).get("pattern")
        present, suggested = set(), set()
        for key, value in self._pairs(node):
            present.add(key.value)
            if key.value in properties:
                self._check(value, properties[key.value], (*where, key.value))
            elif extra is False:
                close = difflib.get_close_matches(key.value, list(properties), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(properties)}"
                suggested.update(close)
                self._problem(key, f"unknown key '{key.value}' in {describe(where)}", hint)
            elif name_pattern and not re.search(name_pattern, key.value):
                self._problem(
                    key,
                    f"'{key.value}' is not a language tag",
                    "use a BCP 47 tag such as 'ja', 'en', 'fi' or 'zh-Hant'",
                )
            elif isinstance(extra, dict):
                self._check(value, extra, (*where, key.value))
        for required in schema.get("required", []):
            if required not in present and required not in suggested:
                self._problem(
                    node,
                    f"{describe(where)} has no '{required}'",
                    f"add `{required}:` ({_summary(properties[required])})",
                )
        if len(present) < schema.get("minProperties", 0):
            self._problem(node, f"{describe(where)} is empty", "give one entry per language")

    def _check_sequence(self, node: yaml.Node, schema: dict[str, Any], where: Path_) -> None:
        if not isinstance(node, yaml.SequenceNode):
            self._wrong_type(node, "a list", where)
            return
        if len(node.value) < schema.get("minItems", 0):
            self._problem(node, f"{describe(where)} is empty", "add at least one entry")
        seen: set[str] = set()
        for index, item in enumerate(node.value):
            self._check(item, schema.get("items", {}), (*where, index))
            if schema.get("uniqueItems") and isinstance(item, yaml.ScalarNode):
                if item.value in seen:
                    self._problem(
                        item,
                        f"'{item.value}' is listed twice in {describe(where)}",
                        "remove the repeated entry",
                    )
                seen.add(item.value)

    def _check_string(self, node: yaml.Node, schema: dict[str, Any], where: Path_) -> None:
        is_date = schema.get("format") == "date"
        accepted = {"tag:yaml.org,2002:str"} | ({"tag:yaml.org,2002:timestamp"} if is_date else set())
        if not isinstance(node, yaml.ScalarNode) or node.tag not in accepted:
            self._wrong_type(node, "a string", where)
            return
        value = node.value
        if is_date:
            try:
                datetime.date.fromisoformat(value)
            except ValueError as error:
                self._problem(node, f"invalid date '{value}' ({error})", "write the date as YYYY-MM-DD")
            return
        if len(value) < schema.get("minLength", 0) or not value.strip():
            self._problem(node, f"{describe(where)} is empty", "write the text or remove the entry")
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            self._problem(
                node, f"{describe(where)} '{value}' is not valid here", f"it must match {schema['pattern']}"
            )

    # -- model -----------------------------------------------------------------------------------

    def _build(self, root: yaml.MappingNode) -> Communique:
        fields = {key.value: value for key, value in self._pairs(root)}
        languages = self.languages
        localized = self._localized
        parties = tuple(self._party(node) for node in fields["parties"].value)
        subject = fields.get("subject")
        return Communique(
            source=self.path,
            id=fields["id"].value,
            date=datetime.date.fromisoformat(fields["date"].value),
            place=localized(fields["place"]),
            languages=languages,
            layout=fields["layout"].value if "layout" in fields else DEFAULT_LAYOUT,
            paper=fields["paper"].value if "paper" in fields else DEFAULT_PAPER,
            title=localized(fields["title"]),
            subject=localized(subject) if subject else None,
            keywords=tuple(item.value for item in fields["keywords"].value) if "keywords" in fields else (),
            parties=parties,
            body=tuple(localized(node) for node in fields["body"].value),
            closing=localized(fields["closing"]) if "closing" in fields else LocalizedText(()),
            japanese_era="japanese_era" in fields and yaml.safe_load(fields["japanese_era"].value) is True,
            signature_order=self._signature_order(fields.get("signature_order"), languages, parties),
        )

    def _languages(self, root: yaml.MappingNode) -> tuple[str, ...]:
        """The document's language tags, each checked against CLDR; () if `languages` is malformed."""
        from babel import Locale, UnknownLocaleError

        node = next((value for key, value in root.value if getattr(key, "value", None) == "languages"), None)
        if not isinstance(node, yaml.SequenceNode) or not all(
            isinstance(item, yaml.ScalarNode) for item in node.value
        ):
            return ()
        for item in node.value:
            try:
                Locale.parse(item.value, sep="-")
            except (UnknownLocaleError, ValueError, TypeError):
                self._problem(
                    item,
                    f"unknown language tag '{item.value}'",
                    "use a BCP 47 tag known to CLDR, such as 'ja', 'en', 'fi' or 'zh-Hant'",
                )
        return tuple(item.value for item in node.value)

    def _check_languages(self, node: yaml.MappingNode, where: Path_, complete: bool) -> None:
        """A localized text has entries only for document languages, and (if `complete`) one for each."""
        given = {key.value: key for key, _ in node.value if isinstance(key, yaml.ScalarNode)}
        for lang, key in given.items():
            if self.languages and lang not in self.languages:
                self._problem(
                    key,
                    f"'{lang}' in {describe(where)} is not one of the document's languages "
                    f"({', '.join(self.languages)})",
                    "add it to `languages` or remove this entry",
                )
        for lang in self.languages if complete else ():
            if lang not in given:
                self._problem(
                    node,
                    f"{describe(where)} has no '{lang}' text",
                    f"every text needs one entry per language: {', '.join(self.languages)}",
                )

    def _text(self, node: yaml.Node) -> Text:
        raw = self.source[node.start_mark.index : node.end_mark.index]
        return Text(node.value, self._at(node), raw)

    def _localized(self, node: yaml.Node) -> LocalizedText:
        given = {key.value: value for key, value in self._pairs(node)}
        return LocalizedText(
            tuple((lang, self._text(given[lang])) for lang in self.languages if lang in given)
        )

    def _party(self, node: yaml.Node) -> Party:
        fields = {key.value: value for key, value in self._pairs(node)}
        signatories = []
        for signer_node in fields["signatories"].value:
            signer = {key.value: value for key, value in self._pairs(signer_node)}
            signatories.append(
                Signatory(
                    title=self._localized(signer["title"]),
                    name=self._localized(signer["name"]),
                    signature=self._image(signer["signature"]) if "signature" in signer else None,
                )
            )
        return Party(
            key=fields["key"].value,
            name=self._localized(fields["name"]),
            country=self._localized(fields["country"]),
            signatories=tuple(signatories),
            seal=self._image(fields["seal"], "seal") if "seal" in fields else None,
        )

    def _image(self, node: yaml.Node, kind: str = "signature") -> Path | None:
        folder = self.path.resolve().parent
        image: Path = (folder / str(node.value)).resolve()
        if not image.is_relative_to(folder):
            self._problem(
                node,
                f"{kind} image '{node.value}' is outside the data file's folder",
                "keep images next to the data file or in a folder below it",
            )
            return None
        if not image.is_file():
            self._problem(
                node,
                f"{kind} image '{node.value}' does not exist",
                "give a path relative to the data file",
            )
            return None
        problem = image_problem(image)
        if problem:
            self._problem(node, f"{kind} image '{node.value}' {problem}", "use a PNG or SVG image")
            return None
        return image

    def _signature_order(
        self, node: yaml.Node | None, languages: tuple[str, ...], parties: tuple[Party, ...]
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        keys = [party.key for party in parties]
        if len(set(keys)) != len(keys):
            self._problem(
                SourceLocation(self.label, 1, 1),
                f"party keys are not unique: {', '.join(keys)}",
                "give every party its own `key`",
            )
        if node is None:
            return tuple((lang, tuple(keys)) for lang in languages)
        assert isinstance(node, yaml.MappingNode)
        order = {}
        for lang_node, keys_node in self._pairs(node):
            lang = lang_node.value
            listed = [item.value for item in keys_node.value]
            if lang not in languages:
                self._problem(
                    lang_node,
                    f"signature_order names '{lang}', which is not one of the "
                    f"document's languages ({', '.join(languages)})",
                    "remove it or fix the tag",
                )
            elif sorted(listed) != sorted(keys):
                self._problem(
                    keys_node,
                    f"signature_order for '{lang}' must list every party once: {', '.join(keys)}",
                    f"got {', '.join(listed) or 'nothing'}",
                )
            order[lang] = tuple(listed)
        return tuple((lang, order.get(lang, tuple(keys))) for lang in languages)


def _summary(schema: dict[str, Any]) -> str:
    return str(schema.get("description", "see `communique schema`")).rstrip(".")
