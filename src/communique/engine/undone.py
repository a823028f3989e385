"""What a hook into WeasyPrint could not do, recorded as a warning of the build being rendered.

A hook that cannot read what it expects (a WeasyPrint, Pango or pydyf internal renamed or reshaped)
leaves the work to WeasyPrint and says so here: the build then warns, and fails under `--strict`, instead
of quietly writing a worse PDF.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

ENGINE_CHANGED = (AttributeError, KeyError, TypeError, IndexError, ValueError)
"""What reading an engine internal that changed shape raises: caught around our reading, never wider."""
EXCERPT = 30
"""Characters of a line's text quoted in a warning."""

_collected: ContextVar[list[str] | None] = ContextVar("communique_undone", default=None)


@contextmanager
def collecting() -> Iterator[list[str]]:
    """Collect what hooks leave undone within this block, each once, in order."""
    found: list[str] = []
    token = _collected.set(found)
    try:
        yield found
    finally:
        _collected.reset(token)


def report(hook: str, what: str, error: BaseException | None = None) -> None:
    """Record that `hook` left `what` undone (because of `error`)."""
    found = _collected.get()
    if found is None:
        return
    cause = f" ({type(error).__name__}: {error})" if error is not None else ""
    message = f"{hook}: {what}{cause}"
    if message not in found:
        found.append(message)


def excerpt(text: str) -> str:
    """`text` quoted for a warning: whitespace collapsed, at most EXCERPT characters."""
    text = " ".join(text.split())
    return repr(text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…")
