"""communique's hooks into WeasyPrint, installed only while communique renders.

Each hook module (justify, hyphenation, clusters, tags, pages) names the WeasyPrint attributes it replaces as
`Patch`es; `installed` sets them for the length of one render and puts the originals back, so a plain
WeasyPrint user in the same process sees WeasyPrint as it was released. The hooks are written against
one WeasyPrint version, SUPPORTED_WEASYPRINT: another one is refused with what to install.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from communique.errors import EngineError

SUPPORTED_WEASYPRINT = "70.0"
"""The WeasyPrint release the hooks read the internals of (pinned in pyproject.toml too)."""


@dataclass(frozen=True)
class Patch:
    """`owner.attribute` replaced by `replacement(original)` while communique renders."""

    owner: object
    attribute: str
    replacement: Callable[[object], object]


def check_version(installed: str) -> None:
    """Refuse a WeasyPrint other than SUPPORTED_WEASYPRINT: the hooks would misread its internals."""
    if installed != SUPPORTED_WEASYPRINT:
        raise EngineError(
            f"communique supports WeasyPrint {SUPPORTED_WEASYPRINT}, but WeasyPrint {installed} is installed",
            hint=f"install the supported version: pip install weasyprint=={SUPPORTED_WEASYPRINT}",
        )


@contextmanager
def installed(patches: Iterable[Patch]) -> Iterator[None]:
    """Install the hooks `patches` name for the length of this block; the originals are put back however
    the block ends (renders do not nest)."""
    applied: list[tuple[object, str, object]] = []
    try:
        for patch in patches:
            original = getattr(patch.owner, patch.attribute)
            setattr(patch.owner, patch.attribute, patch.replacement(original))
            applied.append((patch.owner, patch.attribute, original))
        yield
    finally:
        for owner, attribute, original in reversed(applied):
            setattr(owner, attribute, original)
