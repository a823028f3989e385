"""Archival copies: the source files a PDF/A-3 copy carries, and getting them back out of one safely."""

from __future__ import annotations

import hashlib
import re
import shlex
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from communique.errors import CommuniqueError, DataError, UsageError, quoted
from communique.model import Archival, Communique, EmbeddedSource
from communique.options import recordable_flags
from communique.text_rules import UNSAFE_CATEGORIES

if TYPE_CHECKING:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, StreamObject

MEDIA_TYPES = {
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".toml": "application/toml",
    ".j2": "text/html",
    ".html": "text/html",
    ".css": "text/css",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
}
REBUILD_PREFIX = "rebuild: "
WITHHELD_PREFIX = "fonts not carried (licence): "
"""Before the rebuild command in the data file's description: the project fonts an archival copy names
(path and SHA-256) instead of carrying, their licence not allowing it (`redistributable` unset)."""
FONT_SUFFIXES = frozenset({".otf", ".ttf", ".otc", ".ttc", ".woff", ".woff2"})


def archival_sources(
    source: Path,
    text: str,
    communique: Communique,
    options: tuple[str, ...],
    project_files: tuple[Path, ...] = (),
    project_root: Path | None = None,
    redistributable: frozenset[Path] = frozenset(),
) -> Archival:
    """The data (`text`, as read from `source`), every image it references and, for a build in a
    project, the project's files the build read (communique.toml, its layouts, stylesheets, assets and
    the fonts in `redistributable`), so that the copy can be rebuilt from what it carries alone. Other
    font files are named with their SHA-256 in the data file's description, not carried: the PDF embeds
    only the glyphs it draws, as font licences allow. Names are relative to the project's folder, or to
    the data file's folder outside a project."""
    folder = source.resolve().parent
    root = (
        project_root.resolve() if project_root and folder.is_relative_to(project_root.resolve()) else folder
    )
    name = source.resolve().relative_to(root).as_posix()
    files = []
    for image in communique.images():
        files.append(_embedded(image, root, "image used by the source data"))
    taken = {source.resolve(), *communique.images()}
    withheld = []
    for path in (item.resolve() for item in project_files):
        if project_root is None or not path.is_relative_to(root) or path in taken:
            continue
        taken.add(path)
        if path.suffix.lower() in FONT_SUFFIXES and path not in redistributable:
            digest = hashlib.sha256(_read_source(path)).hexdigest()
            withheld.append(f"{path.relative_to(root).as_posix()} sha256:{digest}")
        else:
            files.append(_embedded(path, root, "project file the build read"))
    rebuild = " ".join(["communique build", name, *options])
    fonts = f"{WITHHELD_PREFIX}{', '.join(withheld)}; " if withheld else ""
    description = f"communique source data; {fonts}{REBUILD_PREFIX}{rebuild}"
    data = EmbeddedSource(name, text.encode("utf-8"), MEDIA_TYPES[".yaml"], description)
    return Archival((data, *files))


def withheld_fonts(sources: Sequence[EmbeddedSource]) -> tuple[str, ...]:
    """The font files (path and SHA-256) the copy names instead of carrying them."""
    description = sources[0].description if sources else ""
    start = description.find(WITHHELD_PREFIX)
    if start < 0:
        return ()
    listed = description[start + len(WITHHELD_PREFIX) : description.rfind("; " + REBUILD_PREFIX)]
    return tuple(item for item in listed.split(", ") if item)


def _read_source(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror}", hint="check the file exists") from error


def _embedded(path: Path, folder: Path, description: str) -> EmbeddedSource:
    data = _read_source(path)
    name = path.relative_to(folder).as_posix()
    return EmbeddedSource(
        name, data, MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"), description
    )


# Limits on what extract (and verify) decode from a PDF, checked before anything is written.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_FILES = 1000
MAX_NAME_CHARS = 1024
# The flags an archival copy may record for its rebuild, and whether each takes a value (`--flag=value`):
# every build option, as BuildOptions declares it.
RECORDED_FLAGS = recordable_flags()
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+/-]{0,63}")
_ALTERED = "the PDF was not made by communique, or was altered"


class ArchiveError(CommuniqueError):
    """The files an archival copy carries cannot be read or extracted safely."""


