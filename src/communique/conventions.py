"""Words and numbering that differ by language and that CLDR does not hold: article labels, the
witnesses' line, the words of a signature made for an absent official, list markers. Each table holds
the forms official documents of that language print; a language not listed gives its words in the data
(`validate` says which)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TypeVar

Value = TypeVar("Value")

ARTICLE_LABELS = {
    "ja": "第{n}条",
    "zh-Hans": "第{n}条",
    "zh-Hant": "第{n}條",
    "ko": "제{n}조",
    "en": "Article {n}",
    "fr": "Article {n}",
    "de": "Artikel {n}",
}
WITNESS_LABELS = {
    "ja": "立会人",
    "zh-Hans": "见证人",
    "zh-Hant": "見證人",
    "ko": "입회인",
    "en": "Witnesses",
    "fr": "Témoins",
    "de": "Zeugen",
}
PROXY_MARKERS = {
    # Japanese and Korean print the marker after the absent official's name (高崎市長　富岡賢治　代理);
    # the others print it on a line of its own between the official and the signatory.
    "ja": "代理",
    "zh-Hans": "代",
    "zh-Hant": "代",
    "ko": "대리",
    "en": "represented by",
    "fr": "représenté par",
    "de": "vertreten durch",
}
OUTLINE_WORDS: dict[str, tuple[str, str, str]] = {
    # The bookmarks of a version's parts (title, text, signatures), in the words each language's official
    # documents use; a language not listed gets the English ones.
    "ja": ("表題", "本文", "署名"),
    "zh-Hans": ("标题", "正文", "签署"),
    "zh-Hant": ("標題", "正文", "簽署"),
    "ko": ("제목", "본문", "서명"),
    "en": ("Title", "Text", "Signatures"),
    "fi": ("Otsikko", "Teksti", "Allekirjoitukset"),
    "sv": ("Rubrik", "Text", "Underskrifter"),
    "fr": ("Titre", "Texte", "Signatures"),
    "de": ("Titel", "Text", "Unterschriften"),
    "es": ("Título", "Texto", "Firmas"),
    "pt": ("Título", "Texto", "Assinaturas"),
    "it": ("Titolo", "Testo", "Firme"),
    "ru": ("Название", "Текст", "Подписи"),
    "ar": ("العنوان", "النص", "التوقيعات"),
    "he": ("כותרת", "טקסט", "חתימות"),
    "th": ("ชื่อเรื่อง", "เนื้อความ", "ลายมือชื่อ"),
}
OFFICE_FIRST = {"ja", "zh", "ko"}
"""Languages whose signature blocks put the office before the name (東京都知事 / 小池百合子)."""
MARKER_AFTER_NAME = {"ja", "ko"}
"""Languages that print the proxy marker after the absent official's name, on the same line."""
UNSPACED = {"ja", "zh"}
"""Scripts written without spaces between words."""
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip
_GOJUON = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
_GANADA = "가나다라마바사아자차카타파하"


def primary(lang: str) -> str:
    """The primary language subtag: 'zh-Hant-TW' -> 'zh'."""
    return lang.split("-", 1)[0].lower()


@cache
def right_to_left(lang: str) -> bool:
    """Whether `lang` is written right to left (Arabic, Hebrew), from CLDR's character order."""
    from babel import Locale  # imported when used: conventions serve loading, which needs no CLDR

    return bool(Locale.parse(lang, sep="-").character_order == "right-to-left")


def table_key(lang: str) -> str:
    """The key a convention table uses for `lang`: its primary subtag, 'zh-Hans' or 'zh-Hant' for Chinese."""
    if primary(lang) != "zh":
        return primary(lang)
    traditional = any(mark in lang.split("-")[1:] for mark in ("Hant", "TW", "HK", "MO"))
    return "zh-Hant" if traditional else "zh-Hans"


def built_in(table: Mapping[str, Value], lang: str) -> Value | None:
    """The table's entry for `lang`, if it has one."""
    return table.get(table_key(lang))


def roman(number: int) -> str:
    """'XIV' for 14."""
    parts = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        parts.append(letters * count)
    return "".join(parts)


def cjk(lang: str) -> bool:
    """Whether `lang` is written in Chinese characters or Hangul (numbering in full-width forms)."""
    return primary(lang) in OFFICE_FIRST


def heading_label(style: str, number: int, lang: str) -> str:
    """'Ⅰ' / 'I.' (roman) or '1' / '1.' (decimal); '' for 'none'."""
    if style == "roman":
        if cjk(lang) and number <= 12:
            return chr(0x215F + number)  # Ⅰ..Ⅻ, as Japanese, Chinese and Korean documents print them
        return roman(number) if cjk(lang) else f"{roman(number)}."
    if style == "decimal":
        return str(number) if cjk(lang) else f"{number}."
    return ""


def clause_label(number: int, lang: str) -> str:
    """A numbered paragraph's number: '1' in Japanese, Chinese and Korean (set before the text with a
    full-width space, as their agreements do), '1.' elsewhere."""
    return str(number) if cjk(lang) else f"{number}."


def item_marker(style: str, number: int, lang: str) -> str:
    """A list item's marker in `lang`: bullet ・/•, decimal 1．/1., parenthesized （1）/(1),
    alpha ア/가./(a), letter a."""
    east = cjk(lang)
    if style == "bullet":
        return "・" if east else "•"
    if style == "decimal":
        return f"{number}．" if east else f"{number}."
    if style == "parenthesized":
        return f"（{number}）" if east else f"({number})"
    if style == "letter":
        return f"{_letters(number)}."
    if primary(lang) == "ja" and number <= len(_GOJUON):
        return _GOJUON[number - 1]
    if primary(lang) == "ko" and number <= len(_GANADA):
        return f"{_GANADA[number - 1]}."
    return f"({_letters(number)})"


def _letters(number: int) -> str:
    """'a' for 1, 'z' for 26, 'aa' for 27."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
