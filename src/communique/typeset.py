"""Per-language text preparation: whitespace, quotes, dates, Japanese composition rules, phrases.

Nothing is added to or taken from the text (README: Typography): see `whitespace` for what a line break
and a space become."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from functools import cache

import budoux
from babel import Locale

from communique import jlreq
from communique.conventions import (
    ARTICLE_LABELS,
    MARKER_AFTER_NAME,
    OFFICE_FIRST,
    OUTLINE_WORDS,
    PROXY_MARKERS,
    UNSPACED,
    WITNESS_LABELS,
    built_in,
    cjk,
    clause_label,
    heading_label,
    item_marker,
    primary,
    right_to_left,
    table_key,
)
from communique.dates import closing_line, written_date
from communique.model import (
    Block,
    Communique,
    Instrument,
    LocalizedText,
    OutlineLabels,
    Party,
    RichText,
    Run,
    Signatory,
    SignatureBlock,
    Text,
    TypesetBlock,
    TypesetDocument,
    TypesetInstrument,
    Version,
)
from communique.whitespace import joined, keep_spaces, kept_lines


def typeset(communique: Communique) -> TypesetDocument:
    """Prepare every language version of every instrument of `communique` for a layout."""
    return TypesetDocument(
        communique,
        tuple(_instrument(communique, item, number) for number, item in enumerate(communique.instruments, 1)),
    )


@cache
def phrase_parser(lang: str) -> budoux.Parser | None:
    """BudouX's phrase parser for Japanese and Chinese (simplified or traditional); None for others."""
    if table_key(lang) == "zh-Hant":
        return budoux.load_default_traditional_chinese_parser()
    loaders = {"ja": budoux.load_default_japanese_parser, "zh": budoux.load_default_simplified_chinese_parser}
    loader = loaders.get(primary(lang))
    return loader() if loader else None


def rich_text(
    text: str,
    lang: str,
    phrased: bool = False,
    composed: bool = True,
    names: tuple[str, ...] = (),
    unbroken: tuple[str, ...] = (),
    name: bool = False,
    places: tuple[str, ...] = (),
) -> RichText:
    """`text` prepared for `lang`, every character kept; with `phrased`, split into phrases (BudouX) that
    a line never breaks; with `composed` (the default), with typographic quotes and Japanese composition
    (signatory lines are set as written); with `names`, those never broken, nor any of the words
    `unbroken` (代理, represented by); a person's `name` breaks only between its parts. `places` (the
    parties' names) are marked `place`, which the layouts keep whole (`white-space: nowrap`) in a
    page-wide measure, not in the parallel layout's columns. A line break in
    `text` ('\\n') is a line break in print."""
    runs: list[Run] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            runs.append(Run("\n", ""))
        if line:
            runs.extend(_composed(line, lang) if composed else (Run(line, ""),))
    words = [match.span() for word in unbroken if word for match in re.finditer(re.escape(word), text)]
    parts = [match.span() for match in _NAME_PART.finditer(text)] if name else []
    runs = _kept_together(runs, _unbreakable(text, lang) + _name_spans(text, names) + words + parts)
    runs = _kept_together(runs, _name_spans(text, places), "place")
    addresses = list(_URL.finditer(text))
    runs = _kept_together(runs, [match.span() for match in addresses], URL)
    points = [point for match in addresses for point in _url_breaks(match)]
    points += [end for (_, end), (start, _) in itertools.pairwise(parts) if end == start]
    if names and phrased:  # names kept whole in a list of them ('나루하마시·닝펑시·송하시'): a line may
        points += [match.end() for match in _LIST_DOT.finditer(text)]  # break after each dot
    runs = _breakable_at(runs, points + (_quote_breaks(text) if primary(lang) in UNSPACED else []))
    parser = phrase_parser(lang) if phrased else None
    if parser is None:
        return RichText(text, (keep_spaces(tuple(runs), lang),))
    found = parser.parse(text)
    units = _words(found) if primary(lang) == "ja" else found
    phrases = _apart_from_line_breaks(_split_at(tuple(runs), units))
    return RichText(text, tuple(keep_spaces(phrase, lang) for phrase in phrases), phrased=True)


