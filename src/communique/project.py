"""The project a build belongs to: its root, its communique.toml, and where layouts and fonts are found.

A project is the folder holding a `communique.toml`, found by walking up from the data file (or given
with `--project`); without one it is the data file's folder with only the built-in layouts and fonts.
Layouts and fonts are looked up in the project first, then in the package's own data. Nothing else in
communique locates files.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from communique.errors import DataError, ErrorList, UsageError
from communique.model import SourceLocation, Where
from communique.options import (
    CONFIG_KEYS,
    LAYOUT_NAME,
    PAPER_NAMES,
    BuildOptions,
    config_schema,
    draft_label,
    paper_size,
)
from communique.standards import Standard, for_copy, standard
from communique.text_rules import REFUSED_HINT, refused_strings

CONFIG_NAME = "communique.toml"
LANGUAGE_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
DEFAULT_OUTPUT = "build"
DEFAULT_ASSETS = "assets"
DEFAULT_LAYOUT = "sequential"
DEFAULT_PAPER = "A4"


def builtin_data() -> Path:
    """The package's own data folder (layouts/, fonts/, init/)."""
    data = importlib.resources.files("communique").joinpath("data")
    path = Path(str(data))
    if not path.is_dir():
        raise UsageError(
            f"communique's data folder {path} is missing",
            hint="install communique from a wheel or a checkout, not from a zip file",
        )
    return path


MAX_FONT_BYTES = 64 * 2**20
"""Largest project font file (an archival copy that embeds it whole must stay checkable)."""
MAX_METADATA_CHARACTERS = 1000
"""Longest author or publisher; PDF strings may not pass 32,767 bytes (PDF/A), and no name is that long."""

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://communique.invalid/schema/communique-toml.json",
    "title": "communique.toml",
    "description": "A communique project: its defaults, fonts, assets and metadata.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "build": {
            "type": "object",
            "description": "Build options applied to every build of the project (the command line wins).",
            "additionalProperties": False,
            "properties": {
                "output": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Output folder, relative to the project (default: build).",
                },
                **config_schema(),
            },
        },
        "defaults": {
            "type": "object",
            "description": "Defaults for data files that do not say.",
            "additionalProperties": False,
            "properties": {
                "layout": {
                    "type": "string",
                    "pattern": LAYOUT_NAME,
                    "description": "Layout of data files that name none (default: sequential).",
                },
                "paper": {
                    "enum": PAPER_NAMES,
                    "description": "Paper size of data files that name none (default: A4).",
                },
            },
        },
        "assets": {
            "type": "string",
            "minLength": 1,
            "description": "Folder of images layouts may use (emblems), relative to the project.",
        },
        "metadata": {
            "type": "object",
            "description": "Organisation defaults for the PDF metadata.",
            "additionalProperties": False,
            "properties": {
                "author": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_METADATA_CHARACTERS,
                    "description": "Author (PDF /Author, dc:creator); default: the parties' names.",
                },
                "publisher": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_METADATA_CHARACTERS,
                    "description": "Publisher (dc:publisher).",
                },
                "keywords": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1, "maxLength": 200},
                    "maxItems": 100,
                    "uniqueItems": True,
                    "description": "Keywords added to every document's own.",
                },
            },
        },
        "fonts": {
            "type": "array",
            "description": "The project's own fonts, used like the bundled ones.",
            "items": {
                "type": "object",
                "required": ["file", "family"],
                "additionalProperties": False,
                "properties": {
                    "file": {
                        "type": "string",
                        "pattern": r"\.(otf|ttf|OTF|TTF)$",
                        "description": "Font file (OpenType or TrueType), relative to the project.",
                    },
                    "family": {
                        "type": "string",
                        "pattern": r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,62}$",
                        "description": "Family name layouts use in font-family.",
                    },
                    "weight": {
                        "type": "integer",
                        "minimum": 100,
                        "maximum": 900,
                        "description": "400 regular, 700 bold (default 400).",
                    },
                    "style": {"enum": ["normal", "italic"], "description": "Default normal."},
                    "languages": {
                        "type": "array",
                        "items": {"type": "string", "pattern": LANGUAGE_TAG},
                        "uniqueItems": True,
                        "description": "Language tags whose text this font sets first ('ja', 'en').",
                    },
                    "redistributable": {
                        "type": "boolean",
                        "description": "The font's licence lets anyone pass the whole font file on (SIL OFL, "
                        "Apache, Bitstream Vera): archival copies then carry it so that they can be rebuilt "
                        "from what they carry. Default false: PDFs embed only the glyphs drawn, and archival "
                        "copies name the file and its SHA-256 instead of carrying it.",
                    },
                },
            },
        },
        "signing": {
            "type": "object",
            "description": "Signing defaults: `communique sign` and `communique verify` read them.",
            "additionalProperties": False,
            "properties": {
                "fields": {
                    "type": "boolean",
                    "description": "Give builds empty signature fields over the parties' signature blocks "
                    "(the --signature-fields option).",
                },
                "trust": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "maxItems": 100,
                    "description": "Trust roots (PEM or DER files, relative to the project) that verify "
                    "checks signers against and that signing with validation data (--ltv) uses.",
                },
                "timestamp_url": {
                    "type": "string",
                    "pattern": "^https?://[^\\s]+$",
                    "description": "The RFC 3161 timestamp authority that timestamps signatures (B-T).",
                },
            },
        },
        "font_order": {
            "type": "object",
            "description": "Per language tag, the font families in the order they are tried.",
            "propertyNames": {"pattern": LANGUAGE_TAG},
            "additionalProperties": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "minLength": 1},
            },
        },
    },
}


