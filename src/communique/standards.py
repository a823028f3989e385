"""The standards a copy declares: PDF/UA-1 (accessible), a PDF/A part and level (archival), PDF/X-4 (print
shop), and the combinations one file can hold.

Every copy is tagged whatever it declares. A print copy declares PDF/UA-1 by default, an archival copy
PDF/A-3a and PDF/UA-1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from communique.errors import DataError, ErrorList, UsageError
from communique.model import Communique

PDFA_LEVELS = ("2a", "2b", "2u", "3a", "3b", "3u", "4f")
"""The PDF/A parts and levels communique writes: 2 and 3 (PDF 1.7) at any level, 4f (PDF 2.0, files)."""
NAMES = (*(f"pdf/a-{level}" for level in PDFA_LEVELS), "pdf/ua-1", "pdf/x-4")
PRINT_DEFAULT = "pdf/ua-1"
ARCHIVAL_DEFAULT = "pdf/a-3a+ua-1"
STANDARD_PATTERN = r"^[A-Za-z0-9/+ -]{1,40}$"
"""What communique.toml's `standard` may look like; `standard()` says which names exist and combine (a
located error at the key)."""
PRESS_ANNOTATIONS = frozenset({"/TrapNet", "/PrinterMark"})
"""The only annotations a PDF/X page may hold (finish warns of others, verify fails them)."""
PRINTING_CONDITION = "FOGRA39"
"""The characterized printing condition of the bundled CMYK profile (ISO 12647-2 coated offset)."""
CMYK_PROFILE = "FOGRA39L-coated.icc"
"""The bundled output profile, in communique's data/icc folder, made by scripts/make-cmyk-profile.sh."""


@dataclass(frozen=True)
class Standard:
    """What one copy declares."""

    pdfa: str | None = None
    """PDF/A part and level, e.g. '3a'; None for no PDF/A."""
    ua: bool = False
    """PDF/UA-1."""
    x4: bool = False
    """PDF/X-4."""

    @property
    def name(self) -> str:
        """The canonical spelling, e.g. 'pdf/a-3a+ua-1'."""
        parts = [f"a-{self.pdfa}"] if self.pdfa else []
        parts += ["x-4"] if self.x4 else []
        parts += ["ua-1"] if self.ua else []
        return "pdf/" + "+".join(parts)

    @property
    def engine_variant(self) -> str:
        """The WeasyPrint `pdf_variant` that writes the file's version and output intent."""
        if self.pdfa:
            return f"pdf/a-{self.pdfa}"
        return "pdf/x-4" if self.x4 else "pdf/ua-1"

    @property
    def pdfa_part(self) -> int | None:
        """2, 3 or 4; None without PDF/A."""
        return int(self.pdfa[0]) if self.pdfa else None

    @property
    def pdfa_conformance(self) -> str | None:
        """'A', 'B', 'U' or 'F'; None without PDF/A."""
        return self.pdfa[1].upper() if self.pdfa else None

    @property
    def carries_files(self) -> bool:
        """Whether the file may carry source files (PDF/A-3 and PDF/A-4f; PDF/A-2 and PDF/X may not)."""
        return self.pdfa is not None and self.pdfa[0] in "34"

    @property
    def needs_alt_text(self) -> bool:
        """Whether every image must have a text alternative: PDF/UA and PDF/A level a."""
        return self.ua or self.pdfa_conformance == "A"


def standard(text: str) -> str:
    """A `--standard` value in its canonical spelling ('PDF/A-3a+UA-1' -> 'pdf/a-3a+ua-1'); UsageError
    for a name communique does not write or a combination one file cannot hold."""
    return parsed(text).name