def _composed(line: str, lang: str) -> tuple[Run, ...]:
    """Japanese and Chinese composition rules on a line of text: quarter-em gaps around Latin runs (JLReq
    3.2.5, CLREQ 3.2.2), consecutive punctuation half-width (Japanese, and Simplified Chinese whose
    punctuation sits in the corner; Traditional Chinese centres it and sets it full), Japanese line-start
    binding; other languages are set as written."""
    if primary(lang) == "ja":
        return jlreq.runs(line)
    if primary(lang) == "zh":
        return jlreq.runs(line, compress=table_key(lang) == "zh-Hans", bind=False)
    return (Run(line, ""),)


def _apart_from_line_breaks(phrases: tuple[tuple[Run, ...], ...]) -> tuple[tuple[Run, ...], ...]:
    """`phrases` with every line break a phrase of its own: a phrase is set as one box, and a line break
    inside a box would not break the line it stands on."""
    result: list[tuple[Run, ...]] = []
    for phrase in phrases:
        current: list[Run] = []
        for run in phrase:
            if run.text == "\n":
                result += [tuple(current)] if current else []
                result.append((run,))
                current = []
            else:
                current.append(run)
        result += [tuple(current)] if current else []
    return tuple(result)


_ERA_OR_YEAR = r"(?:(?:令和|平成|昭和|大正|明治)(?:元|\d{1,2})|\d{1,4})年"
_UNBREAKABLE_CJK = re.compile(r"\d{1,2}:\d{2}")
"""A time; a CJK date may break between its parts (年｜月｜日), as JLReq allows: kept whole, it left lines
of four characters spread over a narrow column (its numbers are Latin runs, never broken)."""
_URL = re.compile(
    r"(?<![A-Za-z0-9])(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]*[A-Za-z0-9\-_~/#=&%]"
)
"""A web address: never hyphenated (it may still break where its own punctuation allows, as a URL longer
than a column must)."""
URL = "url"
WBR = "wbr"
LONGEST_KEPT_NAME = 24
"""Characters of the longest person's name kept on one line (a longer one may break between its words)."""
_TIME = r"\d{1,2}[:.]\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?|\d+(?:[.,]\d+)?\s?%"


@cache
def _unbreakable_pattern(lang: str) -> re.Pattern[str]:
    """Dates with the language's month names (CLDR, wide and abbreviated: 'August 21, 2023',
    '12 November 2024', '21. elokuuta 2023'), times and percentages."""
    from babel.dates import get_month_names

    locale = Locale.parse(lang, sep="-")
    names = {str(name) for width in ("wide", "abbreviated") for ctx in ("format", "stand-alone")
             for name in get_month_names(width, ctx, locale).values()}  # fmt: skip
    months = "|".join(sorted((re.escape(name) for name in names), key=len, reverse=True))
    date = rf"(?:\d{{1,2}}\.?\s(?:{months})(?:\s\d{{4}})?|(?:{months})\s\d{{1,2}}(?:,?\s\d{{4}})?)"
    return re.compile(rf"(?<!\w)(?:{date}|{_TIME})(?!\w)")


_BEFORE_DOT = re.compile(r"\S[·・]")
"""A character and the middle dot after it (names: 마르타·송하시, 马丁·路德): a dot never starts a line
(KLREQ, CLREQ; Pango lets U+00B7 start one). Japanese binds it in jlreq."""
_KOREAN_WORD = re.compile(r"\S{2,8}")
"""A Korean word a line never breaks (CSS `word-break: keep-all`, which WeasyPrint lacks: Korean breaks
between words, not syllables); a longer run of letters (names joined by ・, a word with its parenthesis)
may break inside, so that it never runs out of a narrow column."""


