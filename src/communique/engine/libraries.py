"""Fast shared-library lookup for WeasyPrint's start-up (a measured 0.25-0.35 s of every build)."""

from __future__ import annotations

import ctypes.util
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def ldconfig_library_lookup() -> Iterator[None]:
    """Answer ctypes' library lookups from one `ldconfig -p` run while WeasyPrint loads its libraries.

    WeasyPrint tries several names per library; every miss makes ctypes.util.find_library spawn
    ldconfig, gcc and ld (about 50 processes, 0.35 s of a 1 s build). One ldconfig run answers them all.
    """
    try:
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        yield  # no ldconfig: leave ctypes as it is
        return
    sonames = re.findall(r"^\s*(\S+\.so[.\d]*) ", listing, re.MULTILINE)

    def find_library(name: str) -> str | None:
        pattern = re.compile(rf"lib{re.escape(name)}\.so[.\d]*")
        return next((soname for soname in sonames if pattern.fullmatch(soname)), None)

    original = ctypes.util.find_library
    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original