@dataclass(frozen=True)
class AssociatedFile:
    """One associated file of a PDF as stored: its relationship, contents, and recorded size and MD5."""

    relationship: str
    """'Source', 'Data', ... ('Unspecified' if the file specification names none)."""
    source: EmbeddedSource
    size: int | None
    """The /Params /Size recorded for it, if any."""
    checksum: bytes | None
    """The /Params /CheckSum (MD5) recorded for it, if any."""

    def mismatch(self) -> str | None:
        """Why the contents do not match the recorded size and checksum; None if they match."""
        name, data = self.source.name, self.source.data
        if self.size is None or self.checksum is None:
            return f"{name!r} records no {'/Size' if self.size is None else '/CheckSum'} in its /Params"
        if self.size != len(data):
            return f"{name!r} is {len(data)} bytes, but its /Params /Size records {self.size}: it was changed"
        if self.checksum != hashlib.md5(data, usedforsecurity=False).digest():
            return f"{name!r} does not match its /Params /CheckSum (MD5): it was changed"
        return None


@dataclass(frozen=True)
class Extraction:
    """What `extract` writes, where, and the command that rebuilds the PDF from it."""

    files: tuple[tuple[Path, EmbeddedSource], ...]
    """(target, file) for every source file; every name checked, none clashing."""
    command: str | None
    """`cd OUT && communique build DATA OPTIONS`, every word shell-quoted; None if none can be shown."""
    warnings: tuple[str, ...]
    """Why no command is shown, files that do not match their checksum; safe to print."""


def read_associated(
    reader: PdfReader, max_file_bytes: int = MAX_FILE_BYTES, max_total_bytes: int = MAX_TOTAL_BYTES
) -> tuple[AssociatedFile, ...]:
    """Every associated file in the catalog's /AF, in order, decoded within the limits: ArchiveError
    before anything is decoded if the files are too many or their recorded sizes too large, and as soon
    as one decodes to more than is left."""
    from pypdf.generic import ArrayObject, DictionaryObject, NumberObject, StreamObject

    listed = _resolved(reader.root_object.get("/AF"))
    specs = [_resolved(spec) for spec in listed] if isinstance(listed, ArrayObject) else []
    if len(specs) > MAX_FILES:
        raise ArchiveError(
            f"it lists {len(specs)} associated files, over the limit of {MAX_FILES}", hint=_ALTERED
        )
    found = []
    for spec in specs:
        if not isinstance(spec, DictionaryObject):
            raise ArchiveError("an /AF entry is not a file specification", hint=_ALTERED)
        name = _file_name(spec)
        embedded = _resolved(spec.get("/EF"))
        stream = _resolved(embedded.get("/F")) if isinstance(embedded, DictionaryObject) else None
        if not isinstance(stream, StreamObject):
            raise ArchiveError(f"{name!r} has no embedded file stream", hint=_ALTERED)
        parameters = _resolved(stream.get("/Params"))
        parameters = parameters if isinstance(parameters, DictionaryObject) else DictionaryObject()
        size = _resolved(parameters.get("/Size"))
        checksum = _resolved(parameters.get("/CheckSum"))
        recorded = int(size) if isinstance(size, NumberObject) else None
        digest = bytes(checksum.original_bytes) if hasattr(checksum, "original_bytes") else None
        found.append((spec, name, stream, recorded, digest))
    declared = 0
    for _, name, _, size, _ in found:
        declared += max(size or 0, 0)
        if (size or 0) > max_file_bytes:
            raise _too_big(name, f"it records a size of {size} bytes", max_file_bytes, max_total_bytes)
        if declared > max_total_bytes:
            detail = f"the recorded sizes add up to {declared} bytes"
            raise _too_big(name, detail, max_file_bytes, max_total_bytes)
    files: list[AssociatedFile] = []
    left = max_total_bytes
    for spec, name, stream, size, digest in found:
        limit = min(max_file_bytes, left)
        scope = (
            f"{_mib(max_file_bytes)} a file" if limit == max_file_bytes else f"{_mib(max_total_bytes)} in all"
        )
        data = _decoded(stream, name, limit, scope)
        left -= len(data)
        media_type = str(stream.get("/Subtype", "/application/octet-stream"))[1:]
        description = _resolved(spec.get("/Desc"))
        relationship = str(spec.get("/AFRelationship", "/Unspecified"))[1:]
        source = EmbeddedSource(name, data, media_type, str(description) if description is not None else "")
        files.append(AssociatedFile(relationship, source, size, digest))
    return tuple(files)


def associated_files(reader: PdfReader) -> tuple[tuple[str, EmbeddedSource], ...]:
    """(AFRelationship, file) for every associated file listed in the catalog's /AF, in order."""
    return tuple((file.relationship, file.source) for file in read_associated(reader))


def _resolved(value: Any) -> Any:
    return value.get_object() if value is not None else None


