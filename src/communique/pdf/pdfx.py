"""communique's own PDF/X-4 checks (ISO 15930-7), for want of a free PDF/X validator: what a print shop's
preflight rejects first. Not checked: overprint and transparency blending rules beyond the groups'
colour spaces, spot colours, image resolution, optional content, and whether the output intent fits the
press (that is the print shop's call).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pikepdf

from communique.standards import PRESS_ANNOTATIONS

_RGB_OPERATOR = re.compile(rb"(?<!\S)[-+\d.]+\s+[-+\d.]+\s+[-+\d.]+\s+(?:rg|RG)(?!\S)|/DeviceRGB\b")
_ICC_CLASSES = {b"prtr"}
_ICC_SPACES = {b"CMYK": 4, b"GRAY": 1, b"RGB ": 3}
_BOX_TOLERANCE = 0.01


@dataclass(frozen=True)
class Problem:
    """One reason the file is not PDF/X-4."""

    rule: str
    message: str


_XMP_MM = "{http://ns.adobe.com/xap/1.0/mm/}"
_TRAPPED = "{http://ns.adobe.com/pdf/1.3/}Trapped"


def pdfx4_problems(pdf: pikepdf.Pdf, xmp: dict[str, str]) -> list[Problem]:
    """What keeps `pdf` from PDF/X-4; `xmp` holds its XMP properties by Clark name."""
    problems = _version(pdf) + _output_intent(pdf) + _trapped(pdf, xmp.get(_TRAPPED))
    problems += _security(pdf) + _identification(xmp)
    for number, page in enumerate(pdf.pages, start=1):
        problems += _boxes(page, number) + _colour(page, number) + _annotations(page, number)
    problems += _fonts(pdf)
    return problems


def _version(pdf: pikepdf.Pdf) -> list[Problem]:
    if tuple(int(part) for part in pdf.pdf_version.split(".")) > (1, 6):
        return [
            Problem("pdfx:version", f"the header says PDF {pdf.pdf_version}; PDF/X-4 is PDF 1.6 or lower")
        ]
    return []


def _output_intent(pdf: pikepdf.Pdf) -> list[Problem]:
    intents = [item for item in pdf.Root.get("/OutputIntents", []) if item.get("/S") == "/GTS_PDFX"]
    if len(intents) != 1:
        return [Problem("pdfx:output-intent", f"{len(intents)} GTS_PDFX output intents; PDF/X needs one")]
    intent = intents[0]
    problems = []
    if not str(intent.get("/OutputConditionIdentifier", "")):
        problems.append(Problem("pdfx:output-intent", "the output intent names no OutputConditionIdentifier"))
    profile = intent.get("/DestOutputProfile")
    if not isinstance(profile, pikepdf.Stream):
        return [*problems, Problem("pdfx:output-intent", "the output intent embeds no DestOutputProfile")]
    header = profile.read_bytes()[:20]
    space = header[16:20]
    if header[12:16] not in _ICC_CLASSES or space not in _ICC_SPACES:
        problems.append(
            Problem(
                "pdfx:output-intent",
                f"the output profile is a {header[12:16]!r} profile of {space!r}; PDF/X needs an output "
                "(prtr) profile of CMYK, gray or RGB",
            )
        )
    elif int(profile.get("/N", 0)) != _ICC_SPACES[space]:
        problems.append(
            Problem("pdfx:output-intent", "the output profile's /N does not match its colour space")
        )
    return problems


def _trapped(pdf: pikepdf.Pdf, trapped_xmp: str | None) -> list[Problem]:
    info = pdf.trailer.get("/Info")
    trapped = str(info.get("/Trapped", "")) if isinstance(info, pikepdf.Dictionary) else ""
    if trapped not in ("/True", "/False"):
        return [Problem("pdfx:trapped", "Info /Trapped is not /True or /False")]
    if trapped_xmp != trapped[1:]:
        return [Problem("pdfx:trapped", f"XMP pdf:Trapped ({trapped_xmp}) differs from Info /Trapped")]
    return []


def _identification(xmp: dict[str, str]) -> list[Problem]:
    missing = [name for name in ("DocumentID", "VersionID", "RenditionClass") if not xmp.get(_XMP_MM + name)]
    return [Problem("pdfx:metadata", f"the XMP has no xmpMM:{name}") for name in missing]


def _annotations(page: pikepdf.Page, number: int) -> list[Problem]:
    """Only trap networks and printer's marks may be annotations on a PDF/X page (no form fields,
    links or comments over what is printed)."""
    kinds = {str(item.get("/Subtype")) for item in page.obj.get("/Annots", pikepdf.Array())}
    other = sorted(kinds - PRESS_ANNOTATIONS)
    return [Problem("pdfx:annotations", f"page {number} has {', '.join(other)} annotations")] if other else []


def _security(pdf: pikepdf.Pdf) -> list[Problem]:
    problems = []
    if pdf.is_encrypted:
        problems.append(Problem("pdfx:encryption", "the file is encrypted"))
    names = pdf.Root.get("/Names")
    if (
        (isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names)
        or "/AA" in pdf.Root
        or "/OpenAction" in pdf.Root
    ):
        problems.append(Problem("pdfx:actions", "the document has JavaScript or actions"))
    return problems


def _box(page: pikepdf.Page, name: str) -> tuple[float, ...] | None:
    value = page.obj.get(name)
    return tuple(float(number) for number in value) if value is not None else None


def _within(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (
        inner[0] >= outer[0] - _BOX_TOLERANCE
        and inner[1] >= outer[1] - _BOX_TOLERANCE
        and inner[2] <= outer[2] + _BOX_TOLERANCE
        and inner[3] <= outer[3] + _BOX_TOLERANCE
    )


def _boxes(page: pikepdf.Page, number: int) -> list[Problem]:
    media, trim, art, bleed = (_box(page, name) for name in ("/MediaBox", "/TrimBox", "/ArtBox", "/BleedBox"))
    finished = trim or art
    if (trim is None) == (art is None) or finished is None or media is None:
        return [
            Problem("pdfx:boxes", f"page {number} needs a MediaBox and exactly one of TrimBox and ArtBox")
        ]
    outer = bleed or media
    if not (_within(finished, outer) and _within(outer, media)):
        return [Problem("pdfx:boxes", f"page {number}: the TrimBox is not inside the BleedBox and MediaBox")]
    return []


def _colour(page: pikepdf.Page, number: int) -> list[Problem]:
    """DeviceRGB (rg/RG operators, /DeviceRGB images) only where a DefaultRGB colour-manages it: in the
    page's content and in every form or image it draws, with the resources each uses."""
    contents = page.obj.get("/Contents")
    page_streams = (
        list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
    )
    # (what draws, the resources it draws with): the page's content streams, then each form's own
    pending: list[tuple[list[pikepdf.Object], pikepdf.Object]] = [
        (page_streams, page.obj.get("/Resources", pikepdf.Dictionary()))
    ]
    seen: set[tuple[int, int]] = set()
    while pending:
        streams, resources = pending.pop()
        managed = "/DefaultRGB" in resources.get("/ColorSpace", {})
        for item in resources.get("/XObject", {}).values():
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
            if item.get("/Subtype") == "/Form":
                pending.append(([item], item.get("/Resources", resources)))
            elif item.get("/ColorSpace") == "/DeviceRGB" and not managed:
                return [Problem("pdfx:colour", f"page {number} draws a DeviceRGB image without DefaultRGB")]
        if not managed and any(
            isinstance(stream, pikepdf.Stream) and _RGB_OPERATOR.search(stream.read_bytes())
            for stream in streams
        ):
            return [Problem("pdfx:colour", f"page {number} uses DeviceRGB without a DefaultRGB colour space")]
    return []


def _fonts(pdf: pikepdf.Pdf) -> list[Problem]:
    missing = set()
    for item in pdf.objects:
        if not isinstance(item, pikepdf.Dictionary) or item.get("/Type") != "/FontDescriptor":
            continue
        if not any(key in item for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.add(str(item.get("/FontName", "?")))
    return [Problem("pdfx:fonts", f"font not embedded: {name}") for name in sorted(missing)]
