"""Building the model from a checked data file: texts keep their positions and exact raw form."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from communique.dates import default_form
from communique.errors import DataError, quoted
from communique.images import image_problem
from communique.loader.yaml_tree import YamlTree
from communique.model import (
    Acceptance,
    Block,
    Communique,
    ImageWithoutAlt,
    Instrument,
    LocalizedText,
    Party,
    Principal,
    Signatory,
    Text,
    Where,
)
from communique.schema import BLOCK_KINDS


class ModelBuilder:
    """Turns the checked values of `tree` into a Communique; image problems are collected in `problems`."""

    def __init__(self, tree: YamlTree, source: Path, folder: Path):
        self.tree = tree
        self.source = source
        self.folder = folder
        self.languages: tuple[str, ...] = tuple(tree.value["languages"])
        self.problems: list[DataError] = []
        self.unlabelled: list[ImageWithoutAlt] = []

    def communique(self) -> Communique:
        """The document, with every field of the data file."""
        fields = self.tree.value
        parties = tuple(self._party(index) for index in range(len(fields["parties"])))
        if "instruments" in fields:
            instruments = tuple(
                self._instrument(("instruments", index), parties)
                for index in range(len(fields["instruments"]))
            )
        else:
            instruments = (self._instrument((), parties),)
        return Communique(
            source=self.source,
            id=fields["id"],
            date=datetime.date.fromisoformat(fields["date"]),
            date_at=self.tree.locate(("date",)),
            place=self._localized(("place",)) if "place" in fields else None,
            languages=self.languages,
            layout=fields.get("layout"),
            layout_at=self.tree.locate(("layout",)) if "layout" in fields else None,
            paper=fields.get("paper"),
            title=self._localized(("title",)),
            subject=self._localized(("subject",)) if "subject" in fields else None,
            keywords=tuple(fields.get("keywords", ())),
            parties=parties,
            instruments=instruments,
            japanese_era=fields.get("japanese_era", False),
            buddhist_era=fields.get("buddhist_era", False),
            pending=self._optional(("pending",)),
            article_format=self._optional(("article_format",)),
            images_without_alt=tuple(self.unlabelled),
            accepted=tuple(self._acceptance(index) for index in range(len(fields.get("accept", [])))),
        )

    def _acceptance(self, index: int) -> Acceptance:
        """The `accept` entry `index`: a difference between versions the check is to accept."""
        where: Where = ("accept", index)
        fields = self._get(where)
        return Acceptance(
            kind=fields["kind"],
            where=fields["where"],
            value=fields["value"],
            reason=fields["because"],
            location=self.tree.locate(where),
        )

    def _instrument(self, where: Where, parties: tuple[Party, ...]) -> Instrument:
        fields = self._get(where)
        closing = fields.get("closing")
        forms = fields.get("closing_form", {})
        order = fields.get("signature_order", {})
        signing = [
            party.key for party in parties if party.key in fields.get("signed_by", [p.key for p in parties])
        ]
        has_place = "place" in self.tree.value
        return Instrument(
            title=self._localized((*where, "title")),
            subject=self._localized((*where, "subject")) if "subject" in fields else None,
            body=tuple(self._blocks((*where, "body"))),
            closing=self._localized((*where, "closing")) if isinstance(closing, dict) else LocalizedText(()),
            closing_form=tuple(
                (lang, "none" if closing == "none" else forms.get(lang, default_form(lang, has_place)))
                for lang in self.languages
            ),
            closing_position=fields.get("closing_position", "end"),
            signature_order=tuple((lang, tuple(order.get(lang, signing))) for lang in self.languages),
            witnesses=tuple(
                self._person((*where, "witnesses", number))
                for number in range(len(fields.get("witnesses", [])))
            ),
            witness_label=self._optional((*where, "witness_label")),
            pending=self._pending(where),
        )

    def _pending(self, where: Where) -> LocalizedText:
        """The notices of the languages pending in the instrument at `where`: its own and the file's."""
        own = self._optional((*where, "pending")) if where else LocalizedText(())
        whole = self._optional(("pending",))
        return LocalizedText(
            tuple(
                (lang, text)
                for lang in self.languages
                if (text := own.get(lang) or whole.get(lang)) is not None
            )
        )

    def _blocks(self, where: Where) -> list[Block]:
        """The body's blocks; a list becomes one block per item."""
        blocks = []
        for index, fields in enumerate(self._get(where)):
            at: Where = (*where, index)
            kind = next((name for name in BLOCK_KINDS if name in fields), "paragraph")
            if kind == "list":
                blocks += [
                    self._block("item", (*at, "items", number), fields["list"], number + 1)
                    for number in range(len(fields["items"]))
                ]
            elif kind == "paragraph":
                blocks.append(self._block(kind, at))
            elif kind == "article" and fields["article"] is True:
                blocks.append(Block(kind, (), self.tree.locate(at)))
            else:
                blocks.append(self._block(kind, (*at, kind), fields.get("numbering", "none")))
        return blocks

    def _block(self, kind: str, where: Where, style: str = "", index: int = 0) -> Block:
        given = self._get(where)
        texts = tuple(
            (lang, tuple(self._paragraphs((*where, lang), given[lang])))
            for lang in self.languages
            if lang in given
        )
        return Block(kind, texts, self.tree.locate(where), style, index)

    def _paragraphs(self, where: Where, value: str | list[str]) -> list[Text]:
        if isinstance(value, str):
            return [self._text(where)]
        return [self._text((*where, number)) for number in range(len(value))]

    def _optional(self, where: Where) -> LocalizedText:
        """A per-language text given for some languages only (empty where the field is absent)."""
        given = self._get(where[:-1]) if where[:-1] else self.tree.value
        return self._localized(where) if where[-1] in given else LocalizedText(())

    def _text(self, where: Where) -> Text:
        node_value = self._get(where)
        return Text(str(node_value), self.tree.locate(where), self.tree.raw(where))

    def _get(self, where: Where) -> Any:
        value: Any = self.tree.value
        for part in where:
            value = value[part]
        return value

    def _localized(self, where: Where) -> LocalizedText:
        given = self._get(where)
        return LocalizedText(
            tuple((lang, self._text((*where, lang))) for lang in self.languages if lang in given)
        )

    def _person(self, where: Where) -> Signatory:
        fields = self._get(where)
        behalf = fields.get("on_behalf_of")
        principal = (
            Principal(
                self._localized((*where, "on_behalf_of", "title")),
                self._localized((*where, "on_behalf_of", "name")),
                self._optional((*where, "on_behalf_of", "marker")),
            )
            if behalf
            else None
        )
        return Signatory(
            title=self._localized((*where, "title")),
            name=self._localized((*where, "name")),
            signature=self._image((*where, "signature"), "signature") if "signature" in fields else None,
            signature_alt=self._alt(where, "signature"),
            name_position=tuple(fields.get("name_position", {}).items()),
            printed=self._printed((*where, "printed")),
            printed_name=self._printed_name((*where, "printed")),
            on_behalf_of=principal,
        )

    def _printed(self, where: Where) -> LocalizedText:
        """The lines given word for word, per language: a text, or a list of lines joined by line breaks."""
        given = self._get(where[:-1]).get(where[-1], {})
        return LocalizedText(
            tuple(
                (lang, self._text((*where, lang)) if isinstance(lines, str) else self._lines((*where, lang)))
                for lang in self.languages
                if (lines := given.get(lang)) is not None
            )
        )

    def _lines(self, where: Where) -> Text:
        """A list of printed lines as one text, line after line (each `{name: ...}` its name)."""
        lines = [line["name"] if isinstance(line, dict) else line for line in self._get(where)]
        return Text("\n".join(lines), self.tree.locate(where), self.tree.raw(where))

    def _printed_name(self, where: Where) -> LocalizedText:
        """Per language whose printed lines mark one `{name: ...}`: that line."""
        given = self._get(where[:-1]).get(where[-1], {})
        marked = (
            (lang, next((number for number, line in enumerate(lines) if isinstance(line, dict)), None))
            for lang in self.languages
            if isinstance(lines := given.get(lang), list)
        )
        return LocalizedText(
            tuple(
                (lang, self._text((*where, lang, number, "name")))
                for lang, number in marked
                if number is not None
            )
        )

    def _party(self, index: int) -> Party:
        where: Where = ("parties", index)
        fields = self._get(where)
        return Party(
            key=fields["key"],
            name=self._localized((*where, "name")),
            country=self._localized((*where, "country")),
            signatories=tuple(
                self._person((*where, "signatories", number))
                for number in range(len(fields.get("signatories", [])))
            ),
            seal=self._image((*where, "seal"), "seal") if "seal" in fields else None,
            seal_alt=self._alt(where, "seal"),
        )

    def _alt(self, where: Where, kind: str) -> LocalizedText:
        """The text alternatives of the `kind` image at `where`, and a note of the languages without one."""
        fields = self._get(where)
        alt = self._optional((*where, f"{kind}_alt"))
        if f"{kind}_alt" in fields and kind not in fields:
            self.problems.append(
                DataError(
                    f"{kind}_alt describes a {kind} image, but there is no '{kind}'",
                    self.tree.locate((*where, f"{kind}_alt"), key=True),
                    f"add the {kind} image, or remove {kind}_alt",
                )
            )
        missing = tuple(lang for lang in self.languages if alt.get(lang) is None)
        if kind in fields and missing:
            self.unlabelled.append(
                ImageWithoutAlt(
                    f"{kind} image {quoted(str(fields[kind]))}",
                    f"{kind}_alt",
                    self.tree.locate((*where, kind)),
                    missing,
                )
            )
        return alt

    def _image(self, where: Where, kind: str) -> Path | None:
        name = str(self._get(where))
        location = self.tree.locate(where)
        image = (self.folder / name).resolve()
        if not image.is_relative_to(self.folder):
            self.problems.append(
                DataError(
                    f"{kind} image '{name}' is outside the data file's folder",
                    location,
                    "keep images next to the data file or in a folder below it",
                )
            )
            return None
        try:
            found = image.is_file()
        except OSError as error:  # a name the file system refuses (too long)
            self.problems.append(
                DataError(
                    f"{kind} image {quoted(name)} cannot be used: {error.strerror}", location, _IMAGE_HINT
                )
            )
            return None
        if not found:
            self.problems.append(DataError(f"{kind} image '{name}' does not exist", location, _IMAGE_HINT))
            return None
        problem = image_problem(image)
        if problem:
            self.problems.append(
                DataError(f"{kind} image '{name}' {problem}", location, "use a PNG or SVG image")
            )
            return None
        return image


_IMAGE_HINT = "give a path relative to the data file"
