"""Forms of the public stay calculator page."""

from __future__ import annotations

import datetime

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from legal.stay import StayPeriod, stay_input_errors

MAX_STAYS = 50
STAYS_PREFIX = "stays"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class StayCalculatorForm(forms.Form):
    on = forms.DateField(
        label=_("Date of the calculation"),
        help_text=_("Usually today, or the day you plan to enter."),
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput(),
    )


class StayForm(forms.Form):
    entry = forms.DateField(label=_("Entry date"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    exit = forms.DateField(
        label=_("Exit date"),
        required=False,
        help_text=_("Leave empty if you are still in Russia."),
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput(),
    )


StayFormSet = forms.formset_factory(StayForm, extra=2, max_num=MAX_STAYS, validate_max=True, absolute_max=MAX_STAYS)


def stay_formset(data: QueryDict | None = None, *, add_row: bool = False) -> forms.BaseFormSet:
    """The stays formset; with `add_row`, the submitted rows plus one empty row."""
    if data is not None and add_row:
        data = data.copy()
        key = f"{STAYS_PREFIX}-TOTAL_FORMS"
        try:
            total = int(data.get(key, "0"))
        except ValueError:
            total = 0
        data[key] = str(min(total + 1, MAX_STAYS))
    return StayFormSet(data, prefix=STAYS_PREFIX)


def stay_history_from_forms(
    *, form: StayCalculatorForm, formset: forms.BaseFormSet
) -> tuple[list[StayPeriod], datetime.date] | None:
    """The stays and the date of the calculation, or None with the errors added to the forms.

    The rules are those of the JSON API (`legal.stay.stay_input_errors`), so page and API agree.
    """
    if not (form.is_valid() and formset.is_valid()):
        return None
    rows = [row for row in formset.forms if row.has_changed() and row.cleaned_data.get("entry")]
    stays = [StayPeriod(entry=row.cleaned_data["entry"], exit=row.cleaned_data.get("exit")) for row in rows]
    on = form.cleaned_data["on"]
    errors = stay_input_errors(stays=stays, on=on)
    for error in errors:
        target = form if error.index is None else rows[error.index]
        target.add_error(error.field, error.message)
    return None if errors else (stays, on)