@dataclass(frozen=True)
class DeclaredFont:
    """A font the project declares in communique.toml."""

    path: Path
    family: str
    weight: int
    style: str
    languages: tuple[str, ...]
    location: SourceLocation
    redistributable: bool = False
    """Whether archival copies may carry the whole font file (its licence allows passing it on)."""


@dataclass(frozen=True)
class ProjectConfig:
    """communique.toml, checked. Every field has its default when the file is absent."""

    options: BuildOptions = field(default_factory=BuildOptions)
    """Build options from [build]; the command line and Python keywords override them."""
    output: str = DEFAULT_OUTPUT
    default_layout: str | None = None
    default_paper: str | None = None
    assets: str = DEFAULT_ASSETS
    author: str | None = None
    publisher: str | None = None
    keywords: tuple[str, ...] = ()
    fonts: tuple[DeclaredFont, ...] = ()
    font_order: tuple[tuple[str, tuple[str, ...]], ...] = ()
    trust: tuple[Path, ...] = ()
    """[signing] trust: the trust roots, as absolute paths."""
    timestamp_url: str | None = None
    """[signing] timestamp_url."""
    locations: tuple[tuple[str, SourceLocation], ...] = ()
    """Where some values were written ('build.layout', 'defaults.layout', 'font_order.ja'), for errors
    found after reading, such as a layout that does not exist."""

    def location(self, key: str) -> SourceLocation | None:
        """Where the value `key` ('build.layout') was written, if it was."""
        return next((where for name, where in self.locations if name == key), None)


