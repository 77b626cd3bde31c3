"""Forms of the plan grid and the mobile visit entry: they turn typed text into values and
name the cell that is wrong; the rules are in ``sites.services.plans``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.models import Committee
from sites.counts import parse_count
from sites.models import Site, SitePlan
from sites.services.plans import PlanCell


@dataclass
class PlanGridRow:
    site: Site
    cells: list[forms.BoundField | None]  # one per day; None where the site is closed


class PlanGridForm(forms.Form):
    """Sites × days of one week; a cell holds the day's planned doses or is blank. Days a
    site is closed, or outside the campaign (``campaign_days``), have no cell."""

    def __init__(
        self,
        *args,
        sites: Sequence[Site],
        days: Sequence[date],
        stored: Iterable[SitePlan],
        editable_from: date | None,
        campaign_days: set[date] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.sites, self.days = list(sites), list(days)
        self.stored = {(plan.site_id, plan.date): plan.planned_doses for plan in stored}
        for site in self.sites:
            for day in self.days:
                if not site.is_open_on(day):
                    continue
                if campaign_days is not None and day not in campaign_days:
                    continue
                locked = editable_from is not None and day < editable_from
                self.fields[self._name(site, day)] = forms.CharField(
                    label=f"{site.name} · {day:%m-%d}",
                    required=False,
                    disabled=locked,
                    initial=self.stored.get((site.pk, day), ""),
                    widget=forms.TextInput(
                        attrs={
                            "inputmode": "numeric",
                            "autocomplete": "off",
                            "class": "cell",
                            "data-day": day.isoformat(),
                            "aria-label": f"{site.name} {day:%Y-%m-%d}",
                        }
                    ),
                )

    @staticmethod
    def _name(site: Site, day: date) -> str:
        return f"plan-{site.pk}-{day:%Y%m%d}"

    def rows(self) -> list[PlanGridRow]:
        return [
            PlanGridRow(
                site=site,
                cells=[
                    self[self._name(site, day)] if self._name(site, day) in self.fields else None
                    for day in self.days
                ],
            )
            for site in self.sites
        ]

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if field.disabled:
                continue
            try:
                cleaned[name] = parse_count(cleaned.get(name))
            except ValidationError as error:
                self.add_error(name, error.messages[0])
        return cleaned

    def cells(self) -> list[PlanCell]:
        """Every editable cell: blank ones clear a stored plan."""
        return [
            PlanCell(site_id=site.pk, date=day, planned_doses=self.cleaned_data[name])
            for site in self.sites
            for day in self.days
            if (name := self._name(site, day)) in self.fields and not self.fields[name].disabled
        ]


class MobileVisitForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=gettext_lazy("Mobile team"))
    date = forms.DateField(
        label=gettext_lazy("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    committee = forms.ModelChoiceField(
        queryset=Committee.objects.none(),
        required=False,
        label=gettext_lazy("Residential committee"),
    )
    compound = forms.CharField(
        label=gettext_lazy("Compound"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("The compound, building or business park, e.g. 水泉路99弄."),
    )
    doses = forms.CharField(
        label=gettext_lazy("Doses given there"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args, sites, committees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["committee"].queryset = committees
        self.fields["committee"].label_from_instance = lambda c: c.name

    def clean_doses(self):
        try:
            return parse_count(self.cleaned_data.get("doses"))
        except ValidationError as error:
            raise ValidationError(error.messages[0]) from error

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("committee") and not (cleaned.get("compound") or "").strip():
            raise ValidationError(_("Give the committee or the compound visited."))
        return cleaned