def parsed(text: str) -> Standard:
    """The standard `text` names (see `standard`)."""
    choices = f"choose from {', '.join(NAMES)}, joined with '+' (e.g. {ARCHIVAL_DEFAULT})"
    pdfa: list[str] = []
    ua = x4 = False
    for part in text.strip().lower().split("+"):
        name = re.sub(r"^(pdf/)?", "pdf/", part.strip())
        if name not in NAMES:
            raise UsageError(f"unknown standard {part.strip()[:40]!r}", hint=choices)
        if name == "pdf/ua-1":
            ua = True
        elif name == "pdf/x-4":
            x4 = True
        else:
            pdfa.append(name.removeprefix("pdf/a-"))
    if len(pdfa) > 1:
        raise UsageError(
            f"{text.strip()!r} names {len(pdfa)} PDF/A levels",
            hint="a file declares one PDF/A part and level",
        )
    level = pdfa[0] if pdfa else None
    if level and x4:
        raise UsageError(
            f"{text.strip()!r}: communique writes the print shop's PDF/X-4 copy (the press's CMYK output "
            "intent) and the PDF/A copy (sRGB, carrying its sources) as separate files",
            hint="build the print-shop copy with --standard pdf/x-4 and the archival copy on its own",
        )
    if level == "4f" and ua:  # checked before the archival rule below: the clearer reason
        raise UsageError(
            f"{text.strip()!r}: PDF/A-4 is PDF 2.0, and PDF/UA-1 is a PDF 1.7 standard",
            hint="use pdf/a-3a+ua-1 for an accessible archival copy, or pdf/a-4f alone",
        )
    return Standard(level, ua, x4)


def for_copy(given: str | None, archival: bool, signature_fields: bool = False) -> Standard:
    """The standard a copy declares: `given` (canonical, from `standard`) or the default for print or
    archival copies. UsageError where an archival copy (which carries its sources) would declare a
    standard that cannot hold files."""
    chosen = parsed(given or (ARCHIVAL_DEFAULT if archival else PRINT_DEFAULT))
    if archival and not chosen.carries_files:
        raise UsageError(
            f"an archival copy (--archival, or archival = true) carries its source data, which "
            f"{chosen.name} cannot hold",
            hint="use pdf/a-3a+ua-1 (the default), pdf/a-3b, pdf/a-3u or pdf/a-4f for an archival copy, "
            f"or build {chosen.name} without --archival",
        )
    if chosen.pdfa == "4f" and not archival:
        raise UsageError(
            "PDF/A-4f is the PDF/A-4 level of files that carry embedded files, and only archival copies "
            "(--archival, or archival = true) carry their sources",
            hint="build it with --archival, or choose pdf/a-2b, pdf/a-2u or pdf/a-3b for a copy without "
            "sources",
        )
    if chosen.x4 and signature_fields:
        raise UsageError(
            "a PDF/X-4 copy may hold no form fields on its pages, and signature fields are form fields",
            hint="sign the archival copy (--archival --signature-fields); build the print shop's pdf/x-4 "
            "with --no-signature-fields (or fields = false under [signing] in communique.toml)",
        )
    return chosen


def srgb_profile() -> bytes:
    """The bundled sRGB profile: PDF/X-4 copies' DefaultRGB."""
    return resources.files("communique").joinpath("data", "icc", "sRGB.icc").read_bytes()


def standard_css(chosen: Standard) -> str:
    """CSS added after the layout's stylesheets for `chosen`: PDF/A forbids image interpolation; a PDF/X-4
    copy's output intent is the bundled CMYK profile, and its black text is set in black ink only."""
    css = "img { image-rendering: crisp-edges }" if chosen.pdfa else ""
    if chosen.x4:
        profile = Path(str(resources.files("communique").joinpath("data", "icc", CMYK_PROFILE))).as_uri()
        css += f'\n@color-profile device-cmyk {{ src: url("{profile}"); components: c, m, y, k }}'
        css += "\nhtml { color: device-cmyk(0 0 0 1) }"  # black text in black ink alone, not four inks
    return css


def check_alternatives(communique: Communique, declared: Standard) -> None:
    """Every image of the data has a text alternative in every language, where `declared` needs one."""
    if not declared.needs_alt_text or not communique.images_without_alt:
        return
    raise ErrorList(
        DataError(
            f"{image.description} has no text alternative in {', '.join(image.missing)}, which "
            f"{declared.name} needs for every image",
            image.location,
            f"add {image.alt_key} beside it with what the image shows in each language, e.g. "
            f"{image.alt_key}: {{{', '.join(f'{lang}: ...' for lang in image.missing)}}}",
        )
        for image in communique.images_without_alt
    )
