"""Building the model from a checked data file: texts keep their positions and exact raw form."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from communique.dates import default_form
from communique.errors import DataError
from communique.images import image_problem
from communique.loader.yaml_tree import YamlTree
from communique.model import Communique, LocalizedText, Party, Signatory, Text, Where


class ModelBuilder:
    """Turns the checked values of `tree` into a Communique; image problems are collected in `problems`."""

    def __init__(self, tree: YamlTree, source: Path, folder: Path):
        self.tree = tree
        self.source = source
        self.folder = folder
        self.languages: tuple[str, ...] = tuple(tree.value["languages"])
        self.problems: list[DataError] = []

    def communique(self) -> Communique:
        """The document, with every field of the data file."""
        fields = self.tree.value
        parties = tuple(self._party(index) for index in range(len(fields["parties"])))
        keys = tuple(party.key for party in parties)
        order = fields.get("signature_order", {})
        closing = fields.get("closing")
        forms = fields.get("closing_form", {})
        return Communique(
            source=self.source,
            id=fields["id"],
            date=datetime.date.fromisoformat(fields["date"]),
            place=self._localized(("place",)) if "place" in fields else None,
            languages=self.languages,
            layout=fields.get("layout"),
            layout_at=self.tree.locate(("layout",)) if "layout" in fields else None,
            paper=fields.get("paper"),
            title=self._localized(("title",)),
            subject=self._localized(("subject",)) if "subject" in fields else None,
            keywords=tuple(fields.get("keywords", ())),
            parties=parties,
            body=tuple(self._localized(("body", index)) for index in range(len(fields["body"]))),
            closing=self._localized(("closing",)) if isinstance(closing, dict) else LocalizedText(()),
            closing_form=tuple(
                (
                    lang,
                    "none" if closing == "none" else forms.get(lang, default_form(lang, "place" in fields)),
                )
                for lang in self.languages
            ),
            closing_position=fields.get("closing_position", "end"),
            japanese_era=fields.get("japanese_era", False),
            signature_order=tuple((lang, tuple(order.get(lang, keys))) for lang in self.languages),
        )

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

    def _party(self, index: int) -> Party:
        where: Where = ("parties", index)
        fields = self._get(where)
        signatories = tuple(
            Signatory(
                title=self._localized((*where, "signatories", number, "title")),
                name=self._localized((*where, "signatories", number, "name")),
                signature=self._image((*where, "signatories", number, "signature"), "signature")
                if "signature" in signer
                else None,
            )
            for number, signer in enumerate(fields["signatories"])
        )
        return Party(
            key=fields["key"],
            name=self._localized((*where, "name")),
            country=self._localized((*where, "country")),
            signatories=signatories,
            seal=self._image((*where, "seal"), "seal") if "seal" in fields else None,
        )

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
        if not image.is_file():
            self.problems.append(
                DataError(
                    f"{kind} image '{name}' does not exist", location, "give a path relative to the data file"
                )
            )
            return None
        problem = image_problem(image)
        if problem:
            self.problems.append(
                DataError(f"{kind} image '{name}' {problem}", location, "use a PNG or SVG image")
            )
            return None
        return image
