"""Archival copies: the source files a PDF/A-3 copy carries, and getting them back out of one."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from communique.errors import CommuniqueError, DataError, UsageError
from communique.model import Archival, Communique, EmbeddedSource

if TYPE_CHECKING:
    from pypdf import PdfReader

MEDIA_TYPES = {
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
REBUILD_PREFIX = "rebuild: "
# Added after the layout's stylesheets in archival builds: PDF/A forbids image interpolation.
ARCHIVAL_CSS = "img { image-rendering: crisp-edges }"


def archival_sources(source: Path, text: str, communique: Communique, options: tuple[str, ...]) -> Archival:
    """The data (`text`, as read from `source`) and every image it references, named relative to the
    data file's folder."""
    folder = source.resolve().parent
    rebuild = " ".join(["communique build", source.name, *options])
    description = f"communique source data; {REBUILD_PREFIX}{rebuild}"
    files = [EmbeddedSource(source.name, text.encode("utf-8"), MEDIA_TYPES[".yaml"], description)]
    for image in communique.images():
        files.append(_embedded(image, folder, "image used by the source data"))
    return Archival(tuple(files))


def _embedded(path: Path, folder: Path, description: str) -> EmbeddedSource:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror}", hint="check the file exists") from error
    name = path.relative_to(folder).as_posix()
    return EmbeddedSource(
        name, data, MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"), description
    )


def associated_files(reader: PdfReader) -> tuple[tuple[str, EmbeddedSource], ...]:
    """(AFRelationship, file) for every associated file listed in the catalog's /AF, in order."""
    files = []
    for reference in reader.root_object.get("/AF", []):
        spec = reference.get_object()
        stream = spec["/EF"]["/F"].get_object()
        media_type = str(stream.get("/Subtype", "/application/octet-stream"))[1:]
        name = str(spec.get("/UF") or spec["/F"])
        source = EmbeddedSource(name, stream.get_data(), media_type, str(spec.get("/Desc", "")))
        files.append((str(spec.get("/AFRelationship", "/Unspecified"))[1:], source))
    return tuple(files)


def embedded_sources(pdf: bytes, origin: str) -> tuple[EmbeddedSource, ...]:
    """The associated source files of an archival PDF, in the order they were embedded."""
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        files = [
            source
            for relationship, source in associated_files(pypdf.PdfReader(BytesIO(pdf)))
            if relationship == "Source"
        ]
    except (PdfReadError, KeyError, AttributeError, TypeError, ValueError) as error:
        raise CommuniqueError(
            f"{origin}: cannot read its embedded files ({error})", hint="is it a communique archival copy?"
        ) from error
    if not files:
        raise UsageError(
            f"{origin} carries no source files", hint="only copies built with --archival carry their source"
        )
    return tuple(files)


def safe_target(out_dir: Path, name: str) -> Path:
    """Where an embedded file named `name` goes under `out_dir`; refuses names that would escape it."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or not relative.parts or ".." in relative.parts or "\\" in name:
        raise CommuniqueError(
            f"refusing to extract {name!r}: the name leaves the output folder",
            hint="the PDF was not made by communique, or was altered",
        )
    return out_dir.joinpath(*relative.parts)


def rebuild_command(sources: tuple[EmbeddedSource, ...]) -> str | None:
    """The command recorded in the data file's description, if any."""
    description = sources[0].description
    index = description.find(REBUILD_PREFIX)
    return description[index + len(REBUILD_PREFIX) :] if index >= 0 else None