@dataclass(frozen=True)
class Project:
    """Where a build finds its layouts, fonts and assets, and the project's defaults."""

    root: Path
    config_file: Path | None = None
    config: ProjectConfig = field(default_factory=ProjectConfig)
    builtin: Path = field(default_factory=builtin_data)
    """The package's data folder: built-in layouts and fonts."""
    ignored_configs: tuple[Path, ...] = ()
    """communique.toml files found above the data file but owned by another user, so not used."""

    @classmethod
    def at(cls, folder: Path) -> Project:
        """The project rooted at `folder`, with its communique.toml if it has one."""
        root = folder.resolve()
        if not root.is_dir():
            raise UsageError(f"{folder}: no such project folder", hint="give the folder of communique.toml")
        config_file = root / CONFIG_NAME
        if config_file.is_file():
            return cls(root, config_file, read_config(config_file))
        return cls(root)

    @classmethod
    def discover(cls, start: Path) -> Project:
        """The project of a data file or folder: the nearest folder above it with a communique.toml,
        else the data file's own folder."""
        start = start.resolve()
        folder = start if start.is_dir() else start.parent
        ignored: list[Path] = []
        for candidate in (folder, *folder.parents):
            config = candidate / CONFIG_NAME
            if config.is_file() and _trusted(config):
                return replace(cls.at(candidate), ignored_configs=tuple(ignored))
            if config.is_file():
                ignored.append(config)
        return cls(folder, ignored_configs=tuple(ignored))

    @property
    def layout_dirs(self) -> tuple[Path, ...]:
        """Where layouts are looked up, project first."""
        return (self.root / "layouts", self.builtin / "layouts")

    @property
    def output_dir(self) -> Path:
        """The default output folder; UsageError when it is a link (or inside one) that leads out of the
        project: a `build` link planted in a checkout must not send PDFs and the manifest elsewhere."""
        folder = self.root / self.config.output
        real = folder.resolve()
        if not real.is_relative_to(self.root.resolve()):
            raise UsageError(
                f"the output folder {folder} is a link to {real}, outside the project",
                hint="remove the link, or name that folder with --out to write there on purpose",
            )
        return folder

    @property
    def assets_dir(self) -> Path:
        """The project's assets folder (may not exist)."""
        return self.root / self.config.assets

    def readable_roots(self, source: Path) -> tuple[Path, ...]:
        """Folders a build may read: the project, the data file's folder and the package's data."""
        return tuple(dict.fromkeys((self.root, source.resolve().parent, self.builtin.resolve())))

    def config_files(self) -> tuple[Path, ...]:
        """The project's config file, if any (a build input)."""
        return (self.config_file,) if self.config_file else ()


# --- communique.toml ----------------------------------------------------------------------------------

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _trusted(config: Path) -> bool:
    """Whether a communique.toml found above the data file may take part: owned by this user or root
    (like git's safe.directory: a file someone else put in /tmp must not steer this build)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or config.stat().st_uid in (0, getuid())


def _config_hint(problem: DataError) -> DataError:
    """Point config problems at the config's own schema."""
    if problem.hint and "`communique schema`" in problem.hint:
        return DataError(
            problem.message, problem.location, problem.hint.replace("schema`", "schema --config`")
        )
    return problem


def read_config(path: Path) -> ProjectConfig:
    """Read and check communique.toml; ErrorList with every problem located. Read once per process and
    file version: a batch finds the project of each of its data files."""
    try:
        status = path.stat()
        stamp = (status.st_size, status.st_mtime_ns)
    except OSError:
        stamp = (0, 0)
    return _read_config(path, stamp)


MAX_CONFIG_DEPTH = 16
"""Deepest nesting of tables and arrays communique.toml may have (it uses three levels)."""


def _nested_too_deep(label: str) -> ErrorList:
    where = SourceLocation(label, 1, 1)
    message = f"tables or arrays are nested more than {MAX_CONFIG_DEPTH} deep"
    return ErrorList([DataError(message, where, "see README 'communique.toml' for its few levels")])


