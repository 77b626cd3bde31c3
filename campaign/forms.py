"""Phone-friendly forms for buildings and their counts. They only turn typed text into
values; the rules (residents, dates, counts) are in ``campaign.services``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NUMBER = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})


class BuildingForm(forms.Form):
    name = forms.CharField(label=_("Building name"), max_length=100)
    residents = forms.IntegerField(label=_("Residents"), min_value=1, widget=NUMBER)
    address = forms.CharField(label=_("Address (optional)"), max_length=200, required=False)


class BuildingCountForm(forms.Form):
    date = forms.DateField(
        label=_("Counted on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    vaccinated = forms.IntegerField(
        label=_("Residents vaccinated"),
        min_value=0,
        widget=NUMBER,
        help_text=_("Residents of the building with at least one dose."),
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: by field where the form has it."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
