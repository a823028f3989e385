"""communique: official bilingual communiques as print-ready and archival PDFs."""

from __future__ import annotations

from communique.errors import CommuniqueError
from communique.load import load

__version__ = "0.1.0"
__all__ = ["CommuniqueError", "__version__", "build", "load"]


def __getattr__(name: str) -> object:
    # build() pulls in WeasyPrint; import it only when asked so `validate` stays fast.
    if name == "build":
        from communique.pipeline import build

        return build
    raise AttributeError(name)
