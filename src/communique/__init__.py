"""communique: official bilingual communiques as print-ready and archival PDFs.

    >>> import communique
    >>> result = communique.build("data/example.yaml")            # into the project's build/
    >>> result.output, result.page_count
    >>> communique.build("data/example.yaml", "out/", archival=True, paper="Letter")
    >>> communique.build("data/example.yaml", format="png", pages="1-2", dpi=150).images
    >>> communique.build("data/example.yaml", draft="Draft 3")     # a draft copy
    >>> communique.redline("drafts/x-v2.yaml", "data/x.yaml", "build/x-redline.pdf").as_dict()
    >>> [str(finding) for finding in communique.translation_check("data/x.yaml")]

`build` takes a data file's path, YAML text or a mapping, and raises the project's error types
(`DataError` with file:line:column, `LayoutError`, `FontError`, `RenderError`, ...), all `CommuniqueError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communique.errors import (
    CommuniqueError,
    DataError,
    ErrorList,
    FontError,
    LayoutError,
    OutputError,
    RenderError,
    SigningError,
    UsageError,
)
from communique.options import BuildOptions
from communique.project import Project

if TYPE_CHECKING:
    from communique.check import Finding
    from communique.compare import Comparison
    from communique.loader import load as load
    from communique.model import BuildResult

__version__ = "0.2.0"
__all__ = [
    "BuildOptions",
    "CommuniqueError",
    "DataError",
    "ErrorList",
    "FontError",
    "LayoutError",
    "OutputError",
    "Project",
    "RenderError",
    "SigningError",
    "UsageError",
    "__version__",
    "build",
    "load",
    "redline",
    "sign",
    "translation_check",
]


def build(
    source: str | Path | Mapping[str, Any],
    out: str | Path | None = None,
    *,
    project: Project | str | Path | None = None,
    source_date_epoch: int | None = None,
    format: str = "pdf",
    pages: str | None = None,
    dpi: int | None = None,
    **options: Any,
) -> BuildResult:
    """Build one communique into `out` (default: the project's output folder) and return the result.

    `source` is a data file's path, YAML text (anything with a line break) or a mapping of the data
    fields; text and mappings are written as `<id>.pdf` and read images relative to the project.
    `project` is a Project or its folder (default: found from the data file, else the current folder).
    `options` are BuildOptions fields (layout, paper, strict, print_marks, archival); they override
    the project's communique.toml. Nothing is written unless the build succeeds.
    `format="png"` or `"svg"` writes page images `<stem>-<page>.<format>` instead of the PDF (`pages`
    such as "1-2", `dpi` for PNG); the result's `images` lists them.
    """
    from communique.api import build_source

    images = (format, pages, dpi)
    return build_source(source, out, project, source_date_epoch, options, images)


def sign(
    pdf: str | Path,
    field: str,
    *,
    out: str | Path | None = None,
    p12: str | Path | None = None,
    passphrase: str | bytes | None = None,
    pkcs11_lib: str | Path | None = None,
    token_label: str | None = None,
    key_label: str | None = None,
    cert_label: str | None = None,
    pin: str | None = None,
    timestamp_url: str | None = None,
    level: str | None = None,
    trust: tuple[str | Path, ...] = (),
) -> Path:
    """Sign the field `field` of an archival copy built with signature fields (PAdES) and write the signed
    copy to `out` (default: replace `pdf`, atomically); return where it was written.

    The key is a PKCS#12 file (`p12`, `passphrase`) or a key on a PKCS#11 token (`pkcs11_lib`,
    `token_label`, `key_label`, `pin`). `level` is 'B-B', 'B-T' (needs `timestamp_url`), 'B-LT' or 'B-LTA'
    (validation data, which needs `trust` roots); the default is B-T with a timestamp URL, else B-B.
    Raises SigningError (a CommuniqueError) with the reason when the signature cannot be made.
    """
    from communique.pdf.signing import SigningKey, sign_file

    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    key = SigningKey(_path(p12), secret, _path(pkcs11_lib), token_label, key_label, cert_label, pin)
    written, _ = sign_file(
        Path(pdf), field, _path(out), key, timestamp_url, level, tuple(Path(root) for root in trust)
    )
    return written


def redline(
    old: str | Path,
    new: str | Path,
    out: str | Path | None = None,
    *,
    project: Project | str | Path | None = None,
    source_date_epoch: int | None = None,
    **options: Any,
) -> Comparison:
    """Compare the drafts `old` and `new` (data files), write the redline PDF to `out` (default:
    `<project's build/>/<new's stem>-redline.pdf`) and return the comparison (`as_dict()` for JSON).
    `options` are build options (layout, paper, strict)."""
    from communique.api import write_redline

    return write_redline(Path(old), Path(new), _path(out), project, source_date_epoch, options)


def translation_check(source: str | Path) -> tuple[Finding, ...]:
    """The translation check's findings for a data file (none when its versions agree); raises
    DataError for a file that does not load."""
    from communique.check import check
    from communique.loader import load

    return check(load(Path(source)))


def _path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


def __getattr__(name: str) -> object:
    # Loading pulls in YAML and jsonschema; import it on first use so `communique --help` stays fast.
    if name == "load":
        from communique.loader import load

        return load
    raise AttributeError(name)
