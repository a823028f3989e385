"""The translation check: what one version of a block says and another does not.

Each body block and each instrument field (title, subject, closing lines given word for word) is compared
across the versions it has (a language a block leaves out is pending there, and skipped): the numbers in
it however each language writes them, web and e-mail addresses, the names of the people who sign; each
version's script; text left untranslated; alignment groups split differently; closing lines dated
otherwise than the document. The data accepts a finding with an `accept:` entry that says why; an entry
that accepts nothing is itself a finding.

    >>> from communique.check import check
    >>> for finding in check(communique.load("data/example.yaml")):
    ...     print(finding)
"""

from __future__ import annotations

import bisect
import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from communique.conventions import primary, roman
from communique.dates import ERAS
from communique.model import Block, Communique, LocalizedText, SourceLocation, Text

KINDS = ("number", "url", "email", "name", "script", "untranslated", "missing", "alignment", "accept")
"""Every kind of finding. 'missing' is never reported: the loader refuses a block that has no text in a
language that is not pending in its instrument, and a block a pending version leaves out is compared
across the versions it has."""
REPORT_FORMAT = 1
"""The version of `check --report json`'s output."""
MIN_LETTERS = 12
"""Fewest letters in a text for it to count as untranslated, or as written in the wrong script."""
SHOWN_LENGTH = 120
"""Longest text of a version shown with a finding."""


@dataclass(frozen=True)
class Finding:
    """One difference between the versions of a block (or a field), located in the data file."""

    kind: str
    """One of KINDS."""
    location: SourceLocation
    """Where the thing is written in the first version that has it (the text's start where it cannot be
    pointed at)."""
    where: str
    """The block, as a reader finds it: 'body 3', 'body 4 item 2', 'instrument 2 body 3', 'title',
    'subject', 'closing'."""
    value: str
    """What differs: '2024', 'https://example.org', 'Koike Yuriko'."""
    message: str
    """One sentence naming the versions: '2024 is in en but not in ja'."""
    texts: tuple[tuple[str, str], ...]
    """(lang, text) of every version of the block, each shortened to SHOWN_LENGTH characters."""

    def __str__(self) -> str:
        return f"{self.location}: {self.message} ({self.where})"

    def as_dict(self) -> dict[str, object]:
        """The finding for machines (JSON-ready)."""
        return {
            "kind": self.kind,
            "file": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "where": self.where,
            "value": self.value,
            "message": self.message,
            "texts": dict(self.texts),
        }


def check(communique: Communique) -> tuple[Finding, ...]:
    """Every finding of the translation check that the data does not accept, in file order."""
    people = _people(communique)
    units = _units(communique)
    findings = [finding for unit in units for finding in _unit_findings(unit, people)]
    closings = [unit for unit in units if unit.where.endswith("closing")]
    findings += [finding for unit in closings for finding in _date_findings(unit, communique.date)]
    kept = _unaccepted(findings, communique, units)
    return tuple(sorted(kept, key=_file_order))


def _file_order(finding: Finding) -> tuple[object, ...]:
    return (finding.location, finding.kind, finding.value, finding.where, finding.message)


# --- What is compared: blocks and fields ---------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """One block or field, with its text in each version that has one."""

    where: str
    versions: tuple[tuple[str, tuple[Text, ...]], ...]
    clause: int = 0
    """The last numbered paragraph's number (counted from the last heading or article), the last
    article's and the block's number in its list: what relative references (前項, the preceding Article)
    count from; 0 where there is none."""
    article: int = 0
    item: int = 0

    def shown(self, value: str = "") -> tuple[tuple[str, str], ...]:
        """(lang, text) of each version, shortened around `value` where a version has it, and in the
        others around the same place in proportion (a long block was cut before what was found)."""
        flat = [(lang, " ".join(" ".join(t.value for t in texts).split())) for lang, texts in self.versions]
        wanted = " ".join(value.split())
        # a number is found as itself, not inside another ('22' in '2022')
        bounded = rf"(?<!\d){re.escape(wanted)}(?!\d)" if wanted[:1].isdigit() else re.escape(wanted)
        places = {lang: re.search(bounded, text) if wanted else None for lang, text in flat}
        found = next(((match.start(), len(text)) for lang, text in flat if (match := places[lang])), None)
        shown = []
        for lang, text in flat:
            match = places[lang]
            if found is None or len(text) <= SHOWN_LENGTH:
                shown.append((lang, _shortened(text)))
            elif match:
                shown.append((lang, _around(text, match.start(), len(wanted))))
            else:
                shown.append((lang, _around(text, round(found[0] / max(found[1], 1) * len(text)), 0)))
        return tuple(shown)

    def texts(self, lang: str) -> tuple[Text, ...]:
        """The paragraphs of the `lang` version (one of those the unit has)."""
        return next(texts for version, texts in self.versions if version == lang)


def _units(communique: Communique) -> list[_Unit]:
    """Every block and field compared, in document order."""
    several = len(communique.instruments) > 1
    units = []
    if several:
        units.append(_field("title", communique.title))
        if communique.subject:
            units.append(_field("subject", communique.subject))
    for number, instrument in enumerate(communique.instruments, 1):
        prefix = f"instrument {number} " if several else ""
        units.append(_field(f"{prefix}title", instrument.title))
        if instrument.subject:
            units.append(_field(f"{prefix}subject", instrument.subject))
        units += _body_units(instrument.body, prefix)
        if instrument.closing.entries:
            units.append(_field(f"{prefix}closing", instrument.closing))
    return units


def _field(where: str, text: LocalizedText) -> _Unit:
    return _Unit(where, tuple((lang, (given,)) for lang, given in text.entries))


def _body_units(body: tuple[Block, ...], prefix: str) -> list[_Unit]:
    """The body's blocks named as the data file has them: a list is one entry of `body`, its items
    'body N item M'; numbered paragraphs count from each heading and article, as they are printed."""
    units = []
    entry = article = clause = 0
    for block in body:
        if block.kind != "item" or block.index == 1:
            entry += 1
        if block.kind in ("heading", "article"):
            clause = 0
        article += block.kind == "article"
        clause += block.kind == "clause"
        where = f"{prefix}body {entry}" + (f" item {block.index}" if block.kind == "item" else "")
        if block.texts:
            units.append(_Unit(where, block.texts, clause, article, block.index))
    return units


def _unit_findings(unit: _Unit, people: tuple[LocalizedText, ...]) -> Iterator[Finding]:
    """Every finding of one block or field (a single version can only be in the wrong script)."""
    yield from _script_findings(unit)
    if len(unit.versions) < 2:
        return
    yield from _number_findings(unit)
    yield from _address_findings(unit)
    yield from _name_findings(unit, people)
    yield from _untranslated_findings(unit)
    yield from _alignment_findings(unit)


def _finding(kind: str, unit: _Unit, at: SourceLocation, value: str, message: str) -> Finding:
    return Finding(kind, at, unit.where, value, message, unit.shown(value))