def _unbreakable(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) of each date, time and percentage in `text`, of each Korean word, and of a Korean or
    Chinese character with the middle dot after it: a line never breaks inside one."""
    dots = [match.span() for match in _BEFORE_DOT.finditer(text)] if primary(lang) in ("ko", "zh") else []
    if primary(lang) == "ko":
        return dots + [match.span() for match in _KOREAN_WORD.finditer(text) if _is_word(text, *match.span())]
    pattern = _UNBREAKABLE_CJK if primary(lang) in UNSPACED else _unbreakable_pattern(lang)
    return dots + [match.span() for match in pattern.finditer(text) if "\n" not in match.group()]


def _url_breaks(address: re.Match[str]) -> list[int]:
    """Where a web address may break (Chicago 6.119): after its '//', before a slash, period, question
    mark, number sign, ampersand or equals sign."""
    start, text = address.start(), address.group()
    scheme = text.find("//") if text.lower().startswith(("http://", "https://")) else -1
    points = [start + scheme + 2] if scheme >= 0 else []
    points += [
        start + index
        for index, char in enumerate(text)
        if char in "/.?#&=" and scheme + 2 < index < len(text) - 1
    ]
    return points


def _quote_breaks(text: str) -> list[int]:
    """Where a Chinese or Japanese line may break at a quotation mark: before an opening one after a
    letter or closing punctuation, after a closing one before a letter or opening punctuation (CLREQ;
    Pango keeps “ ” to their neighbours by UAX #14's rule for ambiguous quotes, which left lines of six
    characters spread over a narrow column)."""
    return [
        index + (char in "”’")
        for index, char in enumerate(text)
        if (char in "“‘" and index > 0 and _ends_a_word(text[index - 1]))
        or (char in "”’" and index + 1 < len(text) and _starts_a_word(text[index + 1]))
    ]


def _ends_a_word(char: str) -> bool:
    return jlreq.is_japanese_letter(char) or char in jlreq.CLOSING


def _starts_a_word(char: str) -> bool:
    return jlreq.is_japanese_letter(char) or char in jlreq.OPENING


def _breakable_at(runs: list[Run], points: list[int]) -> list[Run]:
    """`runs` split at `points`, each piece that ends at one marked 'wbr' (a line may break after it, the
    text unchanged: the layouts add <wbr>)."""
    ordered = sorted(set(points))
    return _split(runs, ordered, lambda _, right: right in points, WBR)


def _name_spans(text: str, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each occurrence in `text` of one of `names` (people the document names): a line
    never breaks inside a person's name. A name of one spaced word breaks nowhere anyway (capitalised
    words are never hyphenated); one written in Chinese characters or kana, which a line may break
    between any two of, is kept whole with or without a space in it (小池百合子, 長谷部　昌弘)."""
    kept = [name for name in names if " " in name.strip() or "\u3000" in name.strip() or _unspaced(name)]
    kept = [name for name in kept if len(name) <= LONGEST_KEPT_NAME and "\n" not in name]
    return [match.span() for name in kept for match in re.finditer(re.escape(name), text)]


_NAME_PART = re.compile(r"[^ \t\n・·‧･]+[・·‧･]?")
"""A part of a person's name: a word, or a run of characters up to a space or a middle dot, with the dot
(ガンボルド・, 甘包勒德·); an ideographic space stays inside its part (長谷部　昌弘 and the letter-spaced
内　海　清 are one part each). A name in a signature block breaks only between its
parts, and only where the whole name is wider than its column (four signature columns): never inside
one (ガンボルド・エン｜フトゥヤ)."""


_LIST_DOT = re.compile("[·・･]")
"""A middle dot between names in a list of them, after which a line may break (JLReq: never before it)."""
_WORDS_UNSPACED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")
"""Thai, Lao, Myanmar and Khmer letters: scripts without spaces between words, which Pango breaks by
dictionary, so a name it does not know breaks anywhere (ศรีวาริ｜นทร์)."""


def _unspaced(name: str) -> bool:
    """Whether `name` is written in a script a line may break inside a word of (Chinese characters,
    kana, Hangul; Thai, Lao, Myanmar, Khmer)."""
    return any(unicodedata.east_asian_width(char) == "W" for char in name) or bool(
        _WORDS_UNSPACED.search(name)
    )


