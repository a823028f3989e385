"""Dates written the way each language writes them: Japanese (Gregorian or era), English, CLDR for others."""

from __future__ import annotations

import datetime

from babel.dates import format_date

# Start of each Japanese era in the Gregorian calendar, newest first. Meiji is counted from the
# adoption of the Gregorian calendar in Japan (Meiji 6, 1873-01-01).
ERAS: tuple[tuple[datetime.date, str, int], ...] = (
    (datetime.date(2019, 5, 1), "令和", 2019),
    (datetime.date(1989, 1, 8), "平成", 1989),
    (datetime.date(1926, 12, 25), "昭和", 1926),
    (datetime.date(1912, 7, 30), "大正", 1912),
    (datetime.date(1873, 1, 1), "明治", 1868),
)


def japanese_era(date: datetime.date) -> str:
    """'令和5年8月21日'; the first year of an era is written 元年 ('令和元年5月1日')."""
    for start, name, first_year in ERAS:
        if date >= start:
            year = date.year - first_year + 1
            return f"{name}{'元' if year == 1 else year}年{date.month}月{date.day}日"
    raise ValueError(f"{date.isoformat()} is before the Japanese era table (from 1873-01-01)")


def written_date(date: datetime.date, lang: str, era: bool = False) -> str:
    """The date as `lang` writes it: '2023年8月21日', 'August 21, 2023', '21. elokuuta 2023'."""
    if lang.split("-", 1)[0].lower() == "ja":
        return japanese_era(date) if era else f"{date.year}年{date.month}月{date.day}日"
    return str(format_date(date, format="long", locale=lang.replace("-", "_")))


def closing_line(date: datetime.date, place: str, lang: str, era: bool = False) -> str:
    """The default closing line of a version: the date, and for most languages where it was signed."""
    primary = lang.split("-", 1)[0].lower()
    when = written_date(date, lang, era)
    if primary in ("ja", "zh", "ko"):
        return when
    if primary == "en":
        return f"Signed in {place} on {when}"
    return f"{place}, {when}"