def _around(text: str, at: int, width: int) -> str:
    """SHOWN_LENGTH characters of the one-line `text` with `text[at : at + width]` in their middle, an
    ellipsis where the text goes on."""
    start = max(0, min(at + width // 2 - SHOWN_LENGTH // 2, len(text) - SHOWN_LENGTH + 2))
    window = text[start : start + SHOWN_LENGTH - 2]
    return ("…" if start else "") + window + ("…" if start + len(window) < len(text) else "")


def _shortened(text: str, length: int = SHOWN_LENGTH) -> str:
    """`text` on one line, cut to `length` characters (the last an ellipsis)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def _listed(langs: Iterable[str]) -> str:
    """'en', 'ja and en', 'ja, en and zh-Hans'."""
    names = list(langs)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _located(text: Text, start: int, surface: str) -> SourceLocation:
    """Where `surface`, found at `start` of the text's value, is written in the file: the same occurrence
    in the raw scalar; where escapes or folded lines changed it, its first word, else the text's start."""
    occurrence = 0
    index = text.value.find(surface)
    while 0 <= index < start:
        occurrence += 1
        index = text.value.find(surface, index + 1)
    index = -1
    for _ in range(occurrence + 1):
        index = text.raw.find(surface, index + 1)
        if index < 0:
            words = surface.split()
            return _located(text, start, words[0]) if len(words) > 1 else text.locate(surface)
    before = text.raw[:index]
    newlines = before.count("\n")
    begin = text.location
    if newlines == 0:
        return SourceLocation(begin.path, begin.line, begin.column + index)
    return SourceLocation(begin.path, begin.line + newlines, index - before.rfind("\n"))


# --- Acceptance ---------------------------------------------------------------------------------------


def _unaccepted(findings: list[Finding], communique: Communique, units: list[_Unit]) -> list[Finding]:
    """The findings no `accept` entry accepts, and a finding for each entry that accepts none."""
    entries = communique.accepted
    used: set[int] = set()
    kept = []
    for finding in findings:
        key = (finding.kind, finding.where, finding.value)
        matching = [
            index for index, entry in enumerate(entries) if (entry.kind, entry.where, entry.value) == key
        ]
        if matching:
            used.update(matching)
        else:
            kept.append(finding)
    shown = {unit.where: unit.shown() for unit in units}
    for index, entry in enumerate(entries):
        if index not in used:
            message = f"accepts nothing: there is no {entry.kind} finding of {entry.value!r} in {entry.where}"
            texts = shown.get(entry.where, ())
            kept.append(Finding("accept", entry.location, entry.where, entry.value, message, texts))
    return kept


# --- Numbers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    """A number as a version writes it."""

    value: str
    """Normalised: '2023', '1000000', '3.5', '25%', '14:00'."""
    paragraph: int
    start: int
    surface: str
    """As written: '2,023', '100万', '３．５％', 'August', '午後2時'."""


@dataclass
class _Reading:
    """The numbers of one version of a block: those it states, and every value it may be read as giving
    (numbers in words, kanji numerals, relative references), which only answer the other versions."""

    mentions: list[_Mention] = field(default_factory=list)
    answers: set[str] = field(default_factory=set)


def _number_findings(unit: _Unit) -> Iterator[Finding]:
    """A number one version states that another neither states nor gives in words."""
    readings = [(lang, _reading(texts, lang, unit)) for lang, texts in unit.versions]
    firsts: dict[str, tuple[str, _Mention]] = {}
    for lang, reading in readings:
        for mention in reading.mentions:
            firsts.setdefault(mention.value, (lang, mention))
    for value, (lang, mention) in firsts.items():
        having = [name for name, reading in readings if any(m.value == value for m in reading.mentions)]
        lacking = [name for name, reading in readings if value not in reading.answers]
        if not lacking:
            continue
        text = unit.texts(lang)[mention.paragraph]
        shown = (
            mention.surface if _plain(mention.surface) == _plain(value) else f"{mention.surface} ({value})"
        )
        message = f"{shown} is in {_listed(having)} but not in {_listed(lacking)}"
        yield _finding("number", unit, _located(text, mention.start, mention.surface), value, message)


def _plain(surface: str) -> str:
    """`surface` without the separators a number is written with."""
    return re.sub(r"[\s,.'’]", "", surface)


def _reading(texts: tuple[Text, ...], lang: str, unit: _Unit) -> _Reading:
    reading = _Reading()
    for paragraph, text in enumerate(texts):
        _read(text.value, paragraph, lang, reading)
        _read_references(text.value, unit, reading)
    reading.answers |= {mention.value for mention in reading.mentions}
    return reading


_MASK = "\0"
_Reader = Callable[[re.Match[str]], "str | None"]
"""Reads a match as a normalised number; None leaves it."""


class _Scan:
    """A paragraph being read for numbers: what a pattern reads is masked from the patterns after it."""

    def __init__(self, value: str, paragraph: int, reading: _Reading):
        self.original = value
        self.text = _folded(_without_addresses(value))
        self.paragraph = paragraph
        self.reading = reading

    def take(self, pattern: re.Pattern[str], read: _Reader) -> None:
        """Read every match of `pattern` not masked yet."""
        for match in pattern.finditer(self.text):
            if _MASK not in match.group(0):
                value = read(match)
                if value is not None:
                    self.state(value, match.start(), match.end())

    def state(self, value: str, start: int, end: int) -> None:
        """The paragraph states `value`, written from `start` to `end`."""
        written = self.original[start:end]
        start += len(written) - len(written.lstrip())
        surface = written.strip()
        self.reading.mentions.append(_Mention(value, self.paragraph, start, surface))
        self.text = self.text[:start] + _MASK * len(surface) + self.text[start + len(surface) :]

    def answer(self, value: str, start: int, end: int) -> None:
        """What is written from `start` to `end` only answers `value`."""
        self.reading.answers.add(value)
        self.text = self.text[:start] + _MASK * (end - start) + self.text[end:]


def _read(value: str, paragraph: int, lang: str, reading: _Reading) -> None:
    """Read one paragraph: the numbers it states (in `reading.mentions`), and those it may be read as
    giving in words (in `reading.answers`)."""
    scan = _Scan(value, paragraph, reading)
    scan.take(_ERA_YEAR, _era_year)
    scan.take(_BUDDHIST_YEAR, _buddhist_year)
    if primary(lang) == "th":
        _read_thai_years(scan)
    _read_times(scan)
    _read_percentages(scan, lang)
    _read_fractions(scan)
    _read_cjk_amounts(scan)
    if "1" in scan.text:
        for match in _PER_ONE.finditer(scan.text):
            if _MASK not in match.group(0):
                scan.answer("1", match.start(), match.end())
    _read_scaled(scan, lang)
    _read_months(scan, lang)
    scan.take(_ROMAN_AFTER_WORD, _roman_number)
    if "(" in scan.text:
        scan.take(_ROMAN_ITEM, _roman_item)
    if "siècle" in scan.text or "millénaire" in scan.text:
        scan.take(_CENTURY, _roman_number)
    scan.take(_KANJI_IN_CONTEXT, _kanji_in_context)
    if "/" in scan.text:
        _read_slashes(scan)
    for match in _DIGITS.finditer(scan.text):
        for number, start, end in _numbers(match.group(0), lang):
            scan.state(number, match.start() + start, match.start() + end)
    reading.answers |= _words(scan.text, lang)


def _folded(value: str) -> str:
    """`value` with full-width forms folded (NFKC), every space as ' ', every decimal digit (Thai,
    Arabic-Indic, full-width) as ASCII, the Arabic decimal and thousands separators (٫ ٬) as '.' and ','
    and ' as ’: character for character, so indexes stay the same."""
    return "".join(map(_folded_char, value))


@cache
def _folded_char(char: str) -> str:
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    if "\uff01" <= char <= "\uffee":
        folded = unicodedata.normalize("NFKC", char)
        return folded if len(folded) == 1 else char
    if char.isspace():
        return " "
    return _FOLDED_MARKS.get(char, char)


_FOLDED_MARKS = {"'": "’", "\u066b": ".", "\u066c": ","}


_DIGITS = re.compile(r"\d+(?:[.,’ ]\d+)*")


def _numbers(written: str, lang: str) -> list[tuple[str, int, int]]:
    """(value, start, end) of each number in a run of digit groups ('1,200', '3,5', '2020.21'): groups of
    three after the language's thousands separator belong to the group before (of one to three digits),
    digits after its decimal separator are the fraction; any other separator parts two numbers."""
    decimal, group = _separators(lang)
    groups = [(match.group(0), match.start(), match.end()) for match in re.finditer(r"\d+", written)]
    numbers = []
    whole, start, end = groups[0]
    fraction = ""
    grouping = len(whole) <= 3
    for digits, at, until in groups[1:]:
        separator = written[end:at]
        if separator == group and grouping and len(digits) == 3 and not fraction:
            whole += digits
        elif separator == decimal and not fraction:
            fraction = digits
        else:
            numbers.append((_text_of(_decimal(whole, fraction)), start, end))
            whole, fraction, start, grouping = digits, "", at, len(digits) <= 3
        end = until
    numbers.append((_text_of(_decimal(whole, fraction)), start, end))
    return numbers


def _decimal(whole: str, fraction: str) -> Decimal:
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def _text_of(value: Decimal) -> str:
    """'2023', '3.5', '1000000': no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


@cache
def _separators(lang: str) -> tuple[str, str]:
    """The language's decimal and thousands separators (CLDR), a space of any width as ' '."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = lang.replace("-", "_")
    decimal, group = str(get_decimal_symbol(locale)), str(get_group_symbol(locale))
    return decimal, " " if group.isspace() else group.replace("'", "’")


_ERA_YEAR = re.compile(r"(令和|平成|昭和|大正|明治)\s*(\d+|元|[〇一二三四五六七八九十]+)\s*年")
_ERA_FIRST_YEARS = {name: first for _, name, first in ERAS}


def _era_year(match: re.Match[str]) -> str | None:
    """令和5年 -> '2023'; 元年 is the era's first year."""
    year = Decimal(1) if match.group(2) == "元" else _cjk_value(match.group(2))
    return None if year is None else str(_ERA_FIRST_YEARS[match.group(1)] + int(year) - 1)


_BUDDHIST_YEAR = re.compile(r"(?:พ\.\s*ศ\.|พุทธศักราช|B\.\s?E\.)\s*(\d{4})")


def _buddhist_year(match: re.Match[str]) -> str:
    """พ.ศ. 2566 -> '2023'."""
    return str(int(match.group(1)) - 543)


def _read_thai_years(scan: _Scan) -> None:
    """A year after ปี ('year') or a month's name in Thai is in the Buddhist era where it is one
    (20 สิงหาคม 2567 -> '2024'), as Thai dates are written without พ.ศ. too."""
    months = "|".join(re.escape(name) for name, _, _ in _month_names("th"))
    for match in re.finditer(rf"(?:ปี|{months})\s*(\d{{4}})(?!\d)", scan.text):
        year = int(match.group(1))
        if 2400 <= year < 2700 and _MASK not in match.group(0):
            scan.state(str(year - 543), match.start(1), match.end(1))


_HOUR = r"(?P<hour>\d{1,2})"
_AFTERNOON = ("午後", "下午", "오후")
_HALF_DAY_TIME = re.compile(
    # 午後2時30分, 下午2点, 오후 2시: 12-hour, with the half of the day
    r"(?P<half_day>午前|午後|上午|下午|오전|오후)\s*"
    + _HOUR
    + r"\s*(?:時|时|点|點|시)\s*(?:(?P<minutes>\d{1,2})\s*(?:分|분)|(?P<half>半|반))?"
)
_CLOCK_TIME = re.compile(
    # 2 p.m., 2:30 pm, 10.30 a.m.; 12 noon, 12.00 midday, 12 midnight
    _HOUR
    + r"(?:[:.](?P<minutes>\d{2}))?\s*(?:(?P<meridiem>[ap])\.?\s?m\b\.?|(?P<named>noon|midday|midnight)\b)",
    re.IGNORECASE,
)
_ARABIC_TIME = re.compile(
    # 8 صباحًا, 10:30 مساءً, 2 ظهرًا: with the part of the day (morning, noon, afternoon, evening, night)
    _HOUR
    + r"(?:[:.](?P<minutes>\d{2}))?\s*(?P<day_part>صباح|ظهر|عصر|مساء|ليل)[\u064b-\u0652]*ا?[\u064b-\u0652]*"
    r"(?![^\W\d_])"
)
_TIMES = (
    _HALF_DAY_TIME,
    # 14時, 14時30分, 14시; not 2時間, 2시간 (hours of time, not a time of day)
    re.compile(_HOUR + r"\s*(?:時|时)(?!間|间)\s*(?:(?P<minutes>\d{1,2})\s*分|(?P<half>半))?"),
    re.compile(_HOUR + r"시(?!간)(?:\s*(?P<minutes>\d{1,2})\s*분|(?P<half>반))?"),
    _CLOCK_TIME,
    _ARABIC_TIME,
    # 14:00, 14 h, 14h30, 14 heures
    re.compile(
        r"(?<![\d:.,])"
        + _HOUR
        + r"(?::(?P<minutes>\d{2})|\s?h(?:eures?)?(?![^\W\d_])\s?(?P<after_h>\d{2})?)(?![\d:])"
    ),
)
_RANGE_TO = r"\s*(?:から|より|부터|에서|至|到|[-~～〜－–—])\s*"
_RANGE_END = re.compile(
    # 午後2時から4時: the second time of a range the half of the day is written once for
    _RANGE_TO
    + r"(?P<time>"
    + _HOUR
    + r"\s*(?:時|时|点|點|시)(?!間|间|간)(?:\s*(?P<minutes>\d{1,2})\s*(?:分|분)|\s*(?P<half>半|반))?)"
)
_RANGE_START = re.compile(
    # from 2 to 4 p.m.: the first time, searched for just before the second
    r"(?<![\d:.,])(?P<time>" + _HOUR + r"(?:[:.](?P<minutes>\d{2}))?)"
    r"(?:\s+(?:to|until|till|and|إلى|الى|حتى)\s+(?:الساعة\s+)?|[-–])\Z",
    re.IGNORECASE,
)


def _read_times(scan: _Scan) -> None:
    """Times of day; where a range writes the half of the day once, its other time too."""
    for pattern in _TIMES:
        for match in pattern.finditer(scan.text):
            value = _time(match) if _MASK not in match.group(0) else None
            if value is None:
                continue
            scan.state(value, match.start(), match.end())
            if pattern is _HALF_DAY_TIME:
                _read_range_end(scan, match)
            elif pattern is _CLOCK_TIME and match.group("meridiem"):
                _read_range_start(scan, match, match.group("meridiem") in "pP")
            elif pattern is _ARABIC_TIME:
                _read_range_start(scan, match, int(value.split(":")[0]) >= 12)


def _read_range_end(scan: _Scan, match: re.Match[str]) -> None:
    """午後2時から4時: the second time is in the first's half of the day (in the other where it is
    earlier: 午前11時から1時 ends at 13:00)."""
    other = _RANGE_END.match(scan.text, match.end())
    if other is not None and _MASK not in other.group(0):
        afternoon = (match.group("half_day") in _AFTERNOON) == (_twelve(other) >= _twelve(match))
        value = _clock(int(other.group("hour")), _minutes(other), afternoon)
        if value is not None:
            scan.state(value, other.start("time"), other.end())


def _read_range_start(scan: _Scan, match: re.Match[str], later_afternoon: bool) -> None:
    """'from 2 to 4 p.m.', 'من 9 إلى 11 صباحًا': the first time is in the second's half of the day (in
    the other where it is later: 'from 11 to 1 p.m.' starts at 11:00)."""
    other = _RANGE_START.search(scan.text, max(0, match.start() - 24), match.start())
    if other is not None and _MASK not in other.group(0):
        afternoon = later_afternoon == (_twelve(other) <= _twelve(match))
        value = _clock(int(other.group("hour")), _minutes(other), afternoon)
        if value is not None:
            scan.state(value, other.start(), other.end("time"))


def _twelve(match: re.Match[str]) -> tuple[int, int]:
    """(hour on the 12-hour clock, minutes) of a time: what orders the two times of a range."""
    return int(match.group("hour")) % 12, _minutes(match)


def _time(match: re.Match[str]) -> str | None:
    """A time of day as 'H:MM' on the 24-hour clock: '14:00' for 午後2時, 2 p.m. and 14 h; '0:00' for
    12 midnight."""
    parts = match.groupdict()
    meridiem = (parts.get("meridiem") or "").lower()
    afternoon = parts.get("half_day") in _AFTERNOON or meridiem == "p"
    hour = int(parts["hour"])
    if parts.get("day_part"):
        afternoon = _arabic_afternoon(parts["day_part"], hour)
        hour = 0 if hour == 12 and parts["day_part"] == "ليل" else hour
    if parts.get("named"):
        if hour != 12:
            return None
        hour = 0 if parts["named"].lower() == "midnight" else 12
    return _clock(hour, _minutes(match), afternoon)


def _arabic_afternoon(day_part: str, hour: int) -> bool:
    """Whether the hour is after noon: always in the afternoon and evening (عصرًا, مساءً), never in the
    morning (صباحًا); at noon (ظهرًا) from 1 to 5, at night (ليلًا) from 6 to 11."""
    if day_part == "ظهر":
        return hour < 6
    return 6 <= hour < 12 if day_part == "ليل" else day_part in ("عصر", "مساء")


def _minutes(match: re.Match[str]) -> int:
    """The minutes of a time: '30' in 14時30分, 半 (half past), none (0)."""
    parts = match.groupdict()
    return 30 if parts.get("half") else int(parts.get("minutes") or parts.get("after_h") or 0)


def _clock(hour: int, minutes: int, afternoon: bool) -> str | None:
    """'H:MM' on the 24-hour clock; None for no time of day."""
    if afternoon and hour < 12:
        hour += 12
    if hour > 24 or minutes > 59:
        return None
    return f"{hour}:{minutes:02d}"


_PERCENT_WORDS = (
    r"%|٪|‰|per\s?cent\b|percent\b|pour\s?cent\b|Prozent\b|por\s?ciento\b|per\s?cento\b|процент\w*"
    r"|パーセント|퍼센트|في\s?المائة|في\s?المئة|بالمائة|بالمئة"
)
_PERCENT = re.compile(r"(\d+(?:[.,’ ]\d+)*)\s*(" + _PERCENT_WORDS + ")", re.IGNORECASE)
_PERCENT_BEFORE = re.compile(r"百分之\s*(\d+(?:\.\d+)?)")


def _read_percentages(scan: _Scan, lang: str) -> None:
    """25%, 25 ％, 3,5 %, 25 per cent, 百分之25: '25%', '3.5%' (the bare number answers too)."""
    for match in _PERCENT.finditer(scan.text):
        if _MASK in match.group(0):
            continue
        *others, (value, start, _) = _numbers(match.group(1), lang)
        for other, other_start, other_end in others:
            scan.state(other, match.start() + other_start, match.start() + other_end)
        scan.reading.answers.add(value)
        sign = "‰" if match.group(2) == "‰" else "%"
        scan.state(f"{value}{sign}", match.start() + start, match.end())
    for match in _PERCENT_BEFORE.finditer(scan.text):
        value = _text_of(Decimal(match.group(1)))
        scan.reading.answers.add(value)
        scan.state(f"{value}%", match.start(), match.end())


_FRACTION = re.compile(
    # 4分の1, 三分之二, 3분의 1: the denominator first; 百分之二十 and 千分之五 are 20% and 5‰
    r"(\d+|[〇零一二三四五六七八九十百千]+)\s*(?:分\s*[の之]|분\s*의)\s*(\d+|[〇零一二三四五六七八九十百千]+)"
)


def _read_fractions(scan: _Scan) -> None:
    """A fraction written with 分の, 分之 or 분의 states 'N/D' (4分の1 -> '1/4'), answered by 'one
    quarter' or 'un quart'; its two numbers only answer."""
    if "分" not in scan.text and "분" not in scan.text:
        return
    for match in _FRACTION.finditer(scan.text):
        whole, part = _cjk_value(match.group(1)), _cjk_value(match.group(2))
        if _MASK in match.group(0) or not whole or part is None:
            continue
        scan.reading.answers |= {_text_of(whole), _text_of(part)}
        if match.group(1) in ("百", "千") and "之" in match.group(0):
            value = f"{_text_of(part)}{'%' if whole == 100 else '‰'}"
        else:
            value = f"{_text_of(part)}/{_text_of(whole)}"
        scan.state(value, match.start(), match.end())


_SLASHED = re.compile(r"(?<![\d/])(\d{1,3})/(\d{1,3})(?![\d/])")
_ROUND_THE_CLOCK = re.compile(r"(?<![\d/])24\s?/\s?7(?![\d/])")


def _read_slashes(scan: _Scan) -> None:
    """'24/7' states 24 (hours) and answers 7 and 365 (days): 24時間年中無休; '1/4' answers '1/4'."""
    for match in _ROUND_THE_CLOCK.finditer(scan.text):
        scan.reading.answers |= {"7", "365"}
        scan.state("24", match.start(), match.end())
    for match in _SLASHED.finditer(scan.text):
        scan.reading.answers.add(f"{int(match.group(1))}/{int(match.group(2))}")


_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_DIGITS |= {"两": 2, "兩": 2, "壱": 1, "弐": 2, "参": 3}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000, "백": 100, "천": 1000}
_LARGE_UNITS = {"万": 10**4, "萬": 10**4, "만": 10**4, "億": 10**8, "亿": 10**8, "억": 10**8, "兆": 10**12}
_AMOUNT_UNITS = "百千万萬億亿兆백천만억"
_CJK_AMOUNT = re.compile(
    # 100万, 1億2000万, 1万2000, 2천만, 1억 5천만, 2만 5000; not 3千米 (3 km), 1만 2025년
    rf"\d+(?:[.,]\d+)*\s?[{_AMOUNT_UNITS}]+(?:\s?\d+(?:[.,]\d+)*\s?[{_AMOUNT_UNITS}]+)*"
    r"(?:(?<=[万萬億亿만억])(?:\d+(?:,\d{3})*|\s\d+(?:,\d{3})*(?!\s?[年년月월日일])))?(?![米克瓦\d])"
)
_AMOUNT_PARTS = re.compile(r"\S+(?:\s(?!\d)\S*)*")
"""The parts of an amount written with spaces (1억 5천만: 1억 and 5천만)."""
_PER_ONE = re.compile(
    # 1件当たり, 1人1日当たり, 1인당, 1가구당: 'per case', 'per person per day' (the 1 is no number)
    r"(?<![\d.,第제])(?:1\s?[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3]{1,2}\s?)+(?:当たり|当り|あたり|당(?![가-힣]))"
    r"|(?<![\d.,第제])1\s?(?:当たり|当り|あたり)"
)
_KANJI_NUMERAL = "〇零一二三四五六七八九十百千"
_KANJI_IN_CONTEXT = re.compile(
    # 第三条, 第十二項, 第五章; 二〇二三年, 十月, 二十一日 (not 一日も: 'as soon as possible')
    rf"第\s*([{_KANJI_NUMERAL}]+)\s*(?=[条條項项号號章節节款回])"
    rf"|(?<![{_KANJI_NUMERAL}万萬億])([{_KANJI_NUMERAL}]+)(?=\s*[年月日])(?!日も)"
)


def _cjk_value(written: str) -> Decimal | None:
    """The value of a number in Chinese numerals, or in digits with CJK multipliers: 三十五 -> 35,
    二〇二三 -> 2023, 100万 -> 1000000, 1億2000万 -> 120000000, 2천만 -> 20000000."""
    total = section = Decimal(0)
    current: Decimal | None = None
    for token in re.findall(r"\d+(?:\.\d+)?|\S", written.replace(",", "")):
        if token[0].isdigit():
            current = Decimal(token)
        elif token in _KANJI_DIGITS:
            current = Decimal(_KANJI_DIGITS[token]) + (current * 10 if current is not None else 0)
        elif token in _SMALL_UNITS:
            section += (current if current is not None else 1) * _SMALL_UNITS[token]
            current = None
        elif token in _LARGE_UNITS:
            section += current or 0
            total += (section or 1) * _LARGE_UNITS[token]
            section, current = Decimal(0), None
        else:
            return None
    return total + section + (current or 0)


def _read_cjk_amounts(scan: _Scan) -> None:
    """100万, 1億2000万, 1억 5천만: amounts with CJK multipliers."""
    for match in _CJK_AMOUNT.finditer(scan.text):
        if _MASK not in match.group(0):
            for start, end in _amounts(match):
                value = _cjk_value(scan.text[start:end])
                if value is not None:
                    scan.state(_text_of(value), start, end)


def _amounts(match: re.Match[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of each amount in a match of _CJK_AMOUNT: parts written with a space between them are
    one amount where each begins with a smaller multiplier than the one before ends with (1억 5천만,
    1천 5백만, 2만 5000; 5만 3만 are two)."""
    start = end = match.start()
    least: Decimal | int = 0  # the multiplier the amount so far ends with
    for part in _AMOUNT_PARTS.finditer(match.group(0)):
        written = part.group(0)
        units = [_multiplier(char) for char in written if char in _AMOUNT_UNITS]
        if least and (units[0] if units else _cjk_value(written) or least) >= least:
            yield start, end
            start = match.start() + part.start()
        end = match.start() + part.end()
        least = _multiplier(written[-1]) or 1
    yield start, end


def _multiplier(char: str) -> int:
    return _LARGE_UNITS.get(char) or _SMALL_UNITS.get(char) or 0


def _kanji_in_context(match: re.Match[str]) -> str | None:
    """第三条 -> '3', 二〇二三年 -> '2023'; kanji numerals elsewhere (一層, 第三者) state no number."""
    value = _cjk_value(match.group(1) or match.group(2))
    return None if value is None else _text_of(value)


_SCALE_WORDS = {
    **dict.fromkeys(("thousand", "mille", "tausend", "mil", "тыс", "тысяча", "тысячи", "тысяч"), 10**3),
    **dict.fromkeys(("million", "millions", "millionen", "millón", "millones", "млн"), 10**6),
    **dict.fromkeys(("миллион", "миллиона", "миллионов"), 10**6),
    **dict.fromkeys(("billion", "milliard", "milliards", "milliarde", "milliarden", "млрд"), 10**9),
    **dict.fromkeys(("миллиард", "миллиарда", "миллиардов"), 10**9),
    **dict.fromkeys(("ألف", "الف", "آلاف"), 10**3),
    **dict.fromkeys(("مليون", "ملايين"), 10**6),
    **dict.fromkeys(("مليار", "مليارات"), 10**9),
    "trillion": 10**12,
}
_SCALED = re.compile(r"(\d+(?:[.,]\d+)?)\s?([^\W\d_]+)")


def _read_scaled(scan: _Scan, lang: str) -> None:
    """1.5 million, 2 milliards, 3 млн: the number multiplied out."""
    for match in _SCALED.finditer(scan.text):
        scale = _SCALE_WORDS.get(match.group(2).lower())
        numbers = _numbers(match.group(1), lang)
        if scale is not None and _MASK not in match.group(0) and len(numbers) == 1:
            scan.state(_text_of(Decimal(numbers[0][0]) * scale), match.start(), match.end())


@cache
def _month_names(lang: str) -> tuple[tuple[str, int, bool], ...]:
    """(name, month, whether a full name) in `lang` from CLDR, longest first; names written with digits
    (8月, 8월) are left to the digits."""
    from babel.dates import get_month_names

    locale = lang.replace("-", "_")
    names: dict[str, tuple[int, bool]] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for month, written in get_month_names(width, context, locale).items():
                name = str(written).rstrip(".")
                if len(name) >= 3 and not any(char.isdigit() for char in name):
                    names[name] = (int(month), width == "wide" or names.get(name, (0, False))[1])
    return tuple(sorted(((name, *names[name]) for name in names), key=lambda item: -len(item[0])))


_DAY_BEFORE = re.compile(r"\d\s?(?:st|nd|rd|th|er|e|\.)?\s+(?:day\s+of\s+|of\s+|de\s+|d’)?$", re.IGNORECASE)
_DIGIT_AFTER = re.compile(r"\.?\s*,?\s*\d")


def _read_months(scan: _Scan, lang: str) -> None:
    """A month's name next to a day or a year (August 21, 2023; 21 août 2023; the 28th day of October)
    states its number; a full name elsewhere only answers ('May' may be a verb)."""
    words, pattern, months = _month_pattern(lang)
    found = [match for match in _LETTERS.finditer(scan.text) if match.group(0) in words]
    found += list(pattern.finditer(scan.text)) if pattern else []
    for match in found:
        if _MASK in match.group(0):
            continue
        month, full = months[match.group(0)]
        before = scan.text[max(0, match.start() - 20) : match.start()]
        if _DIGIT_AFTER.match(scan.text, match.end()) or _DAY_BEFORE.search(before):
            scan.state(str(month), match.start(), match.end())
        elif full:
            scan.reading.answers.add(str(month))


_LETTERS = re.compile(r"[^\W\d_]+")


@cache
def _month_pattern(
    lang: str,
) -> tuple[frozenset[str], re.Pattern[str] | None, dict[str, tuple[int, bool]]]:
    """The month names of `lang` (capitalised too) that are whole words of letters, a pattern for the
    others (Thai names, found anywhere; names with other characters, as whole words), and what each name
    says: its month and whether it is a full name."""
    months: dict[str, tuple[int, bool]] = {}
    for name, month, full in _month_names(lang):
        for word in (name, name[0].upper() + name[1:]) if name.islower() else (name,):
            months.setdefault(word, (month, full))
    words = frozenset(word for word in months if _LETTERS.fullmatch(word) and not _unspaced(word))
    alternatives = [
        re.escape(word) if _unspaced(word) else rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])"
        for word in sorted(set(months) - words, key=lambda item: (-len(item), item))
    ]
    return words, re.compile("|".join(alternatives)) if alternatives else None, months


def _unspaced(word: str) -> bool:
    """Whether `word` is in a script written without spaces between words (Thai)."""
    return any("\u0e00" <= char <= "\u0e7f" for char in word)


_ROMAN_AFTER_WORD = re.compile(
    # Chapter IV, Titre II (I, V and X only: Part C, Annex D are lettered)
    r"(?i:\b(?:chapter|part|section|title|annex|appendix|schedule|article|chapitre|titre|partie|annexe"
    r"|kapitel|teil|abschnitt|anhang|capítulo|título|parte|anexo|раздел|глава|часть))\s+([IVX]+)\b"
)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


_CENTURY = re.compile(
    # XXe siècle, XXIᵉ siècle, XIXème siècle, les XIXe et XXe siècles
    r"\b([IVX]+)(?:ᵉʳ|ᵉ|ème|eme|er|e)"
    r"(?=(?:\s*(?:,|et|ou|au|[-–])\s*[IVX]+(?:ᵉʳ|ᵉ|ème|eme|er|e))*\s+(?:siècles?|millénaires?)\b)"
)


_ROMAN_ITEM = re.compile(r"\(([ivx]{1,5}|[\u2170-\u217b])\)")
"""(i), (iii), (xx), (ⅲ): items numbered in lower-case Roman numerals."""


def _roman_number(match: re.Match[str]) -> str | None:
    """Chapter IV -> '4', XXIe siècle -> '21'."""
    return _roman_value(match.group(1))


def _roman_value(letters: str) -> str | None:
    """'XIV' -> '14'; None for letters that are no Roman numeral as written ('IIII', 'VX')."""
    values = [_ROMAN_VALUES[letter] for letter in letters]
    total = sum(
        -value if value < following else value
        for value, following in zip(values, [*values[1:], 0], strict=True)
    )
    return str(total) if total > 0 and roman(total) == letters else None


def _roman_item(match: re.Match[str]) -> str | None:
    """(iii) -> '3', up to (xx); (ⅲ) -> '3'."""
    letters = match.group(1)
    if "\u2170" <= letters <= "\u217b":
        return str(ord(letters) - 0x216F)
    value = _roman_value(letters.upper())
    return value if value is not None and int(value) <= 20 else None


def _without_addresses(value: str) -> str:
    """`value` with its web and e-mail addresses masked: their digits are no numbers."""
    for pattern in (_URL, _EMAIL):
        value = pattern.sub(lambda match: _MASK * len(match.group(0)), value)
    return value


# --- Numbers in words, and relative references: they only answer ----------------------------------------


def _each(words: str, value: int) -> dict[str, int]:
    """Each of the space-separated `words` for `value`."""
    return dict.fromkeys(words.split(), value)


def _numbered(words: str, first: int = 0, step: int = 1) -> dict[str, int]:
    """{'zero': 0, 'one': 1, ...} from space-separated words."""
    return {word: first + index * step for index, word in enumerate(words.split())}


_ENGLISH_UNITS = _numbered(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
) | _numbered("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10)
_ENGLISH_ORDINALS = _numbered(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth",
    1,
) | _numbered("twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth", 20, 10)
_ENGLISH_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_ENGLISH_OTHERS = {
    **dict.fromkeys(("once", "single"), 1),
    **dict.fromkeys(("twice", "double", "doubled", "doubling", "duplicate", "both", "twofold"), 2),
    **dict.fromkeys(("thrice", "triple", "tripled", "tripling", "triplicate", "threefold"), 3),
    **dict.fromkeys(("quadruple", "quadrupled", "quadruplicate", "fourfold"), 4),
    "tenfold": 10,
    "dozen": 12,
    "hundredth": 100,
}
_WORDS: dict[str, dict[str, int]] = {
    "en": _ENGLISH_OTHERS,
    "fr": _numbered(
        "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize"
    )
    | _numbered("vingt trente quarante cinquante soixante", 20, 10)
    | _numbered(
        "premier deuxième troisième quatrième cinquième sixième septième huitième neuvième dixième", 1
    )
    | {"une": 1, "première": 1, "second": 2, "seconde": 2, "cent": 100, "mille": 1000}
    | _each("double doubler doublé doublée", 2)
    | _each("triple tripler triplé triplée", 3)
    | {"vingtième": 20, "trentième": 30},
    "de": _numbered("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf")
    | _numbered("zwanzig dreißig vierzig fünfzig", 20, 10)
    | dict.fromkeys(("ein", "eine", "einen", "einem", "einer", "einmal"), 1)
    | dict.fromkeys(("zweimal", "doppelt", "zweifach", "zweifacher"), 2)
    | {"dreifach": 3, "hundert": 100, "tausend": 1000}
    | {
        f"{stem}{ending}": value
        for stem, value in _numbered("erst zweit dritt viert fünft sechst siebt acht neunt zehnt", 1).items()
        for ending in ("e", "en", "er", "es", "em")
    },
    "es": _numbered("cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce")
    | _numbered("veinte treinta cuarenta cincuenta", 20, 10)
    | dict.fromkeys(("una", "primero", "primera", "primer"), 1)
    | dict.fromkeys(("segundo", "segunda", "duplicado"), 2)
    | {"tercero": 3, "tercera": 3, "cien": 100, "mil": 1000},
    "ru": _each("один одна одно одного одной одному одним одном первый первая первое первого", 1)
    | _each("два две двух двум двумя дважды второй вторая второе второго обе оба обоих", 2)
    | _each("три трёх трех трём трем тремя третий третья третьего", 3)
    | _each("четыре четырёх четырех четвёртый четвертый", 4)
    | _each("пять пяти пятью пятый", 5)
    | _each("шесть шести шестой", 6)
    | _each("десять десяти десятый", 10)
    | _each("двадцать двадцати", 20)
    | _each("тридцать тридцати", 30)
    | {"сто": 100, "тысяча": 1000},
    "ar": _each("واحد واحدة أول أولى مرة", 1)
    | _each("اثنان اثنين اثنتان اثنتين ثاني ثانية مرتين نسختين كلا كلتا", 2)
    | _each("ثلاث ثلاثة ثالث ثالثة", 3)
    | _each("أربع أربعة رابع", 4)
    | _each("خمس خمسة خامس", 5)
    | _each("ست ستة سادس", 6)
    | _each("عشر عشرة عاشر", 10)
    | _each("عشرون عشرين", 20)
    | _each("ثلاثون ثلاثين", 30)
    | {"مائة": 100, "مئة": 100, "ألف": 1000},
    "ko": _each("한 하나 첫 첫째 한번", 1)
    | _each("두 둘 둘째 양 두번", 2)
    | _each("세 셋 셋째", 3)
    | _each("네 넷 넷째", 4)
    | _numbered("다섯 여섯 일곱 여덟 아홉 열", 5)
    | {"스무": 20, "스물": 20, "서른": 30},
}
_ARABIC_PREFIX = re.compile(r"^(?:وال|بال|لل|ال|و|ب|ل|ف)")
_THAI_WORDS = _numbered("หนึ่ง สอง สาม สี่ ห้า หก เจ็ด แปด เก้า สิบ", 1) | {"ยี่สิบ": 20}
"""Thai is written without spaces: these are looked for inside words (not ร้อย, พัน: in เรียบร้อย, สัมพันธ์)."""
_PHRASES = {
    # idioms that give a number without a digit: 24時間 is 'at any hour', 2年に1回 'every other year'
    "en": {
        "any hour": 24,
        "round the clock": 24,
        "around the clock": 24,
        "every other year": 2,
        "biennial": 2,
    },
    "fr": {"toute heure": 24, "jour et nuit": 24, "tous les deux ans": 2},
}
_CHINESE_WORDS = dict.fromkeys(("両", "两", "兩", "双", "雙"), 2) | dict.fromkeys(
    ("首届", "首屆", "首次", "首个", "首個"), 1
)
_TIME_WORDS = {
    # times of day named by a word answer for the time: 'noon' for 12時, 'midnight' for 午前0時
    "en": {"noon": ("12:00",), "midday": ("12:00",), "midnight": ("0:00", "24:00")},
    "fr": {"midi": ("12:00",), "minuit": ("0:00", "24:00")},
}
_CJK_TIME_WORDS = {
    **dict.fromkeys(("正午", "정오"), ("12:00",)),
    **dict.fromkeys(("零時", "零时", "零点", "零點", "午夜", "자정"), ("0:00", "24:00")),
}
_CJK_ANSWERS = _CJK_TIME_WORDS | dict.fromkeys(("年中無休", "全年无休", "全年無休", "연중무휴"), ("7", "365"))
"""Times of day named by a word; open every day of the week, of the year."""
_CJK_NAMED = re.compile("|".join(_CJK_ANSWERS))
_DENOMINATORS = {
    "en": _each("half halves", 2)
    | _each("third thirds", 3)
    | _each("quarter quarters fourth fourths", 4)
    | {word: value for word, value in _ENGLISH_ORDINALS.items() if value > 4}
    | {f"{word}s": value for word, value in _ENGLISH_ORDINALS.items() if value > 4},
    "fr": _each("moitié demi demie", 2) | _each("tiers", 3) | _each("quart quarts", 4),
}
"""The words that name fractions: 'two thirds', 'a quarter', 'trois quarts', 'la moitié'."""
_COUNTS = {"en": _ENGLISH_UNITS | {"a": 1, "an": 1}, "fr": _WORDS["fr"]}
"""The words that count the parts of a fraction: 'two' thirds, 'trois' quarts."""
_AND = {"en": "and", "fr": "et"}
_WORD = re.compile(r"[^\W\d_]+(?:[-’][^\W\d_]+)*")
_KANJI_RUN = re.compile(rf"[{_KANJI_NUMERAL}万萬億亿两兩]+")


def _words(text: str, lang: str) -> set[str]:
    """The numbers `text` may be read as giving in words: 'twenty-five', 'first', 'twice', 'in
    duplicate', 'deux', 'двух', 'สอง', and kanji numerals anywhere (一層, 五年); fractions ('two thirds')
    and times of day ('noon', 正午) in words."""
    found: set[int | Decimal] = set()
    language = primary(lang)
    tokens = [token.lower() for token in _WORD.findall(text)]
    words = " ".join(tokens).replace("-", " ").split() if language in _DENOMINATORS else []
    if language == "en":
        found |= _english_numbers(words)
    table = _WORDS.get(language, {})
    for token in tokens:
        if token in table:
            found.add(table[token])
        elif language == "ar" and _ARABIC_PREFIX.sub("", token) in table:
            found.add(table[_ARABIC_PREFIX.sub("", token)])
    if language == "th":
        found |= {value for word, value in _THAI_WORDS.items() if word in text}
    found |= {value for word, value in _CHINESE_WORDS.items() if word in text}
    lowered = " ".join(text.lower().replace("-", " ").split())
    found |= {value for phrase, value in _PHRASES.get(language, {}).items() if phrase in lowered}
    for run in _KANJI_RUN.findall(text):
        value = _cjk_value(run)
        if value is not None:
            found.add(value)
    answers = {_text_of(Decimal(value)) for value in found}
    if words:
        present = set(words)
        answers |= {
            time for word in present & _TIME_WORDS[language].keys() for time in _TIME_WORDS[language][word]
        }
        if not present.isdisjoint(_DENOMINATORS[language]):
            answers |= _fractions(words, language)
    if not text.isascii():
        answers |= {answer for word in _CJK_NAMED.findall(text) for answer in _CJK_ANSWERS[word]}
    return answers


def _fractions(words: list[str], language: str) -> set[str]:
    """Fractions in words, as 'N/D' and, where it ends, as a decimal: 'two thirds' -> '2/3', 'a quarter'
    -> '1/4' and '0.25'; after a whole number and 'and' ('et'), the sum: 'one and a half' and 'une fois
    et demie' -> '1.5'."""
    found: set[str] = set()
    counts = _COUNTS[language]
    for index, word in enumerate(words):
        denominator = _DENOMINATORS[language].get(word)
        if denominator is None:
            continue
        numerator = counts.get(words[index - 1], 0) if index else 0
        first = index - 1 if numerator else index  # the fraction's first word
        numerator = numerator or 1
        found.add(f"{numerator}/{denominator}")
        value = Decimal(numerator) / denominator
        if value * denominator != numerator:
            continue  # no decimal ends: 1/3
        found.add(_text_of(value))
        if first >= 2 and words[first - 1] == _AND[language]:
            whole = counts.get(words[first - 2]) or (counts.get(words[first - 3]) if first > 2 else None)
            if whole:
                found.add(_text_of(whole + value))
    return found


def _english_numbers(words: list[str]) -> set[int | Decimal]:
    """Numbers in English words, each word alone and together: 'two thousand and six' -> 2, 6, 2006;
    'twenty-first' -> 20, 21."""
    found: set[int | Decimal] = set()
    total = current = 0
    counting = False
    for word in words:
        if word in _ENGLISH_UNITS:
            current += _ENGLISH_UNITS[word]
            counting = True
            found.add(_ENGLISH_UNITS[word])
        elif word in _ENGLISH_ORDINALS:
            found |= {_ENGLISH_ORDINALS[word], total + current + _ENGLISH_ORDINALS[word]}
            total = current = 0
            counting = False
        elif word in _ENGLISH_SCALES and counting:
            if word == "hundred":
                current *= 100
            else:
                total, current = total + current * _ENGLISH_SCALES[word], 0
        elif word != "and" or not counting:
            if counting:
                found.add(total + current)
            total = current = 0
            counting = False
    if counting:
        found.add(total + current)
    return found


_REFERENCES = (
    # (pattern, the count it refers to, offset): 前項 in paragraph 2 is paragraph 1
    (
        re.compile(r"前項|前款|上款|전항|preceding paragraph|previous paragraph|paragraphe précédent"),
        "clause",
        -1,
    ),
    (re.compile(r"次項|다음 항|following paragraph|paragraphe suivant"), "clause", 1),
    (
        re.compile(r"前条|前條|上一条|전조|preceding article|previous article|article précédent"),
        "article",
        -1,
    ),
    (re.compile(r"次条|次條|다음 조|following article|article suivant"), "article", 1),
    (re.compile(r"本条|本條|同条|同條|이 조|this article|présent article"), "article", 0),
    (re.compile(r"前号|前號|preceding (?:item|subparagraph)"), "item", -1),
)
_ALL_BEFORE = re.compile(r"前各(号|號|項)|preceding (items|subparagraphs|paragraphs)")


def _read_references(value: str, unit: _Unit, reading: _Reading) -> None:
    """Relative references answer for the number they point at: 前項 in paragraph 2 for 1, 前各号 in
    item 4 for 1, 2 and 3."""
    lowered = value.lower()
    for pattern, count, offset in _REFERENCES:
        number = getattr(unit, count) + offset
        if number > 0 and pattern.search(lowered):
            reading.answers.add(str(number))
    for match in _ALL_BEFORE.finditer(lowered):
        paragraphs = match.group(1) == "項" or match.group(2) == "paragraphs"
        reading.answers |= {str(number) for number in range(1, unit.clause if paragraphs else unit.item)}


# --- The date of closing lines -----------------------------------------------------------------------


def _date_findings(unit: _Unit, date: datetime.date) -> Iterator[Finding]:
    """A closing line that states a date (or a year, or a day and month) other than the document's."""
    for lang, texts in unit.versions:
        for text in texts:
            stated = _stated_date(text.value, lang)
            if stated is None:
                continue
            parts, start, end = stated
            wanted = (date.year, date.month, date.day)
            if all(part in (None, want) for part, want in zip(parts, wanted, strict=True)):
                continue
            value = "-".join(
                f"{part:0{width}d}" for part, width in zip(parts, (4, 2, 2), strict=True) if part is not None
            )
            surface = text.value[start:end]
            shown = value if surface == value else f"{surface} ({value})"
            message = f"the {lang} closing line states {shown}, but the document is dated {date.isoformat()}"
            yield _finding("number", unit, _located(text, start, surface), value, message)


_Part = tuple[int, int, int]
"""(number, start, end) of a part of a date."""
_DAY_BEFORE_MONTH = re.compile(
    r"(?:st|nd|rd|th|er|e|ᵉʳ|\.)?\s*(?:day\s+of\s+|of\s+|de\s+|d’)?", re.IGNORECASE
)
_DAY_AFTER_MONTH = re.compile(r"\.?\s*")


def _stated_date(value: str, lang: str) -> tuple[tuple[int | None, ...], int, int] | None:
    """(year, month, day) of the date a text states, each None where it states none, and where the date
    is written (start, end): 'May 19, 2025', '令和8年5月18日', '18 พฤษภาคม 2569', 'the fourth day of
    June, two thousand eighteen'; None where it states neither a year nor a month."""
    reading = _Reading()
    _read(value, 0, lang, reading)
    text = _folded(value)
    names = _month_pattern(lang)[2]
    years: list[_Part] = []
    months: list[_Part] = []
    days: list[_Part] = []
    others: list[_Part] = []
    for mention in sorted(reading.mentions, key=lambda mention: mention.start):
        if not mention.value.isdigit():
            continue
        end = mention.start + len(mention.surface)
        after = text[end : end + 1]
        part = (int(mention.value), mention.start, end + (after != "" and after in "年년月월日일"))
        if after in ("年", "년") or (1000 <= part[0] < 3000 and after not in ("月", "월", "日", "일")):
            years.append(part)
        elif after in ("月", "월") or (mention.surface in names and part[0] <= 12):
            months.append(part)
        elif part[0] <= 31:
            (days if after in ("日", "일") else others).append(part)
    for _, start, end in months[:1]:
        days += [
            other
            for other in others
            if (other[2] <= start and _DAY_BEFORE_MONTH.fullmatch(text, other[2], start))
            or (other[1] >= end and _DAY_AFTER_MONTH.fullmatch(text, end, other[1]))
        ]
    if primary(lang) == "en" and not (years and months and days):
        years, months, days = _english_date(text, years, months, days)
    if months and years:
        years.sort(key=lambda year: abs(year[1] - months[0][1]))
    parts = [found[0] for found in (years, months, days) if found]
    if not (years or months):
        return None
    return (
        tuple(found[0][0] if found else None for found in (years, months, days)),
        min(part[1] for part in parts),
        max(part[2] for part in parts),
    )


def _english_date(
    text: str, years: list[_Part], months: list[_Part], days: list[_Part]
) -> tuple[list[_Part], list[_Part], list[_Part]]:
    """The parts of a date found in digits, with those given in English words: 'the eighteenth day of
    October in the year two thousand and twenty-four'."""
    for match in _english_date_pattern().finditer(text):
        year = _english_value(match.group("year") or "")
        day = _english_value(match.group("day") or "")
        if not (1000 <= year < 3000 or 1 <= day <= 31):
            continue
        month = _month_pattern("en")[2][match.group("month").capitalize()][0]
        if 1000 <= year < 3000 and not years:
            years = [(year, match.start("year"), match.end("year"))]
        if not months:
            months = [(month, match.start("month"), match.end("month"))]
        if 1 <= day <= 31 and not days:
            days = [(day, match.start("day"), match.end("day"))]
        break
    return years, months, days


@cache
def _english_date_pattern() -> re.Pattern[str]:
    words = sorted({*_ENGLISH_UNITS, *_ENGLISH_ORDINALS, *_ENGLISH_SCALES}, key=lambda word: -len(word))
    number = f"(?:{'|'.join(words)})"
    months = "|".join(name for name, _, full in _month_names("en") if full)
    return re.compile(
        rf"(?:\b(?P<day>{number}(?:[- ]{number})?)\s+day\s+of\s+)?\b(?P<month>{months})\b"
        rf"(?:,?\s+(?:in\s+the\s+year\s+(?:of\s+our\s+lord\s+)?)?"
        rf"(?P<year>{number}(?:(?:[- ]|\s+and\s+){number})*)\b)?",
        re.IGNORECASE,
    )


def _english_value(words: str) -> int:
    """'two thousand and twenty-four' -> 2024, 'twenty-eighth' -> 28; 0 for none."""
    total = current = 0
    for word in words.lower().replace("-", " ").split():
        if word == "hundred":
            current *= 100
        elif word in _ENGLISH_SCALES:
            total, current = total + current * _ENGLISH_SCALES[word], 0
        else:
            current += _ENGLISH_UNITS.get(word) or _ENGLISH_ORDINALS.get(word, 0)
    return total + current


# --- Addresses ----------------------------------------------------------------------------------------


_URL = re.compile(r"(?:https?://|www\.)[!-~]+?(?=[.,;:!?)\]}'\"]*(?:[^!-~]|$))")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def _address_findings(unit: _Unit) -> Iterator[Finding]:
    """Web and e-mail addresses in one version and not in another (trailing punctuation aside)."""
    for kind, pattern, what in (("url", _URL, "address"), ("email", _EMAIL, "e-mail address")):
        first: dict[str, tuple[Text, int]] = {}
        having: dict[str, set[str]] = {lang: set() for lang, _ in unit.versions}
        for lang, texts in unit.versions:
            for text in texts:
                searched = text.value if kind == "url" else _URL.sub(_masked, text.value)
                for match in pattern.finditer(searched):
                    having[lang].add(match.group(0))
                    first.setdefault(match.group(0), (text, match.start()))
        for address, (text, start) in first.items():
            holders = [lang for lang, found in having.items() if address in found]
            lacking = [lang for lang, found in having.items() if address not in found]
            if lacking:
                message = f"the {what} {address} is in {_listed(holders)} but not in {_listed(lacking)}"
                yield _finding(kind, unit, _located(text, start, address), address, message)


def _masked(match: re.Match[str]) -> str:
    return _MASK * len(match.group(0))


# --- Names --------------------------------------------------------------------------------------------


def _people(communique: Communique) -> tuple[LocalizedText, ...]:
    """The names of everyone who signs, witnesses or is represented, once each."""
    people = [signer for party in communique.parties for signer in party.signatories]
    people += [person for instrument in communique.instruments for person in instrument.witnesses]
    names = [person.name for person in people]
    names += [person.on_behalf_of.name for person in people if person.on_behalf_of]
    unique: dict[tuple[tuple[str, str], ...], LocalizedText] = {}
    for name in names:
        unique.setdefault(tuple((lang, text.value) for lang, text in name.entries), name)
    return tuple(unique.values())


def _name_findings(unit: _Unit, people: tuple[LocalizedText, ...]) -> Iterator[Finding]:
    """A person one version of the block names and another does not."""
    for person in people:
        named: dict[str, tuple[Text, int, str]] = {}
        for lang, texts in unit.versions:
            name = person.get(lang)
            found = (
                (text, match)
                for text in texts
                if name and (match := _name_pattern(name.value).search(text.value))
            )
            for text, match in found:
                named[lang] = (text, match.start(), match.group(0))
                break
        if not named:
            continue
        first = next(lang for lang, _ in unit.versions if lang in named)
        text, start, written = named[first]
        for lang, _ in unit.versions:
            name = person.get(lang)
            if lang not in named and name is not None:
                value = " ".join(name.value.split())
                message = f"{value} is not in {lang}, though {first} names {' '.join(written.split())}"
                yield _finding("name", unit, _located(text, start, written), value, message)


@cache
def _name_pattern(name: str) -> re.Pattern[str]:
    """How `name` is found in a text however spaces (U+3000 too) and line breaks fall: a name in Chinese
    characters or kana with or without spaces between any of them; a Cyrillic name in any case ending
    (Лебедева); Hangul, Arabic or Thai names with whatever attaches to them (윤재혁은, وسعيد); Latin-script
    names as whole words, given and family name in either order."""
    letters = "".join(name.split())
    if all(_script(char) in ("Han", "Kana") for char in letters if char.isalpha()):
        return re.compile(r"\s*".join(map(re.escape, letters)))
    words = name.split()
    if any(_script(char) == "Cyrillic" for char in letters):
        stems = [re.escape(word[:-2] if len(word) > 4 else word) + r"\w*" for word in words]
        return re.compile(r"\s+".join(stems), re.IGNORECASE)
    if not all(_script(char) == "Latin" for char in letters if char.isalpha()):
        return re.compile(r"\s+".join(map(re.escape, words)))  # Hangul, Arabic, Thai: particles attach
    orders = [words, words[::-1]] if len(words) == 2 else [words]
    either = "|".join(r"\s+".join(map(re.escape, order)) for order in orders)
    return re.compile(rf"(?<![^\W\d_])(?:{either})(?![^\W\d_])")


# --- Script -------------------------------------------------------------------------------------------


_SCRIPT_RANGES = sorted(
    [
        *(
            (start, end, "Latin")
            for start, end in ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x2AF), (0x1E00, 0x1EFF))
        ),
        *((start, end, "Latin") for start, end in ((0x2C60, 0x2C7F), (0xA720, 0xA7FF), (0xFF21, 0xFF3A))),
        (0xFF41, 0xFF5A, "Latin"),
        (0x0370, 0x03FF, "Greek"),
        (0x1F00, 0x1FFF, "Greek"),
        *((start, end, "Cyrillic") for start, end in ((0x400, 0x52F), (0x1C80, 0x1C8F), (0x2DE0, 0x2DFF))),
        (0xA640, 0xA69F, "Cyrillic"),
        (0x0590, 0x05FF, "Hebrew"),
        (0xFB1D, 0xFB4F, "Hebrew"),
        *((start, end, "Arabic") for start, end in ((0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF))),
        *((start, end, "Arabic") for start, end in ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
        (0x0E00, 0x0E7F, "Thai"),
        *((start, end, "Hangul") for start, end in ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F))),
        (0xAC00, 0xD7FF, "Hangul"),
        *((start, end, "Kana") for start, end in ((0x3041, 0x309F), (0x30A0, 0x30FF), (0x31F0, 0x31FF))),
        (0xFF66, 0xFF9F, "Kana"),
        *((start, end, "Han") for start, end in ((0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029))),
        *((start, end, "Han") for start, end in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))),
        (0x20000, 0x3FFFF, "Han"),
    ]
)
_RANGE_STARTS = [start for start, _, _ in _SCRIPT_RANGES]
_OWN_SCRIPTS = {
    "Latn": ("Latin",),
    "Jpan": ("Han", "Kana"),
    "Hans": ("Han",),
    "Hant": ("Han",),
    "Hani": ("Han",),
    "Kore": ("Hangul", "Han"),
    "Arab": ("Arabic",),
    "Thai": ("Thai",),
    "Cyrl": ("Cyrillic",),
    "Hebr": ("Hebrew",),
    "Grek": ("Greek",),
}
_FOREIGN_TO_LATIN = ("Han", "Kana", "Hangul", "Arabic", "Thai", "Cyrillic", "Hebrew")
_SCRIPT_WORDS = {
    "Han": "Chinese characters",
    "Kana": "kana",
    "Hangul": "Hangul",
    "Arabic": "Arabic letters",
    "Thai": "Thai letters",
    "Cyrillic": "Cyrillic letters",
    "Hebrew": "Hebrew letters",
    "Greek": "Greek letters",
    "Latin": "Latin letters",
}