def _is_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole word (whitespace or the text's ends on both sides)."""
    return (start == 0 or text[start - 1].isspace()) and (end == len(text) or text[end].isspace())


def _kept_together(runs: list[Run], spans: list[tuple[int, int]], mark: str = "keep") -> list[Run]:
    """`runs` split at the edges of `spans`, the pieces inside a span marked `mark` ('keep': no line
    break)."""
    edges = sorted({edge for span in spans for edge in span})
    return _split(
        runs, edges, lambda left, right: any(first <= left and right <= last for first, last in spans), mark
    )


def _split(runs: list[Run], points: list[int], marked: Callable[[int, int], bool], mark: str) -> list[Run]:
    """`runs` split at `points` (offsets in their text); the piece from `left` to `right` gets `mark` where
    `marked(left, right)`. A Japanese-Latin gap stays at its run's outer ends."""
    if not points:
        return runs
    result: list[Run] = []
    position = 0
    for run in runs:
        start, end = position, position + len(run.text)
        cuts = [start, *(point for point in points if start < point < end), end]
        for left, right in itertools.pairwise(cuts):
            styles = run.style.split()
            if left > start:
                styles = [style for style in styles if style != jlreq.GAP_START]
            if right < end:
                styles = [style for style in styles if style != jlreq.GAP_END]
            if marked(left, right):
                styles.append(mark)
            result.append(Run(run.text[left - start : right - start], " ".join(styles)))
        position = end
    return result


def paragraph_text(
    text: str, lang: str, names: tuple[str, ...] = (), places: tuple[str, ...] = ()
) -> RichText:
    """A paragraph: its source line wraps joined (`whitespace.joined`), `names` of people and `places`
    (the parties') never broken."""
    return rich_text(joined(text, lang), lang, names=names, places=places)


def lines_text(text: str, lang: str) -> RichText:
    """A text whose line breaks are line breaks in print (a closing line, an office, a name)."""
    return rich_text("\n".join(kept_lines(text)), lang)


_CONJUNCTIONS = ("及び", "並びに", "又は", "若しくは", "、")
_CONJUNCTION = re.compile("(?:" + "|".join(f"(?<={word})" for word in _CONJUNCTIONS) + ")(?=.)")
"""Where a long Japanese phrase may break: after a conjunction (及び, 並びに, 又は, 若しくは) or a comma.
BudouX gave 'レイヴンズムーア市及び白鷺市国際交流協会の' as one phrase, wider than a parallel column's
title: set as one box, it broke wherever the column ended (国際｜交流)."""
_COMPOUND_END = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u30a0-\u30ff\U00020000-\U0003ffff々〆ヵヶ]$")
_COMPOUND_START = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff\u30a0-\u30ff\U00020000-\U0003ffff々〆ヵヶ]")
_HIRAGANA_START = re.compile(r"^[\u3041-\u309f]")
LONGEST_TITLE_WORD = 16
"""Characters of the longest run of joined phrases kept on one line of a Japanese title or office."""


_KANJI_THEN_KATAKANA = re.compile(r"(?<=[\u3400-\u9fff々])(?=[\u30a0-\u30ff])")
LONG_PHRASE = 10
"""Characters from which a phrase may also break where kanji turn to katakana."""


def _long_split(phrase: str) -> list[str]:
    """A phrase longer than LONG_PHRASE split where kanji turn to katakana, a word's edge in Japanese
    ('アメリカ合衆国オレゴン州ミルブルック市長', one BudouX phrase, breaks after 合衆国 and 州)."""
    return _KANJI_THEN_KATAKANA.split(phrase) if len(phrase) > LONG_PHRASE else [phrase]


def _words(phrases: list[str]) -> list[str]:
    """BudouX's Japanese phrases made into the units a title or an office breaks between: a phrase split
    after its conjunctions; one joined to the phrase before when it goes on with the same word (a
    compound of kanji or katakana broken in two: 汐｜見市と, 白鷺市国際｜交流協会) or with its inflection
    or particle (分野に｜おける), up to LONGEST_TITLE_WORD characters; a long one split where kanji turn
    to katakana."""
    pieces = [piece for phrase in phrases for piece in _CONJUNCTION.split(phrase) if piece]
    words: list[str] = []
    for piece in pieces:
        previous = words[-1] if words else ""
        continues = (_COMPOUND_END.search(previous) and _COMPOUND_START.search(piece)) or (
            previous and _HIRAGANA_START.search(piece) and not previous.endswith(_CONJUNCTIONS)
        )
        if continues and len(previous) + len(piece) <= LONGEST_TITLE_WORD:
            words[-1] = previous + piece
        else:
            words.append(piece)
    return [part for word in words for part in _long_split(word)]


