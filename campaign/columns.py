"""What people write in a column of a file: the values of a choice field and the headers.

One parser per choice field, built from the model's own choices: the code (``fixed``), the
Chinese label the admin shows (固定接种点), the English label (fixed site) and the short
forms people type (固定). An unknown value is refused with the valid values listed in the
user's language. Headers are matched the same way: the Chinese header, the field's code
name or an English alias, so an error can name the column as the file does."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import resources, widgets


def normalized(text: object) -> str:
    """Compare as people mean it: full-width forms folded (NFKC), case and spaces ignored."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip().lstrip("\ufeff")
    return "".join(value.split()).casefold()


class ChoiceColumn:
    """The accepted spellings of one choice field's values."""

    def __init__(
        self, choices: Iterable[tuple[str, object]], short_forms: Mapping[str, str] | None = None
    ) -> None:
        self.choices = list(choices)  # (code, lazy label)
        self.short_forms = dict(short_forms or {})
        self._spelled: dict[str, str] | None = None

    def _spellings(self) -> dict[str, str]:
        """Every accepted spelling (normalized) -> its code, in both languages whatever the
        active one: built once, on the first value read (the translations are loaded by
        then), not once a row (rebuilding it was most of a 100,000-row import's check)."""
        if self._spelled is None:
            self._spelled = self._spell()
        return self._spelled

    def _spell(self) -> dict[str, str]:
        spellings: dict[str, str] = {}
        for code, label in self.choices:
            spellings[normalized(code)] = code
            spellings[normalized(code.replace("_", " "))] = code
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    spellings[normalized(str(label))] = code
        for written, code in self.short_forms.items():
            spellings[normalized(written)] = code
        return spellings

    def valid_values(self) -> str:
        """The labels in the active language, each with its code."""
        return "、".join(f"{label} ({code})" for code, label in self.choices)

    def parse(self, text: object) -> str:
        code = self._spellings().get(normalized(text))
        if code is None:
            raise ValidationError(
                _("“%(value)s” is not a valid value; use one of: %(valid)s.")
                % {"value": str(text or "").strip(), "valid": self.valid_values()},
                code="invalid_choice",
            )
        return code

    def label(self, code: str) -> str:
        return str(dict(self.choices).get(code, code))


# --- django-import-export: the admin imports and ``manage.py load_campaign`` alike


class ChoiceWidget(widgets.Widget):
    """A choice column read with its ``ChoiceColumn``; written as the label."""

    def __init__(self, column: ChoiceColumn) -> None:
        super().__init__()
        self.column = column

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        if value is None or str(value).strip() == "":
            return None
        try:
            return self.column.parse(value)
        except ValidationError as error:
            # import-export reports a ValueError as the row's error in that column.
            raise ValueError(error.messages[0]) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return self.column.label(value) if value else ""


class CodeWidget(widgets.ForeignKeyWidget):
    """A row referring to a district, subdistrict, committee (or campaign) by its code."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        if not text:
            return None
        found = self.get_queryset(text, row, **kwargs).filter(**{self.field: text}).first()
        if found is None:
            raise ValueError(
                _("No %(model)s has the code “%(code)s”.")
                % {"model": self.model._meta.verbose_name, "code": text}
            )
        return found


class FileColumnsResource(resources.ModelResource):
    """A resource whose file may have Chinese or English headers.

    Each field's ``column_name`` is its Chinese header; its name and ``english_headers``
    are accepted too. The headers are renamed to the Chinese ones before the rows are read,
    and every error is named by the header the file itself has."""

    #: field name -> further English headers accepted for it
    english_headers: dict[str, tuple[str, ...]] = {}
    #: field name -> the value of the template's example row (clearly not real)
    example_row: dict[str, str] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file_headers: dict[str, str] = {}

    @classmethod
    def template_headers(cls, language: str) -> list[str]:
        resource = cls()
        fields = resource.get_import_fields()
        if language.startswith("en"):
            return [name for name, field in resource.fields.items() if field in fields]
        return [str(field.column_name) for field in fields]

    @classmethod
    def template_rows(cls) -> list[list[str]]:
        resource = cls()
        names = [n for n, f in resource.fields.items() if f in resource.get_import_fields()]
        return [[cls.example_row.get(name, "") for name in names]]

    def _header_names(self) -> dict[str, str]:
        """Every accepted header (normalized) -> the field's ``column_name``."""
        names: dict[str, str] = {}
        for name, field in self.fields.items():
            column = str(field.column_name)
            for header in (column, name, *self.english_headers.get(name, ())):
                names[normalized(header)] = column
        return names

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        accepted = self._header_names()
        headers = []
        for header in dataset.headers or []:
            column = accepted.get(normalized(header))
            if column is not None:
                self.file_headers[column] = str(header).strip().lstrip("\ufeff")
            headers.append(column or header)
        dataset.headers = headers
        missing = [
            str(self.fields[name].column_name)
            for name in self._meta.import_id_fields
            if name in self.fields and self.fields[name].column_name not in headers
        ]
        if missing:
            raise ValueError(
                _("The file has no column %(columns)s: the first row must hold the headers.")
                % {"columns": "、".join(missing)}
            )

    def column_as_in_file(self, key: str) -> str:
        """A field's (or model field's) name as the file's header writes it."""
        for field in self.fields.values():
            if key in {field.attribute, field.column_name}:
                column = str(field.column_name)
                return self.file_headers.get(column, column)
        return key

    def _renamed(self, error: ValidationError) -> ValidationError:
        if not hasattr(error, "error_dict"):
            return error
        return ValidationError(
            {
                (key if key == NON_FIELD_ERRORS else self.column_as_in_file(key)): messages
                for key, messages in error.error_dict.items()
            }
        )

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise self._renamed(error) from None
