"""What changed between two drafts of a data file, per language version, and a redline that shows it.

Blocks are aligned first (difflib over the blocks' texts, then the best match among the blocks left over,
then moves: a block deleted in one place and inserted in another), then each language's text is compared
in its own units: words in spaced scripts, BudouX phrases in Japanese and Chinese, graphemes in Thai. The
redline is the new draft in its layout, inserted text underlined, deleted text struck through, moved
blocks double-underlined, each also in colour; a summary page comes first.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise, zip_longest
from pathlib import Path

from communique.conventions import primary
from communique.errors import UsageError
from communique.model import (
    Block,
    Communique,
    Instrument,
    LocalizedText,
    Party,
    RichText,
    Run,
    Signatory,
    SignatureBlock,
    SourceLocation,
    TypesetBlock,
    TypesetDocument,
    TypesetInstrument,
    Version,
)
from communique.typeset import phrase_parser, rich_text
from communique.whitespace import joined
from communique.write import not_replaceable

INSERTED, DELETED, MOVED = "cq-ins", "cq-del", "cq-moved"
SIMILAR = 0.5
"""How alike (difflib's ratio) two blocks left over from the alignment must be to count as one block
changed rather than one deleted and another inserted."""
MOVED_ALIKE = 0.9
"""How alike a deleted and an inserted block must be to count as one block moved."""
REDLINE_CSS = f"""
.{INSERTED} {{ color: #0b4fa8; text-decoration: underline; text-decoration-thickness: 0.08em; }}
.{DELETED} {{ color: #b3261e; text-decoration: line-through; text-decoration-thickness: 0.08em; }}
.{MOVED} {{ color: #1b6e3a; text-decoration: underline double; }}
.{DELETED} + .{INSERTED}, .{INSERTED} + .{DELETED} {{ margin-inline-start: 0.3em; }}
.cq-redline-summary {{ break-after: page; font-size: 10pt; line-height: 1.45; }}
.cq-redline-summary h1 {{ font-size: 14pt; margin: 0 0 8pt; }}
.cq-redline-summary h2 {{ font-size: 11pt; margin: 12pt 0 4pt; }}
.cq-redline-summary table {{ border-collapse: collapse; margin: 4pt 0; }}
.cq-redline-summary th, .cq-redline-summary td {{ border: 0.5pt solid #555; padding: 2pt 6pt; }}
.cq-redline-summary td {{ text-align: right; }}
.cq-redline-summary ul {{ margin: 0; padding-left: 14pt; }}
"""
"""How the redline marks changes: a colour and a line each, so that a black-and-white print shows them; a
replacement's deleted and inserted text a third of an em apart, so that they neither touch on the page nor
run together when copied (text extractors read a gap of a tenth of an em or more as a space; no character
is added)."""


@dataclass(frozen=True)
class Piece:
    """A stretch of text: as in both drafts (''), inserted or deleted."""

    text: str
    change: str = ""


@dataclass(frozen=True)
class BlockChange:
    """A body block that differs between the drafts."""

    kind: str
    """'changed', 'inserted', 'deleted' or 'moved' (possibly changed too)."""
    instrument: int
    """From 1."""
    old: Block | None
    new: Block | None
    old_index: int | None
    """The block's place in the old draft's body, from 1."""
    new_index: int | None
    pieces: tuple[tuple[str, tuple[tuple[Piece, ...], ...]], ...]
    """Per language, per paragraph, the text as pieces (empty for a language unchanged)."""

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages whose text differs."""
        return tuple(lang for lang, paragraphs in self.pieces if _differs(paragraphs))


@dataclass(frozen=True)
class FieldChange:
    """A field outside the body (date, place, title, closing, a party or signatory) that differs."""

    field: str
    """E.g. 'date', 'title', "signatory 'tokyo-1' name"."""
    lang: str
    """'' for a field of no language (the date)."""
    old: str
    new: str
    old_location: SourceLocation | None
    new_location: SourceLocation | None


@dataclass(frozen=True)
class Comparison:
    """Every difference between two drafts of one data file."""

    old: Communique
    new: Communique
    blocks: tuple[BlockChange, ...]
    fields: tuple[FieldChange, ...]
    rows: tuple[tuple[Row, ...], ...]
    """Per instrument of the new draft, its blocks as aligned (`_aligned`)."""
    instrument_pairs: tuple[int | None, ...]
    """Per instrument of the new draft, the index of the old draft's instrument it is a draft of."""

    def removed_instruments(self) -> tuple[int, ...]:
        """Indexes of the old draft's instruments the new one no longer has."""
        return tuple(
            index for index in range(len(self.old.instruments)) if index not in self.instrument_pairs
        )

    def added_instruments(self) -> tuple[int, ...]:
        """Indexes of the new draft's instruments the old one did not have."""
        return tuple(index for index, paired in enumerate(self.instrument_pairs) if paired is None)

    def reordered_instruments(self) -> tuple[tuple[int, int], ...]:
        """(index now, index before) of each instrument that moved in the file."""
        return tuple(
            (index, paired)
            for index, paired in enumerate(self.instrument_pairs)
            if paired is not None and paired != index
        )

    def languages_added(self) -> list[str]:
        return [lang for lang in self.new.languages if lang not in self.old.languages]

    def languages_removed(self) -> list[str]:
        return [lang for lang in self.old.languages if lang not in self.new.languages]

    @property
    def unchanged(self) -> bool:
        """Whether the drafts say the same: no block, field or instrument differs."""
        instruments = self.removed_instruments() or self.added_instruments() or self.reordered_instruments()
        return not self.blocks and not self.fields and not instruments

    def summary(self) -> str:
        """One line of what changed: blocks per version, instruments, other fields."""
        if self.unchanged:
            return "no changes"
        counted = {lang: self.counts(lang) for lang in self.new.languages}
        parts = [
            f"{lang}: " + ", ".join(f"{number} {kind}" for kind, number in counts.items() if number)
            for lang, counts in counted.items()
            if any(counts.values())
        ]
        removed = len(self.removed_instruments())
        reordered = len(self.reordered_instruments())
        parts += [f"{removed} instrument{'s' if removed > 1 else ''} removed"] if removed else []
        parts += [f"{reordered} instruments reordered"] if reordered else []
        fields = len(self.fields)
        parts += [f"{fields} other field{'s' if fields > 1 else ''} changed"] if fields else []
        return "; ".join(parts)

    def counts(self, lang: str) -> dict[str, int]:
        """Blocks changed, inserted, deleted and moved in the `lang` version."""
        counts = {"changed": 0, "inserted": 0, "deleted": 0, "moved": 0}
        for change in self.blocks:
            if change.kind == "changed" and lang in change.languages:
                counts["changed"] += 1
            elif change.kind != "changed" and any(entry == lang for entry, _ in change.pieces):
                counts[change.kind] += 1
        return counts

    def one_sided(self) -> tuple[tuple[BlockChange, tuple[str, ...]], ...]:
        """Changed (or moved and changed) blocks whose text changed in some versions but not in others
        (a translation not carried over), with the languages left unchanged."""
        shared = [lang for lang in self.new.languages if lang in self.old.languages]
        found = []
        for change in self.blocks:
            if change.kind not in ("changed", "moved"):
                continue
            unchanged = tuple(
                lang
                for lang in shared
                if lang not in change.languages and change.new and change.new.of(lang) is not None
            )
            # a translation filled in where it was pending changes no meaning: not a one-sided change
            changed = tuple(
                lang for lang in change.languages if change.old and change.old.of(lang) is not None
            )
            if unchanged and changed:
                found.append((change, unchanged))
        return tuple(found)

    def as_dict(self) -> dict[str, object]:
        """The comparison as JSON-ready data: every change with where it is in both files."""
        return {
            "old": str(self.old.source),
            "new": str(self.new.source),
            "unchanged": self.unchanged,
            "versions": {lang: self.counts(lang) for lang in self.new.languages},
            "languages_added": self.languages_added(),
            "languages_removed": self.languages_removed(),
            "instruments": {
                "was": [None if paired is None else paired + 1 for paired in self.instrument_pairs],
                "removed": [index + 1 for index in self.removed_instruments()],
            },
            "blocks": [_block_dict(change) for change in self.blocks],
            "changed_in_one_version_only": [
                {
                    "new": _place(change.new, change.new_index),
                    "changed": list(change.languages),
                    "unchanged": list(rest),
                }
                for change, rest in self.one_sided()
            ],
            "fields": [
                {
                    "field": item.field,
                    "lang": item.lang or None,
                    "old": item.old,
                    "new": item.new,
                    "old_at": _location(item.old_location),
                    "new_at": _location(item.new_location),
                }
                for item in self.fields
            ],
        }


def compare(old: Communique, new: Communique) -> Comparison:
    """Every difference between the drafts `old` and `new`."""
    blocks: list[BlockChange] = []
    rows: list[tuple[Row, ...]] = []
    pairs = _paired_instruments(old.instruments, new.instruments)
    for number, (paired, after) in enumerate(zip(pairs, new.instruments, strict=True), 1):
        before = None if paired is None else old.instruments[paired]
        old_body, new_body = before.body if before else (), after.body
        aligned = _aligned(old_body, new_body)
        rows.append(aligned)
        for old_index, new_index, kind in aligned:
            if kind == "same":
                continue
            old_block = None if old_index is None else old_body[old_index]
            new_block = None if new_index is None else new_body[new_index]
            blocks.append(
                BlockChange(
                    kind,
                    number,
                    old_block,
                    new_block,
                    None if old_index is None else old_index + 1,
                    None if new_index is None else new_index + 1,
                    _block_pieces(old_block, new_block, new.languages),
                )
            )
    fields = tuple(_field_changes(old, new, pairs))
    return Comparison(old, new, tuple(blocks), fields, tuple(rows), pairs)


def _paired_instruments(old: tuple[Instrument, ...], new: tuple[Instrument, ...]) -> tuple[int | None, ...]:
    """Per new instrument, the old one it is a draft of (None for one added): the one in its place if its
    title is alike, else the most alike title left (instruments reordered), else none."""
    free = list(range(len(old)))
    pairs: list[int | None] = []
    for index, instrument in enumerate(new):
        alike = [(_title_likeness(old[other], instrument), other) for other in free]
        in_place = next((score for score, other in alike if other == index), 0.0)
        score, best = (in_place, index) if in_place >= SIMILAR else max(alike, default=(0.0, -1))
        if score >= SIMILAR or len(old) == len(new) == 1:  # one instrument stays one, whatever its title
            pairs.append(best)
            free.remove(best)
        else:
            pairs.append(None)
    return tuple(pairs)


def _title_likeness(old: Instrument, new: Instrument) -> float:
    before, after = dict(old.title.entries), dict(new.title.entries)
    ratios = [
        difflib.SequenceMatcher(None, before[lang].value, after[lang].value, autojunk=False).ratio()
        for lang in before
        if lang in after
    ]
    return sum(ratios) / len(ratios) if ratios else 0.0


def redline_path(out: Path | None, old: Path, new: Path, folder: Path, into: bool = False) -> Path:
    """Where the redline goes: `out`, else `<folder>/<new's stem>-redline.pdf`, the same name inside `out`
    where it is a folder (or `into`: given as one, with a final slash); UsageError where that would
    replace a draft, any data file, or anything that is not a regular file."""
    name = f"{new.stem}-redline.pdf"
    target = folder / name if out is None else out / name if into or out.is_dir() else out
    if target.suffix.lower() in (".yaml", ".yml") or target.resolve() in (old.resolve(), new.resolve()):
        raise UsageError(
            f"the redline would be written over {target}",
            hint="give --out a PDF path of its own, e.g. build/x-redline.pdf",
        )
    refused = not_replaceable(target)
    if refused:
        raise UsageError(
            f"the redline cannot be written to {target}: it {refused}",
            hint="give --out a new PDF path or a folder, e.g. build/x-redline.pdf",
        )
    return target


def tokens(text: str, lang: str) -> list[str]:
    """`text` in the units a change is shown in: words, spaces and punctuation in spaced scripts; BudouX
    phrases in Japanese and Chinese; graphemes in Thai, Lao, Khmer and Burmese."""
    parser = phrase_parser(lang)
    if parser is not None:
        return _joined_words([token for phrase in parser.parse(text) for token in _split_spaces(phrase)])
    if primary(lang) in {"th", "lo", "km", "my"}:
        return _joined_words(list(_graphemes(text)))
    return re.findall(r"\w+|\s+|[^\w\s]", text)


def pieces(old: str, new: str, lang: str) -> tuple[Piece, ...]:
    """`new` against `old` as pieces: what both share, what was inserted and deleted (a replacement is
    its deletion, then its insertion)."""
    before, after = tokens(old, lang), tokens(new, lang)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    found: list[Piece] = []
    for operation, left, right, start, end in matcher.get_opcodes():
        if operation == "equal":
            found.append(Piece("".join(after[start:end])))
            continue
        if right > left:
            found.append(Piece("".join(before[left:right]), DELETED))
        if end > start:
            found.append(Piece("".join(after[start:end]), INSERTED))
    return _coalesced([piece for piece in found if piece.text])


def _coalesced(found: list[Piece]) -> tuple[Piece, ...]:
    """`found` with each stretch of changes read whole: spaces and punctuation left standing between
    changes (shall, → may, as → set, …) become part of both the deletion and the insertion, so that a
    rewritten phrase shows the old words, then the new, never the two interleaved word by word."""
    result: list[Piece] = []
    index = 0
    while index < len(found):
        if not found[index].change:
            result.append(found[index])
            index += 1
            continue
        deleted, inserted = [], []
        while index < len(found):
            piece = found[index]
            if piece.change == DELETED:
                deleted.append(piece.text)
            elif piece.change:
                inserted.append(piece.text)
            elif _filler(piece.text) and any(later.change for later in found[index + 1 : index + 2]):
                deleted.append(piece.text)
                inserted.append(piece.text)
            else:
                break
            index += 1
        result += [Piece("".join(deleted), DELETED)] if deleted else []
        result += [Piece("".join(inserted), INSERTED)] if inserted else []
    return tuple(result)


def _filler(text: str) -> bool:
    """Whether `text` is only spaces, punctuation or a short word (a, of, の) standing between changes."""
    return not text.strip() or all(not char.isalnum() for char in text) or len(text.strip()) <= 2


def redline(comparison: Comparison, old: TypesetDocument, new: TypesetDocument) -> TypesetDocument:
    """`new` with every change of `comparison` marked in its text, deleted blocks put back, struck
    through, where they stood."""
    instruments = []
    paired_rows = zip(new.instruments, comparison.instrument_pairs, comparison.rows, strict=True)
    for number, (instrument, paired, rows) in enumerate(paired_rows, 1):
        before = None if paired is None else old.instruments[paired]
        changes = {
            (change.old_index, change.new_index): change
            for change in comparison.blocks
            if change.instrument == number
        }
        versions = tuple(
            _marked_version(version, _same_version(before, version.lang), rows, changes)
            for version in instrument.versions
        )
        instruments.append(dataclasses.replace(instrument, versions=versions))
    return dataclasses.replace(new, instruments=tuple(instruments))


def summary_html(comparison: Comparison, old_name: str, new_name: str) -> str:
    """The redline's first page: what changed, per version, and what changed in one version only."""
    escape = html.escape
    several = len(comparison.new.instruments) > 1
    rows = "".join(
        f"<tr><th scope='row'>{escape(lang)}</th>"
        + "".join(f"<td>{count}</td>" for count in comparison.counts(lang).values())
        + "</tr>"
        for lang in comparison.new.languages
    )
    parts = [
        "<section class='cq-redline-summary' lang='en' dir='ltr'>",
        f"<h1>Redline: {escape(old_name)} → {escape(new_name)}</h1>",
        f"<p>Inserted text is <span class='{INSERTED}'>underlined</span>, deleted text "
        f"<span class='{DELETED}'>struck through</span>, moved blocks "
        f"<span class='{MOVED}'>double-underlined</span>.</p>",
        "<h2>Blocks per version</h2><table><tr><th scope='col'>Version</th><th scope='col'>changed</th>"
        "<th scope='col'>inserted</th><th scope='col'>deleted</th><th scope='col'>moved</th></tr>"
        f"{rows}</table>",
    ]
    if comparison.unchanged:
        parts.append("<p>The drafts are the same.</p>")
    for verb, langs in (
        ("added (every block is new)", comparison.languages_added()),
        ("removed (its text is not shown here)", comparison.languages_removed()),
    ):
        if langs:
            parts.append(f"<p>Version{'s' if len(langs) > 1 else ''} {escape(', '.join(langs))} {verb}.</p>")
    for index in comparison.removed_instruments():
        instrument = comparison.old.instruments[index]
        title = " / ".join(" ".join(text.value.split()) for _, text in instrument.title.entries)
        parts.append(
            f"<p>Instrument {index + 1} of {escape(old_name)} removed (not shown here): {escape(title)}.</p>"
        )
    if several:
        parts += [
            f"<p>Instrument {index + 1} added (every block is new).</p>"
            for index in comparison.added_instruments()
        ]
    parts += [
        f"<p>Instrument {now + 1} was instrument {was + 1}.</p>"
        for now, was in comparison.reordered_instruments()
    ]
    one_sided = comparison.one_sided()
    if one_sided:
        parts.append("<h2>Changed in one version only</h2><ul>")
        parts += [
            f"<li>{escape(_block_name(change, several))}: changed in {escape(', '.join(change.languages))}, "
            f"not in {escape(', '.join(rest))}</li>"
            for change, rest in one_sided
        ]
        parts.append("</ul>")
    moved = [change for change in comparison.blocks if change.kind == "moved"]
    if moved:
        parts.append("<h2>Moved</h2><ul>")
        parts += [
            f"<li>{escape(_block_name(change, several))}: was block {change.old_index}</li>"
            for change in moved
        ]
        parts.append("</ul>")
    if comparison.fields:
        parts.append("<h2>Other changes</h2><ul>")
        parts += [
            f"<li>{escape(item.field)}{f' ({escape(item.lang)})' if item.lang else ''}: "
            f"<span class='{DELETED}'{_lang(item.lang)}>{escape(item.old)}</span> → "
            f"<span class='{INSERTED}'{_lang(item.lang)}>{escape(item.new)}</span></li>"
            for item in comparison.fields
        ]
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _lang(lang: str) -> str:
    return f" lang='{html.escape(lang)}'" if lang else ""


def _block_name(change: BlockChange, several: bool = False) -> str:
    """'block 7 (line 167)', with 'instrument 2 ' before it in a file of several instruments."""
    index = change.new_index or change.old_index
    block = change.new or change.old
    where = f"line {block.location.line}" if block else ""
    return f"{f'instrument {change.instrument} ' if several else ''}block {index} ({where})"


def _differs(paragraphs: tuple[tuple[Piece, ...], ...]) -> bool:
    return any(piece.change for paragraph in paragraphs for piece in paragraph)


def _joined_words(found: list[str]) -> list[str]:
    """Units with a number or a Latin word split between them joined again (BudouX's '202' '3年', Thai
    graphemes '2' '5' '5' '5'): a change shows whole numbers and words."""
    merged: list[str] = []
    for token in found:
        if merged and _word_char(merged[-1][-1:]) and _word_char(token[:1]):
            merged[-1] += token
        else:
            merged.append(token)
    return merged


def _word_char(char: str) -> bool:
    """A digit of any script, or a Latin letter or digit."""
    return char.isdigit() or (char.isascii() and char.isalnum())


def _split_spaces(phrase: str) -> Iterator[str]:
    yield from (part for part in re.split(r"(\s+)", phrase) if part)


def _graphemes(text: str) -> Iterator[str]:
    """Base characters with the marks that follow them (Thai vowels above and below, tone marks)."""
    current = ""
    for char in text:
        if current and unicodedata.category(char).startswith("M"):
            current += char
            continue
        if current:
            yield current
        current = char
    if current:
        yield current


def _key(block: Block) -> str:
    texts = (" ".join(text.value.split()) for _, paragraphs in block.texts for text in paragraphs)
    return block.kind + "\0" + "\0".join(texts)


Row = tuple[int | None, int | None, str]
"""(old index, new index, kind) of a block of either draft, from 0: kind is 'same', 'changed', 'moved',
'inserted' or 'deleted'."""


def _aligned(old: tuple[Block, ...], new: tuple[Block, ...]) -> tuple[Row, ...]:
    """Every block of both drafts in the redline's order: the new draft's, each run of deleted blocks
    before what replaced it."""
    old_keys, new_keys = [_key(block) for block in old], [_key(block) for block in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    rows: list[Row | None] = []
    for operation, left, right, start, end in matcher.get_opcodes():
        if operation == "equal":
            rows += [(left + offset, start + offset, "same") for offset in range(end - start)]
            continue
        rows += _replaced(old, new, range(left, right), range(start, end))
    for position, row in enumerate(rows):  # a block deleted here and inserted there has moved
        if row is None or row[2] != "deleted" or row[0] is None:
            continue
        old_index = row[0]
        match = next(
            (
                place
                for place, other in enumerate(rows)
                if other is not None
                and other[2] == "inserted"
                and other[1] is not None
                and _likeness(old[old_index], new[other[1]]) >= MOVED_ALIKE
            ),
            None,
        )
        if match is not None:
            found = rows[match]
            rows[match] = (old_index, found[1] if found else None, "moved")
            rows[position] = None
    return tuple(row for row in rows if row is not None)


def _replaced(
    old: tuple[Block, ...], new: tuple[Block, ...], before: range, after: range
) -> list[Row | None]:
    """The rows of a run of old blocks replaced by a run of new ones: each old block paired with the most
    alike new one of its kind after the last paired (so the new order holds), each deleted one where it
    stood among them, each new one left over inserted where it stands."""
    rows: list[Row | None] = []
    following = after.start  # the first new block not yet placed
    for old_index in before:
        likeness, best = max(
            (
                (_likeness(old[old_index], new[new_index]), new_index)
                for new_index in range(following, after.stop)
                if old[old_index].kind == new[new_index].kind
            ),
            default=(0.0, -1),
        )
        if likeness < SIMILAR:
            rows.append((old_index, None, "deleted"))
            continue
        rows += [(None, index, "inserted") for index in range(following, best)]
        rows.append((old_index, best, "changed"))
        following = best + 1
    rows += [(None, index, "inserted") for index in range(following, after.stop)]
    return rows


def _likeness(old: Block, new: Block) -> float:
    """How alike two blocks are: the mean over the languages both give of difflib's ratio, so that a
    version left as it was weighs as much as a longer one rewritten."""
    before, after = _block_texts(old), _block_texts(new)
    # languages both drafts give: a translation added since (or a version dropped) is no unlikeness
    languages = [lang for lang in before if lang in after] or list(dict.fromkeys([*before, *after]))
    ratios = []
    for lang in languages:
        matcher = difflib.SequenceMatcher(None, before.get(lang, ""), after.get(lang, ""), autojunk=False)
        ratios.append(matcher.ratio() if matcher.quick_ratio() >= SIMILAR / 2 else 0.0)
    return sum(ratios) / len(ratios) if ratios else 1.0


def _block_texts(block: Block) -> dict[str, str]:
    joined = {lang: " ".join(text.value for text in paragraphs) for lang, paragraphs in block.texts}
    return {lang: " ".join(text.split()) for lang, text in joined.items()}


def _block_pieces(
    old: Block | None, new: Block | None, languages: tuple[str, ...]
) -> tuple[tuple[str, tuple[tuple[Piece, ...], ...]], ...]:
    """Per language, the block's paragraphs as pieces, old and new paragraphs paired as difflib aligns
    them (a paragraph dropped from a group is deleted whole, not merged into the next). The text is as a
    layout prints it (`joined`): the data's own spaces (U+3000, no-break spaces) are kept."""
    found = []
    for lang in languages:
        before = [joined(text.value, lang) for text in (old.of(lang) or ())] if old else []
        after = [joined(text.value, lang) for text in (new.of(lang) or ())] if new else []
        if not before and not after:
            continue
        paired = _paired_paragraphs(before, after)
        found.append((lang, tuple(pieces(left or "", right or "", lang) for left, right in paired)))
    return tuple(found)


def _paired_paragraphs(before: list[str], after: list[str]) -> list[tuple[str | None, str | None]]:
    """Old and new paragraphs of a block in the new order, each deleted one where it stood: the same
    ones matched, replaced runs paired in order."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    pairs: list[tuple[str | None, str | None]] = []
    for operation, left, right, start, end in matcher.get_opcodes():
        if operation == "equal":
            pairs += zip(before[left:right], after[start:end], strict=True)
        else:
            pairs += zip_longest(before[left:right], after[start:end])
    return pairs


def _field_changes(old: Communique, new: Communique, pairs: tuple[int | None, ...]) -> Iterator[FieldChange]:
    if old.date != new.date:
        yield FieldChange("date", "", old.date.isoformat(), new.date.isoformat(), old.date_at, new.date_at)
    yield from _texts_changed("place", old.place, new.place)
    yield from _texts_changed("title", old.title, new.title)
    for number, (paired, after) in enumerate(zip(pairs, new.instruments, strict=True), 1):
        if paired is None:
            continue
        before = old.instruments[paired]
        if len(old.instruments) > 1:
            yield from _texts_changed(f"instrument {number} title", before.title, after.title)
        closing = f"instrument {number} closing" if len(new.instruments) > 1 else "closing"
        yield from _texts_changed(closing, before.closing, after.closing)
        yield from _people_changed("witness", _witnesses(before), _witnesses(after))
    old_parties = {party.key: party for party in old.parties}
    new_parties = {party.key: party for party in new.parties}
    for key in dict.fromkeys([*old_parties, *new_parties]):
        was, now = old_parties.get(key), new_parties.get(key)
        if was is None or now is None:
            yield from _texts_changed(f"party '{key}'", was.name if was else None, now.name if now else None)
            continue
        yield from _texts_changed(f"party '{key}' name", was.name, now.name)
        yield from _texts_changed(f"party '{key}' country", was.country, now.country)
        yield from _people_changed("signatory", _signatories(was), _signatories(now))


def _signatories(party: Party) -> dict[str, Signatory]:
    return {f"{party.key}-{number}": person for number, person in enumerate(party.signatories, 1)}


def _witnesses(instrument: Instrument) -> dict[str, Signatory]:
    return {f"witness-{number}": person for number, person in enumerate(instrument.witnesses, 1)}


def _people_changed(
    kind: str, before: dict[str, Signatory], after: dict[str, Signatory]
) -> Iterator[FieldChange]:
    for key in dict.fromkeys([*before, *after]):
        was, now = before.get(key), after.get(key)
        yield from _texts_changed(
            f"{kind} '{key}' name", was.name if was else None, now.name if now else None
        )
        if was and now:
            yield from _texts_changed(f"{kind} '{key}' office", was.title, now.title)
            yield from _texts_changed(f"{kind} '{key}' printed lines", was.printed, now.printed)


def _texts_changed(field: str, old: LocalizedText | None, new: LocalizedText | None) -> Iterator[FieldChange]:
    before = dict(old.entries) if old else {}
    after = dict(new.entries) if new else {}
    for lang in dict.fromkeys([*after, *before]):
        left, right = before.get(lang), after.get(lang)
        left_value = " ".join(left.value.split()) if left else ""
        right_value = " ".join(right.value.split()) if right else ""
        if left_value != right_value:
            yield FieldChange(
                field,
                lang,
                left_value,
                right_value,
                left.location if left else None,
                right.location if right else None,
            )


def _same_version(instrument: TypesetInstrument | None, lang: str) -> Version | None:
    versions = instrument.versions if instrument else ()
    return next((version for version in versions if version.lang == lang), None)


def _marked_version(
    version: Version,
    old: Version | None,
    rows: tuple[Row, ...],
    changes: dict[tuple[int | None, int | None], BlockChange],
) -> Version:
    """`version` with its changed blocks marked, deleted blocks put back, and its title, closing and
    signature lines marked where they changed."""
    lang = version.lang
    blocks: list[TypesetBlock] = []
    for old_index, new_index, kind in rows:
        if new_index is None:
            blocks += _deleted_block(old, old_index)
            continue
        block = version.blocks[new_index]
        change = changes.get((None if old_index is None else old_index + 1, new_index + 1))
        if kind == "same" or change is None:
            blocks.append(block)
        elif block.pending:  # a translation withdrawn: what it said, struck through, in the notice's place
            withdrawn = _deleted_block(old, old_index)
            blocks += withdrawn if withdrawn[0].paragraphs else [block]
        else:
            blocks.append(_marked_block(block, change, lang))
    if old is None:
        return dataclasses.replace(version, blocks=tuple(blocks))
    title_lines = _marked_lines(old.title_lines, version.title_lines, lang)
    closing = version.closing
    if closing and old.closing and closing.text != old.closing.text:
        closing = _merged_rich(old.closing.text, closing.text, lang)
    return dataclasses.replace(
        version,
        blocks=tuple(blocks),
        title_lines=title_lines,
        closing=closing,
        signatures=_marked_signatures(version.signatures, old.signatures, lang),
        witnesses=_marked_signatures(version.witnesses, old.witnesses, lang),
    )


def _marked_lines(
    before: tuple[RichText, ...], after: tuple[RichText, ...], lang: str
) -> tuple[RichText, ...]:
    """A title's lines as they changed, aligned by difflib: a line dropped is struck where it stood."""
    matcher = difflib.SequenceMatcher(
        None, [line.text for line in before], [line.text for line in after], autojunk=False
    )
    lines: list[RichText] = []
    for operation, left, right, start, end in matcher.get_opcodes():
        if operation == "equal":
            lines += after[start:end]
        else:
            lines += [
                _marked_line(old, new, lang) for old, new in zip_longest(before[left:right], after[start:end])
            ]
    return tuple(lines)


def _marked_line(before: RichText | None, after: RichText | None, lang: str) -> RichText:
    """A title line as it changed: struck through where the new draft drops it."""
    if after is None:
        return _all(before, DELETED) if before else RichText("", ())
    if before is not None and before.text == after.text:
        return after
    return _merged_rich(before.text if before else "", after.text, lang, phrased=True)


def _deleted_block(old: Version | None, index: int | None) -> list[TypesetBlock]:
    """The old draft's block `index` struck through (an empty block where the version had no text, so
    that every version keeps as many blocks as the others: layouts set them side by side)."""
    if old is None or index is None or index >= len(old.blocks) or old.blocks[index].pending:
        return [TypesetBlock("paragraph", ())]  # the version had no text here: an empty place in its row
    block = old.blocks[index]
    return [
        dataclasses.replace(
            block,
            paragraphs=tuple(_all(paragraph, DELETED) for paragraph in block.paragraphs),
            label=_all(block.label, DELETED) if block.label else None,
        )
    ]


def _marked_block(block: TypesetBlock, change: BlockChange, lang: str) -> TypesetBlock:
    """`block` with its paragraphs marked as `change` found them (paragraphs deleted from the block
    struck through where they stood)."""
    if change.kind == "inserted":
        return dataclasses.replace(
            block,
            paragraphs=tuple(_all(paragraph, INSERTED) for paragraph in block.paragraphs),
            label=_all(block.label, INSERTED) if block.label else None,
        )
    marked, kept = [], iter(block.paragraphs)
    for found in dict(change.pieces).get(lang, ()):
        deleted = bool(found) and all(piece.change == DELETED for piece in found)
        paragraph = None if deleted else next(kept, None)
        rich = _rich_from_pieces(found, lang) if _differs((found,)) or paragraph is None else paragraph
        marked.append(_all(rich, MOVED) if change.kind == "moved" else rich)
    marked += list(kept)
    return dataclasses.replace(block, paragraphs=tuple(marked))


def _marked_signatures(
    blocks: tuple[SignatureBlock, ...], old: tuple[SignatureBlock, ...], lang: str
) -> tuple[SignatureBlock, ...]:
    before = {block.signer: block for block in old}
    marked = []
    for block in blocks:
        previous = before.get(block.signer)
        if previous is None:
            marked.append(
                dataclasses.replace(
                    block, rich_lines=tuple(_all(line, INSERTED) for line in block.rich_lines)
                )
            )
            continue
        lines = tuple(
            _merged_rich(prior.text if prior else "", line.text, lang)
            if prior is None or prior.text != line.text
            else line
            for prior, line in zip_longest(previous.rich_lines, block.rich_lines)
            if line is not None
        )
        marked.append(dataclasses.replace(block, rich_lines=lines))
    return tuple(marked)


def _merged_rich(old: str, new: str, lang: str, phrased: bool = False) -> RichText:
    return _rich_from_pieces(pieces(old, new, lang), lang, phrased)


def _rich_from_pieces(found: tuple[Piece, ...], lang: str, phrased: bool = False) -> RichText:
    """The pieces' text prepared for layout as any text is, each inserted or deleted stretch marked."""
    text = "".join(piece.text for piece in found)
    rich = rich_text(text, lang, phrased=phrased)
    spans, position = [], 0
    for piece in found:
        if piece.change:
            spans.append((position, position + len(piece.text), piece.change))
        position += len(piece.text)
    return _with_spans(rich, spans)


def _with_spans(rich: RichText, spans: list[tuple[int, int, str]]) -> RichText:
    """`rich` with the class of each (start, end, class) span added to the runs it covers, runs split at
    its edges; runs whose characters are not the text's (none are, but a layout must never show a
    mark on the wrong words) leave the text unmarked and whole, in one run per change."""
    runs_text = "".join(run.text for phrase in rich.phrases for run in phrase)
    if runs_text != rich.text:
        return RichText(rich.text, (tuple(Run(rich.text[a:b], c) for a, b, c in _cover(rich.text, spans)),))
    phrases = []
    position = 0
    for phrase in rich.phrases:
        runs: list[Run] = []
        for run in phrase:
            start, end = position, position + len(run.text)
            cuts = sorted({start, end, *(edge for a, b, _ in spans for edge in (a, b) if start < edge < end)})
            for left, right in pairwise(cuts):
                change = next((c for a, b, c in spans if a <= left and right <= b), "")
                styles = run.style.split()
                marked = change and not any(part in _CHANGES for part in styles)
                runs.append(
                    Run(
                        run.text[left - start : right - start],
                        " ".join([*styles, change] if marked else styles),
                    )
                )
            position = end
        phrases.append(_kept_within_changes(runs))
    return dataclasses.replace(rich, phrases=tuple(phrases))


_CHANGES = (INSERTED, DELETED, MOVED)


def _kept_within_changes(runs: list[Run]) -> tuple[Run, ...]:
    """`runs` with each unbreakable group (a date, a name: runs marked `keep`) left whole where it lies
    within one change or none, and breakable where a change's edge falls inside it: a change is one
    span, and spans nest."""
    result = list(runs)
    start = 0
    while start < len(result):
        if "keep" not in result[start].style.split():
            start += 1
            continue
        end = start
        while end < len(result) and "keep" in result[end].style.split():
            end += 1
        changes = {tuple(part for part in run.style.split() if part in _CHANGES) for run in result[start:end]}
        if len(changes) > 1:
            for index in range(start, end):
                styles = [part for part in result[index].style.split() if part != "keep"]
                result[index] = Run(result[index].text, " ".join(styles))
        start = end
    return tuple(result)


def _cover(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`spans` with the stretches between them, unmarked, so that together they cover `text`."""
    covered, position = [], 0
    for start, end, change in spans:
        if start > position:
            covered.append((position, start, ""))
        covered.append((start, end, change))
        position = end
    if position < len(text):
        covered.append((position, len(text), ""))
    return covered


def _all(rich: RichText, change: str) -> RichText:
    return _with_spans(rich, [(0, len(rich.text), change)]) if rich.text else rich


def _place(block: Block | None, index: int | None) -> dict[str, object] | None:
    if block is None or index is None:
        return None
    return {"block": index, **(_location(block.location) or {})}


def _location(location: SourceLocation | None) -> dict[str, object] | None:
    if location is None:
        return None
    return {"file": location.path, "line": location.line, "column": location.column}


def _block_dict(change: BlockChange) -> dict[str, object]:
    return {
        "kind": change.kind,
        "instrument": change.instrument,
        "old": _place(change.old, change.old_index),
        "new": _place(change.new, change.new_index),
        "changed": list(change.languages),
        "versions": {
            lang: {
                "inserted": [
                    piece.text for paragraph in paragraphs for piece in paragraph if piece.change == INSERTED
                ],
                "deleted": [
                    piece.text for paragraph in paragraphs for piece in paragraph if piece.change == DELETED
                ],
            }
            for lang, paragraphs in change.pieces
        },
    }
