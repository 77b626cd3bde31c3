"""Forms only parse what the user typed; the rules are in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MilestoneNoteForm(forms.Form):
    area = forms.CharField(widget=forms.HiddenInput)
    date = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    text = forms.CharField(
        label=_("Note"),
        max_length=200,
        help_text=_("A visit, an event: at most 200 characters."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
