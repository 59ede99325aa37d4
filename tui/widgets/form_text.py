"""A one-line input (text, numbers, money in yuan, dates, months, terms, identifiers) with a
Validator that speaks the users' words (store.formmodel.parse)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.validation import ValidationResult, Validator
from textual.widgets import Input

from store.rules import formmodel as fm
from store.core import i18n

from .form_row import FieldRow
from .steady_input import SteadyInput

_PLACEHOLDERS = {fm.DATE: "forms.field.placeholder_date", fm.MONTH: "forms.field.placeholder_month",
                 fm.TERM: "forms.field.placeholder_term", fm.MONEY: "forms.field.placeholder_money",
                 fm.DATETIME: "forms.field.placeholder_datetime"}


class FieldValidator(Validator):
    def __init__(self, field: fm.Field) -> None:
        super().__init__()
        self.field = field

    def validate(self, value: str) -> ValidationResult:
        try:
            fm.parse(self.field, value)
        except fm.ConversionError as exc:
            return self.failure(exc.text())
        return self.success()


class TextRow(FieldRow):
    def compose_input(self) -> ComposeResult:
        # Validated as typed, and marked from the value it starts with (SteadyInput): validating
        # again on leaving the field found the same, at every Tab of a burst.
        yield SteadyInput(value=self.initial or "", placeholder=self._placeholder(), validators=[FieldValidator(self.field)],
                    validate_on=["changed"], compact=True, classes="field-input", id=f"{self.field.widget_id}-input")

    def _placeholder(self) -> str:
        if self.field.kind == fm.PROTECTED:
            masked = self.original.get("masked") if isinstance(self.original, dict) else None
            return (i18n.t("forms.field.protected_keep", masked=masked) if masked
                    else i18n.t("forms.field.protected_new"))
        key = _PLACEHOLDERS.get(self.field.kind)
        return i18n.t(key) if key else ""

    @property
    def value(self) -> str:
        return self.query_one(Input).value

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.set_errors(result.failure_descriptions[:1])
        elif self.errors:
            self.set_errors([])   # the form's next check puts back whatever still applies
        self.changed()
