"""Reading YAML into plain values while remembering where each value and key was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from communique.errors import DataError, ErrorList
from communique.model import SourceLocation, Where

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STRING_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"}
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists accepted (a real data file needs 6); libyaml's composer recurses
in C and crashes the process on some 26,000 levels, so deeper files are refused before it runs."""
_OPENING = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSING = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


@dataclass
class YamlTree:
    """A YAML document as plain values (dict, list, str, int, float, bool, None), with positions."""

    label: str
    source: str
    value: Any = None
    nodes: dict[Where, yaml.Node] = field(default_factory=dict)
    keys: dict[Where, yaml.Node] = field(default_factory=dict)
    problems: list[DataError] = field(default_factory=list)

    def at(self, node: yaml.Node) -> SourceLocation:
        """Where `node` starts."""
        mark = node.start_mark
        return SourceLocation(self.label, mark.line + 1, mark.column + 1)

    def locate(self, where: Where, key: bool = False) -> SourceLocation:
        """Where the value at `where` (or its key) was written; the nearest enclosing value if unknown."""
        if key and where in self.keys:
            return self.at(self.keys[where])
        while where and where not in self.nodes:
            where = where[:-1]
        node = self.nodes.get(where)
        return self.at(node) if node is not None else SourceLocation(self.label, 1, 1)

    def raw(self, where: Where) -> str:
        """The scalar at `where` exactly as written (quotes, escapes and line breaks included)."""
        node = self.nodes[where]
        return self.source[node.start_mark.index : node.end_mark.index]


def read_yaml(source: str, label: str) -> YamlTree:
    """Parse `source`; ErrorList for syntax errors and a document that is not a mapping. Duplicate and
    non-scalar keys are noted in `problems` and left out of the values."""
    tree = YamlTree(label, source)
    start = SourceLocation(label, 1, 1)
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as error:  # only from Python callers: a file that decoded has none
        raise ErrorList([_position_problem(source, label, error.start, ord(source[error.start]))]) from None
    try:
        _check_depth(source, label)
        root = yaml.compose(source, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = SourceLocation(label, mark.line + 1, mark.column + 1) if mark else start
        if mark is not None and source[mark.index : mark.index + 1] == "\t":
            problem, hint = "a tab character, where YAML indents with spaces only", "indent with spaces"
        else:  # as PyYAML words it: what it was reading, then what it found
            problem = ", ".join(part for part in (error.context, error.problem) if part)
            hint = (
                "a data file holds one document: split the file at this '---' line"
                if error.problem == "but found another document"
                else "check indentation, quotes and colons on this line"
            )
        raise ErrorList([DataError(f"YAML syntax error: {problem}", where, hint)]) from None
    except yaml.reader.ReaderError as error:
        raise ErrorList([_reader_problem(error, source, label)]) from None
    except yaml.YAMLError as error:
        raise ErrorList(
            [DataError(f"not readable as YAML: {error}", start, "save it as UTF-8 text")]
        ) from None
    if root is None:
        raise ErrorList([DataError("the file is empty", start, "see `communique schema`")])
    if not isinstance(root, yaml.MappingNode):
        raise ErrorList(
            [
                DataError(
                    "the document must be a mapping of keys to values", tree.at(root), "start with `id: ...`"
                )
            ]
        )
    tree.value = _value(tree, root, ())
    return tree


def _check_depth(source: str, label: str) -> None:
    """ErrorList if mappings and lists nest deeper than MAX_DEPTH, or if an alias is used (libyaml's
    scanner does not recurse, so this runs safely before the composer)."""
    depth = 0
    for token in yaml.scan(source, Loader=_Loader):
        if isinstance(token, yaml.AliasToken):
            # An alias repeats a whole subtree: a few lines of them expand to billions of values.
            mark = token.start_mark
            where = SourceLocation(label, mark.line + 1, mark.column + 1)
            raise ErrorList([DataError("YAML aliases (*name) are not allowed", where, "write the value out")])
        if isinstance(token, _OPENING):
            depth += 1
            if depth > MAX_DEPTH:
                mark = token.start_mark
                where = SourceLocation(label, mark.line + 1, mark.column + 1)
                raise ErrorList(
                    [
                        DataError(
                            f"lists and mappings nest deeper than {MAX_DEPTH} levels",
                            where,
                            "flatten the data",
                        )
                    ]
                )
        elif isinstance(token, _CLOSING):
            depth -= 1


def _reader_problem(error: yaml.reader.ReaderError, source: str, label: str) -> DataError:
    """A character YAML does not allow in a file (NUL, ESC, ...), located."""
    code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "\0")
    return _position_problem(source, label, error.position, code)


def _position_problem(source: str, label: str, position: int, code: int) -> DataError:
    """Character `code` at index `position` of `source` is not allowed."""
    before = source[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return DataError(
        f"character U+{code:04X} is not allowed in a YAML file",
        SourceLocation(label, line, column),
        "remove it; write control characters, if needed, as escapes in double quotes",
    )


_CONSTRUCTOR = yaml.SafeLoader("")
_BOOL_TAG = "tag:yaml.org,2002:bool"


def _value(tree: YamlTree, node: yaml.Node, where: Where) -> Any:
    tree.nodes[where] = node
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Any] = {}
        first: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                tree.problems.append(
                    DataError("keys must be plain words", tree.at(key_node), "quote the key")
                )
                continue
            key = str(key_node.value)  # `no:` is the language tag 'no', not the boolean false
            if key in first:
                line = first[key].start_mark.line + 1
                tree.problems.append(
                    DataError(
                        f"duplicate key '{key}' (first given on line {line})",
                        tree.at(key_node),
                        "YAML would silently keep only the last value; remove or merge one",
                    )
                )
                continue
            first[key] = key_node
            tree.keys[(*where, key)] = key_node
            mapping[key] = _value(tree, value_node, (*where, key))
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [_value(tree, item, (*where, index)) for index, item in enumerate(node.value)]
    if node.tag in _STRING_TAGS:
        return str(node.value)  # dates stay as written; the schema checks their form
    if node.tag == _BOOL_TAG and str(node.value).lower() not in ("true", "false"):
        return str(node.value)  # YAML 1.2: yes/no/on/off are words ('no' is Norwegian), not booleans
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return str(node.value)
