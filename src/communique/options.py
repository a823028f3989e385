"""Build options, each declared once.

A field of `BuildOptions` is the whole declaration of an option: from it come the command-line flag
(`add_arguments`), the `[build]` key of communique.toml (`CONFIG_KEYS`), its part of the batch cache key
(`cache_key`) and its part of the rebuild command that archival copies record (`rebuild_flags`).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from communique.errors import UsageError
from communique.paper import PAPER_SIZES_MM
from communique.standards import STANDARD_PATTERN, standard

LAYOUT_NAME = r"^[a-z][a-z0-9_-]{0,63}$"


LATEST_EPOCH = 253_402_300_799
"""23:59:59 UTC on 31 December 9999, the last moment a PDF date can hold."""


def source_date_epoch(value: str | None) -> int | None:
    """SOURCE_DATE_EPOCH as seconds (None when unset or empty); UsageError when it is not a whole number
    of seconds between 1970 and 9999."""
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > LATEST_EPOCH:
        raise UsageError(
            f"SOURCE_DATE_EPOCH={value[:40]!r} is not a whole number of seconds from 1970 to 9999",
            hint="unset it or give seconds since 1970-01-01 UTC",
        )
    return int(value)


DRAFT_LABEL_LIMIT = 80
"""Characters of a draft label."""


def draft_label(text: str) -> str:
    """A draft label as given (`--draft LABEL`, a Python keyword, communique.toml), spaces collapsed;
    UsageError when it is empty (a script's unset variable would make a copy that looks final), ends
    like a folder's path, or cannot be drawn."""
    from communique.pdf.draft import drawable_label

    label = drawable_label(text, DRAFT_LABEL_LIMIT)
    if not label:
        raise UsageError(
            "the draft label is empty",
            hint="give a label (--draft 'Draft 2'), or --no-draft for a final copy",
        )
    if label.endswith(("/", "\\")):
        raise UsageError(
            f"the draft label {label!r} looks like a folder of data files",
            hint="give the data files first: communique build FOLDER --draft LABEL, or write --draft=LABEL",
        )
    return label


def paper_size(text: str) -> str:
    """A paper size name in any case ('a4', 'LETTER') -> its canonical spelling ('A4', 'Letter')."""
    for name in PAPER_SIZES_MM:
        if text.lower() == name.lower():
            return name
    raise UsageError(
        f"unknown paper size {text!r}", hint=f"choose one of: {', '.join(PAPER_SIZES_MM)} (any case)"
    )


PAPER_NAMES = sorted({spelling for name in PAPER_SIZES_MM for spelling in (name, name.lower(), name.upper())})
"""Paper size names as communique.toml accepts them: usual, lower or upper case."""


def _option(
    default: Any,
    help: str,
    *,
    metavar: str | None = None,
    parse: Callable[[str], Any] | None = None,
    schema: dict[str, Any] | None = None,
    bare: str | None = None,
) -> Any:
    """One option: its default, its help text (flag and config description), how a command-line value
    is read, the JSON Schema of its config value (a boolean unless given), and for a flag whose value may
    be left out, the value it then takes (`bare`)."""
    metadata = {
        "help": help,
        "metavar": metavar,
        "parse": parse,
        "schema": schema or {"type": "boolean"},
        "bare": bare,
    }
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class BuildOptions:
    """Options that change the PDF a build writes. Unset (None) values fall back to the data file."""

    archival: bool = _option(
        False, "write a tagged PDF/A-3a archival copy that carries its source data and images"
    )
    standard: str | None = _option(
        None,
        "the standards the PDF declares and meets: pdf/ua-1 (default for print), pdf/a-3a+ua-1 (default "
        "for archival), pdf/a-2a|2b|2u|3a|3b|3u|4f, pdf/x-4 (print shop: CMYK output intent), joined "
        "with '+'; every copy is tagged",
        metavar="NAME",
        parse=standard,
        schema={"type": "string", "pattern": STANDARD_PATTERN},
    )
    layout: str | None = _option(
        None,
        "layout to use instead of the data file's `layout` (see `communique layouts`)",
        metavar="NAME",
        schema={"type": "string", "pattern": LAYOUT_NAME},
    )
    paper: str | None = _option(
        None,
        "paper size instead of the data file's `paper`: A4, Letter or B5 (any case)",
        metavar="SIZE",
        parse=paper_size,
        schema={"enum": PAPER_NAMES},
    )
    print_marks: bool = _option(False, "add 3 mm bleed and crop marks (sets TrimBox and BleedBox)")
    signature_fields: bool = _option(
        False,
        "add an empty signature field over each signing party's signature block, named by the party's "
        "key, for `communique sign`",
    )
    strict: bool = _option(False, "treat every rendering warning as an error")
    draft: str | None = _option(
        None,
        "make a draft copy: a diagonal DRAFT under the text, LABEL (default 'Draft') and the date at the "
        "foot of every page, each version's lines numbered in the margin; never archival or signed; '' "
        "(--no-draft) for none",
        metavar="LABEL",
        parse=draft_label,
        schema={"type": "string", "maxLength": DRAFT_LABEL_LIMIT},
        bare="Draft",
    )
    compact_fonts: bool = _option(
        True,
        "cut embedded CJK fonts down to the glyphs drawn and fold wide gaps into them (the seed: 98 KiB -> "
        "71 KiB, about 13 ms a build); without it every font stays as WeasyPrint wrote it, and some "
        "extractors copy Japanese-Latin gaps as spaces",
    )

    def cache_key(self) -> str:
        """Every option and its value, for the batch cache: any change rebuilds."""
        return repr(tuple((item.name, getattr(self, item.name)) for item in fields(self)))

    def rebuild_flags(self) -> tuple[str, ...]:
        """The flags that reproduce these options on the command line (defaults left out)."""
        flags: list[str] = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value == item.default:
                continue
            flag = _flag(item.name)
            off = value is False or (value == "" and item.metadata["bare"] is not None)
            flags.append(flag if value is True else f"--no-{flag[2:]}" if off else f"{flag}={value}")
        return tuple(flags)

    def overridden(self, values: Mapping[str, Any]) -> BuildOptions:
        """These options with `values` (name -> value) replacing them; None values are ignored."""
        given = {name: value for name, value in values.items() if value is not None}
        return dataclasses.replace(self, **given)


OPTION_FIELDS = tuple(fields(BuildOptions))
CONFIG_KEYS = tuple(item.name for item in OPTION_FIELDS)
"""The keys of communique.toml's [build] table that are build options."""


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def option_type(name: str) -> type:
    """`bool` or `str`: the type of option `name`'s values."""
    default = next(item.default for item in OPTION_FIELDS if item.name == name)
    return bool if isinstance(default, bool) else str


def config_schema() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each option as a key of communique.toml's [build] table."""
    return {
        item.name: {
            **item.metadata["schema"],
            "description": item.metadata["help"][:1].upper() + item.metadata["help"][1:] + ".",
        }
        for item in OPTION_FIELDS
    }


def recordable_flags() -> dict[str, bool]:
    """Every flag `rebuild_flags` can write, and whether it takes a value (`--paper=B5`)."""
    flags: dict[str, bool] = {}
    for item in OPTION_FIELDS:
        flag = _flag(item.name)
        if option_type(item.name) is bool:
            flags.update({flag: False, f"--no-{flag[2:]}": False})
        else:
            flags[flag] = True
            if item.metadata["bare"] is not None:
                flags[f"--no-{flag[2:]}"] = False
    return flags


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per option (`--strict/--no-strict` for switches), each defaulting to 'not given'."""
    for item in OPTION_FIELDS:
        if option_type(item.name) is bool:
            parser.add_argument(
                _flag(item.name),
                dest=item.name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=item.metadata["help"],
            )
        else:
            parse = item.metadata["parse"]
            bare = item.metadata["bare"]
            if bare is not None:  # a value that may be left out, and a switch to turn it off
                parser.add_argument(
                    f"--no-{_flag(item.name)[2:]}",
                    dest=item.name,
                    action="store_const",
                    const="",
                    help=f"not {item.metadata['help'].split(':')[0]} (overrides communique.toml)",
                )
            parser.add_argument(
                _flag(item.name),
                dest=item.name,
                default=None,
                **({"nargs": "?", "const": bare} if bare is not None else {}),
                metavar=item.metadata["metavar"],
                type=argparse_type(parse) if parse else str,
                help=item.metadata["help"],
            )


def argparse_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse `type` from a parser that raises UsageError."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except UsageError as error:
            raise argparse.ArgumentTypeError(f"{error.message} ({error.hint})") from error

    return convert


def from_arguments(args: argparse.Namespace, defaults: BuildOptions) -> BuildOptions:
    """`defaults` (the project's) with every option given on the command line applied."""
    return defaults.overridden({item.name: getattr(args, item.name, None) for item in OPTION_FIELDS})


def from_keywords(defaults: BuildOptions, keywords: Mapping[str, Any]) -> BuildOptions:
    """`defaults` with Python keyword arguments applied; UsageError for unknown names or wrong types."""
    values: dict[str, Any] = {}
    for name, value in keywords.items():
        if name not in CONFIG_KEYS:
            raise UsageError(f"unknown build option {name!r}", hint=f"options: {', '.join(CONFIG_KEYS)}")
        if value is not None and not isinstance(value, option_type(name)):
            raise UsageError(
                f"build option {name!r} must be {option_type(name).__name__}, not {type(value).__name__}"
            )
        parse = next(item.metadata["parse"] for item in OPTION_FIELDS if item.name == name)
        no_draft = name == "draft" and value == ""  # a final copy, as --no-draft gives
        values[name] = parse(value) if parse and value is not None and not no_draft else value
    return defaults.overridden(values)
