"""Dates written the way each language writes them: Japanese (Gregorian or era), English, CLDR for others."""

from __future__ import annotations

import datetime

from communique.conventions import primary as language

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
    """The date as `lang` writes it: '2023年8月21日', 'August 21, 2023', '21. elokuuta 2023'; with `era`,
    Japanese in its era (令和5年8月21日) and Thai in the Buddhist era (21 สิงหาคม พ.ศ. 2566)."""
    primary = language(lang)
    if primary == "ja":
        return japanese_era(date) if era else f"{date.year}年{date.month}月{date.day}日"
    from babel.dates import format_date  # imported when used: loading and validating data need no CLDR

    written = str(format_date(date, format="long", locale=lang.replace("-", "_")))
    if primary == "th" and era:  # CLDR's Thai long date names the Christian era (ค.ศ.); Babel has no
        # Buddhist calendar, which differs from it only in the year's number and era name
        written = written.replace(f"ค.ศ. {date.year}", f"พ.ศ. {date.year + 543}")
    return written


FORMS = ("date", "date-place", "none")
"""How a closing line is made where the data does not give it word for word (`closing_form`): the date
alone, the date and the place, or no closing line."""
_NO_PLACE_BY_DEFAULT = {"ja", "zh", "ko"}
NO_PLACE_FORM = {"zh", "ko"}
"""Languages without a built-in date-and-place form: give their closing line word for word."""


def default_form(lang: str, has_place: bool) -> str:
    """The form used where `closing_form` names none: Japanese, Chinese and Korean closing lines carry
    the date alone (as their originals do), other languages the place too when there is one."""
    primary = language(lang)
    return "date-place" if has_place and primary not in _NO_PLACE_BY_DEFAULT else "date"


def closing_line(
    date: datetime.date, place: str | None, lang: str, era: bool = False, dateline: bool = False
) -> str:
    """A generated closing line: the date, with where it was signed when `place` is given.

    At the end of a version (a signing line): '平成27年10月14日　東京にて' (date alone: '平成27年10月14日'),
    'Signed in Tokyo on October 14, 2015' ('Signed on October 14, 2015'), other languages
    'Tokio, 14. lokakuuta 2015' as their official usage has it ('Fait à Lyon, le 18 mai 2024'; the date
    alone without a place). Under the title (`dateline`): '2016年3月10日，東京',
    'Tokyo, March 10, 2016', or the date alone. Chinese and Korean lines are the date alone.
    """
    primary = language(lang)
    when = written_date(date, lang, era)
    if place is None or primary in NO_PLACE_FORM:
        return f"Signed on {when}" if primary == "en" and not dateline else when
    if primary == "ja":
        return f"{when}，{place}" if dateline else f"{when}\u3000{place}にて"
    if primary == "en" and not dateline:
        return f"Signed in {place} on {when}"
    pattern = (_DATELINES if dateline else _SIGNING_LINES).get(primary, "{place}, {date}")
    return pattern.format(place=place, date=when)


# How a language writes place and date together where official usage is not the plain "place, date"
# (CLDR has date formats but no such pattern):
_SIGNING_LINES = {
    "fr": "Fait à {place}, le {date}",  # the formula of French official instruments
    "de": "{place}, den {date}",  # German official letters and agreements
    "ar": "{place}، {date}",  # the Arabic comma (U+060C), not the Latin one
    "fa": "{place}، {date}",
    "th": "{place} {date}",  # Thai separates with a space, not a comma
}
_DATELINES = {**_SIGNING_LINES, "fr": "{place}, le {date}"}