def _script(char: str) -> str | None:
    """The script of `char` by its code point ('Latin', 'Han', 'Kana', ...); None for others."""
    code = ord(char)
    index = bisect.bisect_right(_RANGE_STARTS, code) - 1
    if index < 0:
        return None
    start, end, name = _SCRIPT_RANGES[index]
    return name if start <= code <= end else None


@cache
def _own_scripts(lang: str) -> tuple[str, ...]:
    """The scripts `lang` is written in, from its tag or CLDR's likely script; () where not known here."""
    from babel import Locale
    from babel.core import get_global

    locale = Locale.parse(lang, sep="-")
    script = locale.script
    if script is None:
        likely = str(get_global("likely_subtags").get(locale.language, ""))
        script = likely.split("_")[1] if likely.count("_") == 2 else None
    return _OWN_SCRIPTS.get(script or "", ())


def _script_findings(unit: _Unit) -> Iterator[Finding]:
    """Letters of Japanese, Chinese, Korean, Arabic, Thai or Cyrillic script in a Latin-script version;
    a version in another script without a letter of its own."""
    for lang, texts in unit.versions:
        own = _own_scripts(lang)
        for text in texts if own else ():
            if own == ("Latin",):
                foreign = _foreign_run(text.value)
                if foreign:
                    start, run, scripts = foreign
                    value = _shortened(run, 40)
                    words = " and ".join(_SCRIPT_WORDS[script] for script in scripts)
                    message = f"the {lang} text has {words}: {value}"
                    yield _finding("script", unit, _located(text, start, run), value, message)
                    break
                continue
            letters = [char for char in text.value if unicodedata.category(char).startswith("L")]
            if len(letters) >= MIN_LETTERS and not any(_script(char) in own for char in letters):
                value = _shortened(text.value, 40)
                words = " or ".join(_SCRIPT_WORDS[script] for script in own)
                yield _finding(
                    "script", unit, text.location, value, f"the {lang} text has no {words}: {value}"
                )
                break