def _file_name(spec: DictionaryObject) -> str:
    from pypdf.generic import ByteStringObject, TextStringObject

    for key in ("/UF", "/F"):
        value = _resolved(spec.get(key))
        if isinstance(value, TextStringObject):
            return str(value)
        if isinstance(value, ByteStringObject):
            return bytes(value).decode("utf-8", "backslashreplace")
    raise ArchiveError("an associated file has no name (/UF or /F)", hint=_ALTERED)


def _decoded(stream: StreamObject, name: str, limit: int, scope: str) -> bytes:
    """The stream's data decoded from FlateDecode (all that pypdf and qpdf write), never beyond `limit`
    bytes (`scope` says which limit); ArchiveError for other filters or parameters, damage, or too much."""
    from pypdf.generic import ArrayObject, DictionaryObject

    from communique.pdf import access

    filters = _resolved(stream.get("/Filter"))
    names = (
        []
        if filters is None
        else [str(f) for f in (filters if isinstance(filters, ArrayObject) else [filters])]
    )
    parameters = _resolved(stream.get("/DecodeParms"))
    stages = parameters if isinstance(parameters, ArrayObject) else [parameters]
    if any(isinstance(_resolved(stage), DictionaryObject) and _resolved(stage) for stage in stages):
        raise ArchiveError(
            f"{name!r} is stored with decoding parameters, which communique never writes", hint=_ALTERED
        )
    data = access.raw_data(stream)
    for filter_name in names:
        if filter_name not in ("/FlateDecode", "/Fl"):
            raise ArchiveError(
                f"{name!r} is stored with the {filter_name} filter, which communique never writes",
                hint=_ALTERED,
            )
        decompressor = zlib.decompressobj()
        try:
            data = decompressor.decompress(data, limit + 1)  # never more than the limit (and a byte)
        except zlib.error as error:
            raise ArchiveError(f"{name!r} is damaged ({error})", hint=_ALTERED) from error
        if len(data) <= limit and not decompressor.eof:
            raise ArchiveError(f"{name!r} is damaged (its compressed data is cut short)", hint=_ALTERED)
        if len(data) > limit:
            break
    if len(data) > limit:
        raise ArchiveError(
            f"refusing {name!r}: it decodes to more than {limit} bytes, over the limit of {scope}",
            hint="communique's sources are far smaller: the PDF was not made by communique, or was altered",
        )
    return data


def decoded_stream(stream: StreamObject, name: str, limit: int) -> bytes:
    """A stream's data decoded from FlateDecode within `limit` bytes; ArchiveError as for sources."""
    return _decoded(stream, name, limit, _mib(limit))


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def _too_big(name: str, detail: str, max_file_bytes: int, max_total_bytes: int) -> ArchiveError:
    return ArchiveError(
        f"refusing {name!r}: {detail}, over the limits of {_mib(max_file_bytes)} a file and "
        f"{_mib(max_total_bytes)} in all",
        hint="communique's sources are far smaller: the PDF was not made by communique, or was altered",
    )


def source_files(pdf: bytes, origin: str) -> tuple[AssociatedFile, ...]:
    """The associated source files of an archival PDF with their recorded sizes and checksums;
    UnreadablePdfError (EncryptedPdfError) if it cannot be read, UsageError if it carries none."""
    from communique.pdf import access
    from communique.pdf.seal import open_pdf

    reader = open_pdf(pdf, origin)
    try:
        files = [file for file in read_associated(reader) if file.relationship == "Source"]
    except ArchiveError as error:
        raise ArchiveError(f"{origin}: {error.message}", hint=error.hint) from error
    except access.UNREADABLE as error:
        raise CommuniqueError(
            f"{origin}: cannot read its embedded files ({error})", hint="is it a communique archival copy?"
        ) from error
    if not files:
        raise UsageError(
            f"{origin} carries no source files", hint="only copies built with --archival carry their source"
        )
    return tuple(files)


def safe_target(out_dir: Path, name: str) -> Path:
    """Where an embedded file named `name` goes under `out_dir`; refuses names that would escape it and
    names holding control or invisible characters (a NUL, a terminal escape, a bidi override)."""
    if any(unicodedata.category(char) in UNSAFE_CATEGORIES for char in name):  # never in a name extracted
        raise ArchiveError(
            f"refusing to extract {name!r}: the name holds control or invisible characters", hint=_ALTERED
        )
    relative = PurePosixPath(name)
    if relative.is_absolute() or not relative.parts or ".." in relative.parts or "\\" in name:
        raise ArchiveError(f"refusing to extract {name!r}: the name leaves the output folder", hint=_ALTERED)
    if len(name) > MAX_NAME_CHARS or any(
        len(part.encode("utf-8", "replace")) > 255 for part in relative.parts
    ):
        raise ArchiveError(f"refusing to extract {quoted(name)}: the name is too long", hint=_ALTERED)
    return out_dir.joinpath(*relative.parts)