def _depth(value: object) -> int:
    """How deeply tables and arrays nest in `value` (walked without recursion)."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if depth > MAX_CONFIG_DEPTH:
            break
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return deepest


@functools.lru_cache(maxsize=16)
def _read_config(path: Path, stamp: tuple[int, int]) -> ProjectConfig:
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except UnicodeDecodeError as error:
        start = SourceLocation(label, 1, 1)
        raise ErrorList([DataError(f"not UTF-8 text ({error.reason})", start, "save it as UTF-8")]) from None
    except tomllib.TOMLDecodeError as error:
        found = _TOML_POSITION.search(str(error))
        line, column = (int(found[1]), int(found[2])) if found else (1, 1)
        message = _TOML_POSITION.sub("", str(error)).strip()
        where = SourceLocation(label, line, column)
        raise ErrorList(
            [DataError(f"TOML syntax error: {message}", where, "see README 'communique.toml'")]
        ) from None
    except OSError as error:
        raise ErrorList([DataError(f"cannot read: {error.strerror}", SourceLocation(label, 1, 1))]) from None
    except RecursionError:  # nested deeper than Python's parser can follow
        raise _nested_too_deep(label) from None
    if _depth(raw) > MAX_CONFIG_DEPTH:
        raise _nested_too_deep(label)
    from communique.schema_check import check, describe

    locate = _TomlLocator(label, text)
    problems = check(raw, CONFIG_SCHEMA, locate)
    problems += [
        DataError(f"{describe(where)}: {why}", locate(where), REFUSED_HINT)
        for where, _, _, why in refused_strings(raw)
    ]
    if problems:
        raise ErrorList([_config_hint(problem) for problem in problems])
    root = path.parent
    fonts = []
    for index, entry in enumerate(raw.get("fonts", [])):
        font_path = (root / entry["file"]).resolve()
        where = locate(("fonts", index, "file"))
        if not font_path.is_relative_to(root.resolve()):
            problems.append(
                DataError(
                    f"font file '{entry['file']}' is outside the project",
                    where,
                    "copy the font into the project (e.g. fonts/) and give its path from there",
                )
            )
        elif not font_path.is_file():
            problems.append(DataError(f"font file '{entry['file']}' does not exist", where, "check the path"))
        elif (size := font_path.stat().st_size) > MAX_FONT_BYTES:
            problems.append(
                DataError(
                    f"font file '{entry['file']}' has {size / 2**20:.0f} MiB, over the limit of "
                    f"{MAX_FONT_BYTES // 2**20} MiB",
                    where,
                    "use the font's file for one script and weight (the bundled CJK faces are 6 MiB), "
                    "not a collection",
                )
            )
        fonts.append(
            DeclaredFont(
                font_path,
                entry["family"],
                entry.get("weight", 400),
                entry.get("style", "normal"),
                tuple(entry.get("languages", ())),
                where,
                entry.get("redistributable", False),
            )
        )
    signing = raw.get("signing", {})
    trust = []
    for index, name in enumerate(signing.get("trust", [])):
        trust_path = (root / name).resolve()
        where = locate(("signing", "trust", index))
        if not trust_path.is_relative_to(root.resolve()):
            problems.append(
                DataError(
                    f"trust root '{name}' is outside the project",
                    where,
                    "copy the certificate into the project and give its path from there",
                )
            )
        elif not trust_path.is_file():
            problems.append(DataError(f"trust root '{name}' does not exist", where, "check the path"))
        trust.append(trust_path)
    for folder_key in ("assets",):
        if folder_key in raw and not (root / raw[folder_key]).resolve().is_relative_to(root.resolve()):
            problems.append(
                DataError(
                    f"'{folder_key}' leaves the project folder",
                    locate((folder_key,)),
                    "give a folder inside the project (the default is assets/)",
                )
            )
    build = raw.get("build", {})
    if "output" in build and (".." in Path(build["output"]).parts or Path(build["output"]).is_absolute()):
        problems.append(
            DataError(
                "'output' leaves the project folder", locate(("build", "output")), "give a folder inside it"
            )
        )
    if problems:
        raise ErrorList(problems)
    options = {key: build[key] for key in CONFIG_KEYS if key in build}
    if "fields" in signing:
        options.setdefault("signature_fields", signing["fields"])
    if "paper" in options:
        options["paper"] = paper_size(options["paper"])
    for key, parse in (("standard", standard), ("draft", draft_label)):
        if options.get(key):  # '' is no draft
            try:
                options[key] = parse(options[key])
            except UsageError as error:  # as on the command line: a label the bundled fonts can draw
                raise DataError(error.message, locate(("build", key)), error.hint) from error
    document = raw.get("defaults", {})
    metadata = raw.get("metadata", {})
    return ProjectConfig(
        options=BuildOptions().overridden(options),
        output=build.get("output", DEFAULT_OUTPUT),
        default_layout=document.get("layout"),
        default_paper=paper_size(document["paper"]) if "paper" in document else None,
        assets=raw.get("assets", DEFAULT_ASSETS),
        author=metadata.get("author"),
        publisher=metadata.get("publisher"),
        keywords=tuple(metadata.get("keywords", ())),
        fonts=tuple(fonts),
        font_order=tuple((lang, tuple(families)) for lang, families in raw.get("font_order", {}).items()),
        trust=tuple(trust),
        timestamp_url=signing.get("timestamp_url"),
        locations=tuple(
            (".".join(map(str, where)), locate(where))
            for where in [("build", "layout"), ("build", "standard"), ("defaults", "layout")]
            + [("font_order", lang) for lang in raw.get("font_order", {})]
            if _has(raw, where)
        ),
    )


def _has(value: Any, where: Where) -> bool:
    for part in where:
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


class _TomlLocator:
    """Finds the line of a key in TOML text: its table header, then the key below it."""

    def __init__(self, label: str, text: str):
        self.label = label
        self.lines = text.splitlines()

    def __call__(self, where: Where, key: bool = False) -> SourceLocation:
        header: int | None = None
        table: list[str] = []
        parts = list(where)
        while parts:
            part = parts.pop(0)
            if isinstance(part, int):
                continue
            index = parts[0] if parts and isinstance(parts[0], int) else None
            found = self._table([*table, part], header, index)
            if found is not None:
                header, table = found, [*table, part]
                continue
            position = self._key(part, header)
            if position is not None:
                return SourceLocation(self.label, position[0] + 1, position[1] + 1)
            break
        return SourceLocation(self.label, 1 if header is None else header + 1, 1)

    def _table(self, names: list[str], after: int | None, index: int | None) -> int | None:
        dotted = r"\s*\.\s*".join(re.escape(name) for name in names)
        pattern = re.compile(rf"^\s*\[\[?\s*{dotted}\s*\]\]?\s*(#.*)?$")
        seen = -1
        for number in range(0 if after is None else after, len(self.lines)):
            if pattern.match(self.lines[number]):
                seen += 1
                if index is None or seen == index:
                    return number
        return None

    def _key(self, name: str, header: int | None) -> tuple[int, int] | None:
        """The line and column of `name = ...` in the table whose header is on line `header`."""
        pattern = re.compile(rf"^(\s*)[\"']?{re.escape(name)}[\"']?\s*=")
        for number in range(0 if header is None else header + 1, len(self.lines)):
            if self.lines[number].lstrip().startswith("["):
                return None
            found = pattern.match(self.lines[number])
            if found:
                return number, len(found[1])
        return None


@dataclass(frozen=True)
class BuildContext:
    """Everything a build may depend on besides the data file: no stage reads clocks or the environment."""

    project: Project
    options: BuildOptions = field(default_factory=BuildOptions)
    """Options in force: the project's [build] defaults with the caller's applied."""
    source_date_epoch: int | None = None
    """Build time for the PDF dates (reproducible builds); None uses the communique's date."""
    workers: int = 1
    """Processes a long document's parts may render in (engine/parts.py): a single build from the command
    line uses --jobs (all CPUs by default); a batch's workers build one document each."""

    def __post_init__(self) -> None:
        """A standard the copies cannot declare is a usage error before any build (located at
        communique.toml's `standard` when that is where it comes from)."""
        try:
            for_copy(self.options.standard, self.options.archival, self.options.signature_fields)
        except UsageError as error:
            config = self.project.config
            where = (
                config.location("build.standard")
                if config.options.standard == self.options.standard
                else None
            )
            raise UsageError(error.message, where, error.hint) from error

        if self.options.draft and (self.options.archival or self.options.signature_fields):
            what = "an archival copy (--archival)" if self.options.archival else "signature fields"
            raise UsageError(
                f"a draft copy (--draft) cannot have {what}: a draft is never the signed or archived "
                "instrument",
                hint="build the draft without --archival and --signature-fields, and the final copy "
                "without --draft",
            )

    @property
    def standard(self) -> Standard:
        """What the copies declare: the `standard` option, else the default for print or archival copies."""
        return for_copy(self.options.standard, self.options.archival, self.options.signature_fields)

    def layout_for(self, requested: str | None) -> str:
        """The layout to use: the option, else the data file's, else the project's default."""
        return self.options.layout or requested or self.project.config.default_layout or DEFAULT_LAYOUT

    def paper_for(self, requested: str | None) -> str:
        """The paper size to use: the option, else the data file's, else the project's default."""
        return self.options.paper or requested or self.project.config.default_paper or DEFAULT_PAPER