def _split_at(runs: tuple[Run, ...], phrases: list[str]) -> tuple[tuple[Run, ...], ...]:
    """Regroup `runs` into the given phrases, splitting a run where a phrase boundary falls inside it."""
    grouped: list[tuple[Run, ...]] = []
    pending = list(runs)
    for phrase in phrases:
        needed, current = len(phrase), []
        while needed:
            run = pending.pop(0)
            if len(run.text) > needed:
                pending.insert(0, Run(run.text[needed:], run.style))
                run = Run(run.text[:needed], run.style)
            current.append(run)
            needed -= len(run.text)
        grouped.append(tuple(current))
    return tuple(grouped)


def _instrument(communique: Communique, instrument: Instrument, number: int) -> TypesetInstrument:
    several = len(communique.instruments) > 1
    return TypesetInstrument(
        number,
        tuple(
            _version(
                communique, instrument, lang, f"version-{number}-{lang}" if several else f"version-{lang}"
            )
            for lang in communique.languages
        ),
    )


def _version(communique: Communique, instrument: Instrument, lang: str, anchor: str) -> Version:
    # A title never breaks inside a party's or country's name written without spaces in a script that
    # Pango breaks by syllable or dictionary (송하｜시, ศรีวาริ｜นทร์); Japanese and Chinese titles break
    # between BudouX's phrases instead (a name kept whole would run out of the four-column layout's
    # title columns, about five ems wide), and a spaced name between its words, as the title's other words.
    phrased = primary(lang) in UNSPACED
    places = tuple(name for name in communique.party_names(lang) if _unspaced(name) and not phrased)
    title_lines = tuple(
        rich_text(line, lang, phrased=True, names=places) for line in kept_lines(instrument.title.value(lang))
    )
    joiner = "" if primary(lang) in UNSPACED else " "
    autonym = Locale.parse(lang, sep="-").get_display_name() or lang
    words = built_in(OUTLINE_WORDS, lang) or OUTLINE_WORDS["en"]
    title = joiner.join(line.text for line in title_lines)
    label = autonym[:1].upper() + autonym[1:]
    pending = instrument.pending.get(lang)
    signers = instrument.party_order(communique.parties, lang)
    return Version(
        lang=lang,
        title_lines=title_lines,
        title=title,
        blocks=_blocks(communique, instrument, lang),
        closing=_closing(communique, instrument, lang),
        signatures=tuple(
            _signature_block(lang, party.key, f"{party.key}-{number}", signer, party)
            for party in signers
            for number, signer in enumerate(party.signatories, 1)
        ),
        outline=OutlineLabels(f"{label}: {title}" if len(communique.instruments) > 1 else label, *words),
        authors=tuple(joined(party.name.value(lang), lang) for party in communique.parties),
        subject=joined(instrument.subject.value(lang), lang) if instrument.subject else None,
        closing_position=instrument.closing_position,
        witnesses=tuple(
            _signature_block(lang, "witness", f"witness-{number}", person, None)
            for number, person in enumerate(instrument.witnesses, 1)
        ),
        witness_label=_witness_label(instrument, lang) if instrument.witnesses else None,
        pending_notice=paragraph_text(pending.value, lang) if pending else None,
        tag=_layout_tag(lang),
        direction="rtl" if right_to_left(lang) else "ltr",
        anchor=anchor,
    )


@cache
def _layout_tag(lang: str) -> str:
    """`lang` with its likely region added where it has none and Pyphen's hyphenation patterns differ by
    region (en -> en-US, pt -> pt-BR, de -> de-DE): WeasyPrint would take the first region's patterns."""
    import pyphen
    from babel.core import get_global

    parts = lang.split("-")
    if (
        len(parts) > 1
        or sum(name.lower().startswith(f"{parts[0].lower()}_") for name in pyphen.LANGUAGES) < 2
    ):
        return lang
    likely = get_global("likely_subtags").get(parts[0].lower(), "")
    region = likely.split("_")[-1] if likely.count("_") == 2 else ""
    return f"{lang}-{region}" if region else lang