_NOT_LATIN = re.compile(r"[^\x00-\u024f]+")


def _foreign_run(value: str) -> tuple[int, str, tuple[str, ...]] | None:
    """(start, text, scripts) of the first run of letters foreign to Latin-script text, with what stands
    between them (spaces aside); None if there is none."""
    for match in _NOT_LATIN.finditer(value):
        run = match.group(0)
        scripts = [_script(char) for char in run]
        places = [index for index, script in enumerate(scripts) if script in _FOREIGN_TO_LATIN]
        if places:
            named = tuple(dict.fromkeys(str(scripts[index]) for index in places))
            return match.start() + places[0], run[places[0] : places[-1] + 1], named
    return None


# --- Untranslated and misaligned blocks ---------------------------------------------------------------


def _untranslated_findings(unit: _Unit) -> Iterator[Finding]:
    """Versions whose text is the same (spaces aside) and long enough to be a sentence."""
    groups: dict[str, list[str]] = {}
    for lang, texts in unit.versions:
        groups.setdefault(" ".join(" ".join(text.value for text in texts).split()), []).append(lang)
    for same, langs in groups.items():
        if len(langs) < 2:
            continue
        letters = sum(1 for char in same if unicodedata.category(char).startswith("L"))
        if letters >= MIN_LETTERS:
            value = _shortened(same, 40)
            message = f"the {_listed(langs)} texts are the same: is one of them untranslated?"
            yield _finding("untranslated", unit, unit.texts(langs[0])[0].location, value, message)


def _alignment_findings(unit: _Unit) -> Iterator[Finding]:
    """An alignment group that several versions split into different numbers of paragraphs (one version
    may give as one paragraph what the others split)."""
    counts = {lang: len(texts) for lang, texts in unit.versions}
    split = [lang for lang, count in counts.items() if count > 1]
    if len(split) < 2 or len({counts[lang] for lang in split}) == 1:
        return
    value = ", ".join(f"{lang} {counts[lang]}" for lang in split)
    parts = [f"{counts[lang]} paragraphs in {lang}" for lang in split]
    message = f"the alignment group has {', '.join(parts[:-1])} but {parts[-1]}"
    yield _finding("alignment", unit, unit.texts(split[0])[0].location, value, message)
