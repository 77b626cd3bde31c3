"""The entry grid: one site, one date, committees (plus non-residents) × dose kinds.

The form only turns typed text into numbers and names the cell that is wrong; the rules
of what may be saved are in ``sites.services.tallies.record_tallies``. A stored cell sent
empty is cleared back to "not reported" (a cell left out of the post is left alone).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.models import Committee
from sites.counts import parse_count
from sites.models import DailyTally, Site
from sites.services.tallies import TallyCell

DOSE_KINDS = list(DailyTally.DoseKind)
NON_RESIDENT = "nr"


def version_name(count_name: str) -> str:
    """The hidden version field beside a count field: count-12-first → version-12-first."""
    return count_name.replace("count-", "version-", 1)


@dataclass
class GridRow:
    committee: Committee | None
    label: str
    fields: list[tuple[forms.BoundField, forms.BoundField]]  # (count, version) per dose kind


class TallyGridForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Needed when you change a value of an earlier day."),
    )
    capacity_confirmed = forms.BooleanField(
        label=gettext_lazy("Yes, the site really gave more doses than its daily capacity."),
        required=False,
    )

    def __init__(
        self,
        *args,
        site: Site,
        on: date,
        committees: Iterable[Committee],
        with_non_residents: bool,
        stored: Iterable[DailyTally],
        read_only: bool = False,
        **kwargs,
    ):
        self.site, self.on = site, on
        self.row_keys: list[tuple[str, Committee | None, str]] = [
            (str(c.pk), c, c.name) for c in committees
        ]
        if with_non_residents:
            self.row_keys.append((NON_RESIDENT, None, _("Non-residents")))
        self.stored = {(t.committee_id, t.dose_kind): t for t in stored}
        super().__init__(*args, **kwargs)
        self.fields["reason"].disabled = read_only
        for row_key, committee, label in self.row_keys:
            for dose in DOSE_KINDS:
                tally = self.stored.get((committee.pk if committee else None, dose.value))
                name = f"{row_key}-{dose.value}"
                self.fields[f"count-{name}"] = forms.CharField(
                    label=f"{label} · {dose.label}",
                    required=False,
                    initial=tally.count if tally else "",
                    disabled=read_only,
                    widget=forms.TextInput(
                        attrs={
                            "inputmode": "numeric",
                            "enterkeyhint": "next",
                            "autocomplete": "off",
                            "class": "cell",
                            "data-dose": dose.value,
                            "aria-label": f"{label} {dose.label}",
                        }
                    ),
                )
                self.fields[f"version-{name}"] = forms.IntegerField(
                    required=False,
                    initial=tally.version if tally else None,
                    widget=forms.HiddenInput,
                )

    def has_typed_counts(self) -> bool:
        """Whether the post carries a number in any cell (before "nobody came" clears them)."""
        return any(
            (self.data.get(f"count-{row_key}-{dose.value}") or "").strip()
            for row_key, _committee, _label in self.row_keys
            for dose in DOSE_KINDS
        )

    def rows(self) -> list[GridRow]:
        return [
            GridRow(
                committee=committee,
                label=label,
                fields=[
                    (self[f"count-{row_key}-{dose.value}"], self[f"version-{row_key}-{dose.value}"])
                    for dose in DOSE_KINDS
                ],
            )
            for row_key, committee, label in self.row_keys
        ]

    def rows_by_use(
        self, committee_ids: Iterable[int]
    ) -> tuple[list[GridRow], list[GridRow], bool]:
        """The rows to show, the rows to fold away (committees without a recent tally at
        this site) and whether the folded ones open because one has a value or an error.
        A site with no recent tally at all folds nothing; the non-resident row shows. Nor
        does a grid fold every row it has (a committee's clerk at a site other committees
        used lately): the grid would open with nothing but its total."""
        in_use = set(committee_ids)
        rows = self.rows()
        if not in_use:
            return rows, [], False
        shown = [r for r in rows if r.committee is None or r.committee.pk in in_use]
        folded = [r for r in rows if r.committee is not None and r.committee.pk not in in_use]
        if not shown:
            return rows, [], False
        busy = any(
            count.value() not in (None, "") or count.errors
            for row in folded
            for count, _version in row.fields
        )
        return shown, folded, busy

    def dose_has_values(self, dose_kind: str) -> bool:
        """Whether a cell of this dose column holds a value or an error."""
        return any(
            self[f"count-{row_key}-{dose_kind}"].value() not in (None, "")
            or self[f"count-{row_key}-{dose_kind}"].errors
            for row_key, _committee, _label in self.row_keys
        )

    def clean(self):
        cleaned = super().clean()
        for row_key, _committee, _label in self.row_keys:
            for dose in DOSE_KINDS:
                name = f"count-{row_key}-{dose.value}"
                try:
                    count = parse_count(cleaned.get(name))
                except ValidationError as error:
                    self.add_error(name, error.messages[0])
                    continue
                cleaned[name] = count
        return cleaned

    def _cleared(self, name: str, stored: DailyTally | None) -> bool:
        """A stored cell the post sends empty: the user emptied it to clear it."""
        return stored is not None and name in self.data and self.cleaned_data[name] is None

    def cells(self) -> list[TallyCell]:
        """The typed values, as cells for ``record_tallies``. Blank cells are not reported;
        a stored cell sent blank is cleared (count None)."""
        cells = []
        for row_key, committee, _label in self.row_keys:
            for dose in DOSE_KINDS:
                name = f"count-{row_key}-{dose.value}"
                count = self.cleaned_data[name]
                stored = self.stored.get((committee.pk if committee else None, dose.value))
                if count is None and not self._cleared(name, stored):
                    continue
                cells.append(
                    TallyCell(
                        date=self.on,
                        site_id=self.site.pk,
                        committee_id=committee.pk if committee else None,
                        dose_kind=dose.value,
                        count=count,
                        seen_version=self.cleaned_data[f"version-{row_key}-{dose.value}"],
                    )
                )
        return cells

    def count_names(self) -> list[str]:
        """The names of the grid's count fields, row by row."""
        return [
            f"count-{row_key}-{dose.value}"
            for row_key, _committee, _label in self.row_keys
            for dose in DOSE_KINDS
        ]

    def field_name_for(self, committee_id: int | None, dose_kind: str) -> str:
        row_key = NON_RESIDENT if committee_id is None else str(committee_id)
        return f"count-{row_key}-{dose_kind}"