GAP_MARK = "[…]"
"""What a pending version prints in place of the blocks it leaves out (once for a run of them where the
versions are not set side by side): the editor's sign for text left out, which needs no translation and
points back to the notice under the title."""


def _blocks(communique: Communique, instrument: Instrument, lang: str) -> tuple[TypesetBlock, ...]:
    """The `lang` blocks with their numbers: headings and articles count through the instrument,
    numbered paragraphs restart after each heading and article. A block a pending version leaves out is
    its gap mark; an article keeps its number where only its caption is left out."""
    counters = {"heading": 0, "article": 0, "clause": 0}
    pending = instrument.pending.get(lang)
    blocks = []
    names, places = communique.person_names(lang), kept_places(communique, lang)
    for block in instrument.body:
        if block.kind in counters:
            counters[block.kind] += 1
        if block.kind in ("heading", "article"):
            counters["clause"] = 0
        texts = block.of(lang)
        if texts is None and block.kind != "article" and pending:  # the loader lets only these be absent
            blocks.append(TypesetBlock("pending", (rich_text(GAP_MARK, lang, composed=False),)))
            continue
        if block.kind in ("heading", "article"):  # a caption breaks between phrases, as a title does
            paragraphs = tuple(
                rich_text(joined(t.value, lang), lang, phrased=True, names=names, places=places)
                for t in texts or ()
            )
        else:
            paragraphs = tuple(paragraph_text(text.value, lang, names, places) for text in texts or ())
        label = _label(communique, block, lang, counters)
        if label and paragraphs:
            label += _separator(block, lang)
        blocks.append(
            TypesetBlock(block.kind, paragraphs, rich_text(label, lang) if label else None, block.style)
        )
    return tuple(blocks)


def _label(communique: Communique, block: Block, lang: str, counters: dict[str, int]) -> str:
    """The number or marker printed before the block's text."""
    if block.kind == "heading":
        return heading_label(block.style, counters["heading"], lang)
    if block.kind == "article":
        given = communique.article_format.get(lang)
        label = given.value if given else built_in(ARTICLE_LABELS, lang)
        return (label or "{n}").replace("{n}", str(counters["article"]))
    if block.kind == "clause":
        return clause_label(counters["clause"], lang)
    if block.kind == "item":
        return item_marker(block.style, block.index, lang)
    return ""


def _separator(block: Block, lang: str) -> str:
    """What stands between a label and the text: a full-width space in Japanese, Chinese and Korean (none
    after a bracketed or bullet marker), a line break after a Latin-script article label, else a space."""
    if cjk(lang):
        return "" if block.kind == "item" and block.style in ("bullet", "parenthesized") else "\u3000"
    return "\n" if block.kind == "article" else " "


def _witness_label(instrument: Instrument, lang: str) -> RichText:
    given = instrument.witness_label.get(lang)
    return lines_text(given.value if given else built_in(WITNESS_LABELS, lang) or "", lang)


def _closing(communique: Communique, instrument: Instrument, lang: str) -> RichText | None:
    """The `lang` closing line: given word for word, made as `closing_form` says, or None."""
    given = instrument.closing.get(lang)
    if given:
        return lines_text(given.value, lang)
    form = instrument.form_of(lang)
    if form == "none":
        return None
    place = communique.place.value(lang) if communique.place and form == "date-place" else None
    place = joined(place, lang) if place else None
    era = communique.japanese_era if primary(lang) == "ja" else communique.buddhist_era
    line = closing_line(communique.date, place, lang, era, dateline=instrument.closing_position == "top")
    # A narrow column breaks a Chinese or Japanese line between its date and its place, never inside
    # either (松｜河にて); a spaced language breaks between words as it would, and a unit wider than the
    # narrowest column (four of ~9 em) may break too rather than run past it.
    units = (written_date(communique.date, lang, era), *([f"{place}にて", place] if place else []))
    whole = tuple(unit for unit in units if primary(lang) in UNSPACED and _ems(unit) <= LONGEST_KEPT_EMS)
    return rich_text(line, lang, unbroken=whole)