def check_targets(out_dir: Path, names: Sequence[str]) -> tuple[Path, ...]:
    """The target of every name (safe_target), once none clashes with another (the same name twice, even
    by case or Unicode normalisation; `a` both a file and the folder of `a/b`) or with what is in the way
    under `out_dir` (a file where a folder goes, a folder where a file goes, a symbolic link)."""
    targets = tuple(safe_target(out_dir, name) for name in names)
    files: dict[tuple[str, ...], str] = {}
    folders: dict[tuple[str, ...], str] = {}
    for name in names:
        parts = tuple(unicodedata.normalize("NFC", part).casefold() for part in PurePosixPath(name).parts)
        if parts in files:
            same = "" if files[parts] == name else f" (as {files[parts]!r})"
            raise ArchiveError(f"refusing to extract: {name!r} appears twice{same}", hint=_ALTERED)
        if parts in folders:
            raise ArchiveError(
                f"refusing to extract: {name!r} is both a file and the folder of {folders[parts]!r}",
                hint=_ALTERED,
            )
        for depth in range(1, len(parts)):
            if parts[:depth] in files:
                file = files[parts[:depth]]
                raise ArchiveError(
                    f"refusing to extract: {file!r} is both a file and the folder of {name!r}", hint=_ALTERED
                )
            folders.setdefault(parts[:depth], name)
        files[parts] = name
    if out_dir.exists() and not out_dir.is_dir():
        raise ArchiveError(f"cannot extract into {out_dir}: it is not a folder", hint="give --out a folder")
    for name, target in zip(names, targets, strict=True):
        for folder in list(reversed(target.parents))[len(out_dir.parents) + 1 :]:
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise ArchiveError(
                    f"refusing to extract {name!r}: {folder} is in the way (a file or a symbolic link)",
                    hint="extract into an empty folder",
                )
        if target.is_dir():
            raise ArchiveError(
                f"refusing to extract {name!r}: {target} is a folder", hint="extract into an empty folder"
            )
    return targets


def plan_extraction(pdf: bytes, origin: str, out_dir: Path) -> Extraction:
    """Everything `extract` would write and print, with nothing written: the limits, every name, clashes,
    what is in the way under `out_dir` (a file of other contents is never replaced), checksums, and the
    recorded rebuild command if it is safe."""
    files = source_files(pdf, origin)
    sources = tuple(file.source for file in files)
    targets = check_targets(out_dir, [source.name for source in sources])
    for target, source in zip(targets, sources, strict=True):
        _replaceable_by(target, source)
    warnings = [f"{origin}: {problem}" for file in files if (problem := file.mismatch())]
    try:
        command = rebuild_command(sources, out_dir)
        if command is None:
            warnings.append("no rebuild command shown: the data file's description records none")
    except ArchiveError as error:
        command = None
        warnings.append(f"no rebuild command shown: {error.message}")
    if command is not None and (withheld := withheld_fonts(sources)):
        warnings.append(
            f"the copy names project fonts it does not carry (their licence): {', '.join(withheld)}; put "
            "each file with that SHA-256 in place before running the rebuild command"
        )
    return Extraction(tuple(zip(targets, sources, strict=True)), command, tuple(warnings))


def _replaceable_by(target: Path, source: EmbeddedSource) -> None:
    """ArchiveError unless `target` is missing or a regular file holding `source`'s bytes already: a
    link, pipe or device is never written through, and a file of other contents never replaced."""
    from communique.write import not_replaceable

    refused = not_replaceable(target)
    if refused:
        raise ArchiveError(f"refusing to extract {source.name!r}: {target} {refused}", hint=_EMPTY_FOLDER)
    try:
        same = not target.exists() or target.read_bytes() == source.data
    except OSError as error:
        raise ArchiveError(
            f"refusing to extract {source.name!r}: {target} exists and cannot be read ({error.strerror})",
            hint=_EMPTY_FOLDER,
        ) from error
    if not same:
        raise ArchiveError(
            f"refusing to extract {source.name!r}: {target} exists with other contents, which would be "
            "replaced",
            hint=_EMPTY_FOLDER,
        )


