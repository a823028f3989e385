"""Work done beside a build: in a forked copy of this process, on another core, while this one goes on.

A long document's translation check and font coverage (0.12 s for the 54-page treaty) need only its data,
so they run while it is typeset and composed. Only results travel back (tuples of strings): where the copy
fails (the check raised, or the copy ended), the caller does the work itself, and any error it finds is
raised there, as without the copy. Linux only (forking), and never inside a batch worker (daemonic
processes may not have children).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Result = TypeVar("Result")


class Pending(Generic[Result]):
    """A result being worked out in a forked copy of this process."""

    def __init__(self, process: BaseProcess, connection: Connection) -> None:
        self._process = process
        self._connection = connection

    def result(self) -> Result | None:
        """The result; None where the copy failed, so that the caller works it out itself."""
        try:
            kind, value = self._connection.recv()
        except (EOFError, OSError):
            return None
        return value if kind == "done" else None

    def end(self) -> None:
        """End the copy (killing it if it still works) and close its pipe."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._process.close()
        self._connection.close()


@contextmanager
def beside(work: Callable[[], Result], wanted: bool = True) -> Iterator[Pending[Result] | None]:
    """`work` started in a forked copy of this process, or None where it is not `wanted`, forking is
    unavailable or the system has no process to spare; the copy is ended however the block ends."""
    pending = _started(work) if wanted and forking_available() else None
    if pending is None:
        yield None
        return
    try:
        yield pending
    finally:
        pending.end()


First = TypeVar("First")
Then = TypeVar("Then")


def in_order(first: Callable[[], First], then: Callable[[], Then], fork: bool) -> tuple[First, Then]:
    """`first()` and `then()`, as if called in that order; with `fork`, `first` runs in a forked copy while
    `then` runs here. An error of `first` comes before one of `then`, from this process, as in order:
    where the copy failed, `first` runs again here. `first` must not return None (a failed copy)."""
    with beside(first, wanted=fork) as pending:
        if pending is None:
            earlier = first()
            return earlier, then()
        try:
            later = then()
        except Exception:
            if pending.result() is None:
                try:
                    first()
                except Exception as error:  # its error comes first, as in order
                    raise error from None
            raise
        result = pending.result()
        return (first() if result is None else result), later


def _started(work: Callable[[], Result]) -> Pending[Result] | None:
    """`work` started in a forked copy of this process; None where the system has no process, memory or
    file descriptor to spare for it (a container's process limit): the caller then does the work itself."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    try:
        parent, child = context.Pipe(duplex=False)
    except OSError:
        return None
    process = context.Process(target=_work, args=(work, child), daemon=True)
    try:
        process.start()
    except OSError:
        parent.close()
        return None
    finally:
        child.close()
    return Pending[Result](process, parent)


def forking_available() -> bool:
    """Whether a copy of this process can be forked (Linux), outside a daemonic process (a batch worker)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def _work(work: Callable[[], object], connection: Connection) -> None:
    """In the copy: send `work`'s result, or that it failed."""
    try:
        connection.send(("done", work()))
    except BaseException:  # the caller does the work itself and reports what is wrong
        connection.send(("failed", None))
    finally:
        connection.close()
        os._exit(0)  # no atexit handlers of the parent's in a forked copy