LONGEST_KEPT_PLACE_EMS = 7.0
"""Ems of the longest party or country name kept on one line in body text (a longer one kept whole would
leave the line before it visibly spread, even in a page-wide measure)."""


def kept_places(communique: Communique, lang: str) -> tuple[str, ...]:
    """The `lang` names of the parties and their countries to keep on one line: those written without
    spaces (ノゴーンタル市, 송하시, a Thai name), which Pango would break by syllable or dictionary, up to
    LONGEST_KEPT_PLACE_EMS (a longer one may break where its script allows). The layouts keep them whole
    in a page-wide measure; in parallel columns, where keeping one whole spread the line before it by up
    to 0.4 em, they may break as JLReq and CLReq allow."""
    return tuple(
        name
        for name in communique.party_names(lang)
        if _unspaced(name) and _ems(name) <= LONGEST_KEPT_PLACE_EMS and "\n" not in name
    )


LONGEST_KEPT_EMS = 8.0
"""Ems of the longest date or place of a closing line kept whole (the four-column parallel layout's
columns hold about nine)."""


def _ems(text: str) -> float:
    """The width of `text` in ems, counting a wide character (kanji, kana, full-width forms) as one and any
    other as half."""
    return sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.5 for char in text)


def _signature_block(
    lang: str, key: str, signer_id: str, person: Signatory, party: Party | None
) -> SignatureBlock:
    """The person's lines in the language's order, line breaks kept (an office of several lines: Mayor /
    Koto Ward / Tokyo, Japan); given word for word where the data prints them; for a signature made on
    behalf of an absent official (in a version that names the official), the official first, then the
    marker (代理, represented by), which never breaks across lines."""
    printed = person.printed.get(lang)
    lines = _person_lines(lang, person.title, person.name, person.name_position)
    if printed:
        lines = _printed_lines(printed.value, person.printed_name.get(lang), person.name.value(lang))
    behalf = person.on_behalf_of
    marker = ""
    if behalf and behalf.named_in(lang):
        given = behalf.marker.get(lang)
        marker = given.value if given else built_in(PROXY_MARKERS, lang) or ""
        principal = tuple(
            (text, "principal") for text, _ in _person_lines(lang, behalf.title, behalf.name, ())
        )
        if primary(lang) in MARKER_AFTER_NAME:
            principal = (("\u3000".join((*(text for text, _ in principal), marker)), "principal"),)
        else:
            principal = (*principal, (marker, "marker"))
        lines = (*principal, *lines)
    return SignatureBlock(
        key,
        signer_id,
        tuple(text for text, _ in lines),
        person.signature,
        party.seal if party else None,
        tuple(
            rich_text(
                text,
                lang,
                phrased=role != "name",
                composed=False,
                unbroken=(marker,),
                name=role == "name",
            )
            for text, role in lines
        ),
        tuple(role for _, role in lines),
        _alt(person.signature_alt, lang),
        _alt(party.seal_alt, lang) if party else "",
    )


def _alt(alternatives: LocalizedText, lang: str) -> str:
    """The text alternative for `lang`, or '' where the data gives none."""
    text = alternatives.get(lang)
    return text.value if text else ""


def _printed_lines(printed: str, marked: Text | None, name: str) -> tuple[tuple[str, str], ...]:
    """(line, role) of lines given word for word: the name line (`marked`, else the first line that holds
    the signatory's `name`, spaces aside) set as a name, the others as an office."""
    lines = kept_lines(printed)
    if marked is not None:
        names = set(kept_lines(marked.value))
        return tuple((line, "name" if line in names else "office") for line in lines)
    bare = "".join(name.split())
    found = next((line for line in lines if bare and bare in "".join(line.split())), None)
    return tuple((line, "name" if line == found else "office") for line in lines)


def _person_lines(
    lang: str, title: LocalizedText, name: LocalizedText, positions: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """(text, role) of the office and the name, in the order the language (or the data) puts them."""
    office = ("\n".join(kept_lines(title.value(lang))), "office")
    person = ("\n".join(kept_lines(name.value(lang))), "name")
    position = dict(positions).get(lang, "after" if primary(lang) in OFFICE_FIRST else "before")
    return (office, person) if position == "after" else (person, office)