_EMPTY_FOLDER = "extract into an empty folder (--out), or move that file away first"


def extract_sources(pdf: bytes, origin: str, out_dir: Path) -> Extraction:
    """Write the source files an archival PDF carries into `out_dir`, once plan_extraction checked all."""
    from communique.write import write_atomic

    try:
        extraction = plan_extraction(pdf, origin, out_dir)
    except ArchiveError as error:
        raise ArchiveError(f"{error.message}; nothing was written", hint=error.hint) from error
    for target, source in extraction.files:
        write_atomic(target, source.data)
    return extraction


def sealed_sources(pdf: bytes, origin: str) -> tuple[str, ...]:
    """Refuse (ArchiveError, nothing written) a copy whose embedded sources are not the ones it was built
    with: changed since the build against the seal in the built revision's /ID[0], or, in a signed copy,
    replaced in a revision added after the build, which its signatures do not cover (matching checksums
    prove nothing: anyone can record them). Returns warnings: a copy without a communique seal cannot be
    confirmed. UnreadablePdfError if the file cannot be read."""
    from communique.pdf.seal import PARTS, compute_seal, open_pdf, recorded_seal
    from communique.pdf.signatures import revision_ends

    ends = revision_ends(pdf)
    built = pdf[: ends[0]] if len(ends) > 1 else pdf
    built_reader = open_pdf(built, origin)
    as_built = compute_seal(built_reader)
    unsure = (
        ()
        if ends
        else (
            f"{origin}: its revisions cannot be told apart, so its sources cannot be "
            "confirmed to be the ones it was signed with",
        )
    )
    if len(ends) > 1 and compute_seal(open_pdf(pdf, origin)).sources != as_built.sources:
        raise ArchiveError(
            f"{origin}: its embedded source files were replaced in a revision added after the build (after "
            "it was signed), so they are not the sources its signatures cover; nothing was written",
            hint=f"communique verify {shlex.quote(origin)} names the change; the copy as built and signed is "
            f"its first {ends[0]} bytes (head -c {ends[0]} {shlex.quote(origin)} > built.pdf): verify and "
            "extract that",
        )
    recorded = recorded_seal(built_reader)
    changed = recorded.differences(as_built) if recorded is not None else PARTS
    if len(changed) == len(PARTS):
        return (
            *unsure,
            f"{origin} carries no communique seal in its /ID (or no part of it matches), so its sources "
            "cannot be confirmed to be the ones it was built with",
        )
    if "sources" in changed:
        raise ArchiveError(
            f"{origin}: its embedded source files are not the ones the seal in its /ID[0] records: they were "
            "changed after the build; nothing was written",
            hint=f"communique verify {shlex.quote(origin)} says what changed; extract from a copy that "
            "verifies, or ask its sender for one",
        )
    return unsure


def recorded_options(sources: Sequence[EmbeddedSource]) -> tuple[str, ...] | None:
    """The build options the data file's description records (None if it records no command): each a
    flag of RECORDED_FLAGS, alone or as `--flag=value` with a plain value; ArchiveError for anything else."""
    description = sources[0].description
    index = description.rfind(REBUILD_PREFIX)  # last: the command ends the description
    if index < 0:
        return None
    recorded = description[index + len(REBUILD_PREFIX) :]
    expected = f"communique build {sources[0].name}"
    if recorded != expected and not recorded.startswith(expected + " "):
        raise ArchiveError(
            f"the recorded command {quoted(recorded)} does not build the data file {sources[0].name!r}",
            hint=_ALTERED,
        )
    options = tuple(recorded[len(expected) :].split())
    for option in options:
        flag, equals, value = option.partition("=")
        takes_value = RECORDED_FLAGS.get(flag)
        if takes_value is None or bool(equals) != takes_value or (equals and not _PLAIN.fullmatch(value)):
            raise ArchiveError(
                f"the recorded option {quoted(option)} is not a build option with a plain value",
                hint=_ALTERED,
            )
    return options


def rebuild_command(sources: Sequence[EmbeddedSource], folder: Path | None = None) -> str | None:
    """The command that rebuilds the PDF from its extracted sources (`cd folder && ...` if given), every
    word shell-quoted; None if the data file records none; ArchiveError if what it records is not safe."""
    options = recorded_options(sources)
    if options is None:
        return None
    name = sources[0].name
    words = ["communique", "build", f"./{name}" if name.startswith("-") else name, *options]
    command = " ".join(shlex.quote(word) for word in words)
    return f"cd {shlex.quote(str(folder))} && {command}" if folder is not None else command
