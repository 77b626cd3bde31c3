"""What the API accepts and answers, as serializers: they validate the input and are the
OpenAPI description's schemas (the answers are built by ``api.selectors``)."""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reports.selectors.ranking import RANKING_METRICS
from sites.models import TallyImport

MAX_JSON_ROWS = 100_000


# Input -------------------------------------------------------------------------------------


class TallyRowSerializer(serializers.Serializer):
    """One row, with the import file's columns. Values are checked by the import's own
    rules (a count of "１２" or a dose of "第一剂" is accepted, as in a file)."""

    date = serializers.CharField(max_length=32, help_text="2021-06-30")
    site_code = serializers.CharField(max_length=64)
    committee_code = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("Empty for non-residents."),
    )
    dose = serializers.CharField(max_length=16, help_text="first, second, booster (第一剂…)")
    count = serializers.CharField(max_length=16, help_text="12")

    def to_internal_value(self, data: Any) -> Any:
        # A count sent as a JSON number is read as its text, like a CSV cell.
        if isinstance(data, dict) and isinstance(data.get("count"), int | float):
            data = {**data, "count": str(data["count"])}
        return super().to_internal_value(data)


class TallyRowsSerializer(serializers.Serializer):
    rows = TallyRowSerializer(  # type: ignore[call-arg]
        many=True, allow_empty=False, max_length=MAX_JSON_ROWS
    )


class TallyFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX."))


class DryRunSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(required=False, default=False)


class FiguresQuerySerializer(serializers.Serializer):
    area = serializers.CharField(
        required=False,
        max_length=32,
        help_text=_("A district's or subdistrict's code; the token's own area by default."),
    )
    date = serializers.DateField(
        required=False, help_text=_("The latest day with figures by default.")
    )


class RankingQuerySerializer(FiguresQuerySerializer):
    sort = serializers.ChoiceField(
        choices=list(RANKING_METRICS), required=False, default="first_coverage"
    )


# Answers -------------------------------------------------------------------------------------


class RejectedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text=_(
            "The file's line (1 is the header; 0: the whole file); for JSON rows, the "
            "row's position in rows, from 1."
        )
    )
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportSerializer(serializers.Serializer):
    import_id = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=TallyImport.Status.values)
    dry_run = serializers.BooleanField()
    file_name = serializers.CharField(allow_blank=True)
    sha256 = serializers.CharField()
    encoding = serializers.CharField(allow_blank=True)
    rows = serializers.IntegerField()
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejected_rows = RejectedRowSerializer(many=True)
    message = serializers.CharField(allow_blank=True)
    job = serializers.CharField(
        allow_null=True, help_text=_("For a queued import: the address to poll.")
    )


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    errors = serializers.JSONField(required=False)  # type: ignore[assignment]


def _optional(fields: dict[str, serializers.Field]) -> dict[str, serializers.Field]:
    copies = {name: copy.deepcopy(field) for name, field in fields.items()}
    for field in copies.values():
        # Serializers copy their fields from the arguments they were built with.
        vars(field)["_kwargs"]["required"] = False
        field.required = False
    return copies


# A refused or failed file: the problem, with the import's counts and rows (a 422 about
# the request itself, such as a reused Idempotency-Key, has the problem's members only).
ImportProblemSerializer = type(
    "ImportProblemSerializer",
    (ProblemSerializer,),
    {"__module__": __name__, **_optional(ImportSerializer._declared_fields)},
)


class AsOfSerializer(serializers.Serializer):
    data_as_of = serializers.DateTimeField(
        allow_null=True, help_text=_("When the figures were computed (null: not yet).")
    )


class FiguresAsOfSerializer(AsOfSerializer):
    updating = serializers.BooleanField(
        help_text=_("A tally change is waiting for its rebuild: newer figures are coming.")
    )


class AreaSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["district", "subdistrict", "committee"])
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    eligible_population = serializers.IntegerField()


class AreasSerializer(AsOfSerializer):
    areas = AreaSerializer(many=True)


class SiteSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    subdistrict = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    stations = serializers.IntegerField()
    daily_capacity = serializers.IntegerField()
    opens_at = serializers.TimeField(allow_null=True)
    closes_at = serializers.TimeField(allow_null=True)
    active_from = serializers.DateField()
    active_to = serializers.DateField(allow_null=True)


class SitesSerializer(AsOfSerializer):
    sites = SiteSerializer(many=True)


class AreaRefSerializer(serializers.Serializer):
    kind = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    rank_change = serializers.IntegerField(allow_null=True)
    committee = serializers.CharField()
    committee_name = serializers.CharField()
    subdistrict = serializers.CharField()
    doses_today = serializers.IntegerField()
    first_doses = serializers.IntegerField()
    second_doses = serializers.IntegerField()
    booster_doses = serializers.IntegerField()
    first_cumulative = serializers.IntegerField()
    full_course_cumulative = serializers.IntegerField()
    first_percent = serializers.FloatField()
    full_course_percent = serializers.FloatField()
    target_percent = serializers.FloatField(allow_null=True)


class RankingSerializer(FiguresAsOfSerializer):
    area = AreaRefSerializer()
    date = serializers.DateField()
    sort = serializers.ChoiceField(choices=list(RANKING_METRICS))
    rows = RankingRowSerializer(many=True)


class TargetSerializer(serializers.Serializer):
    name = serializers.CharField()
    area = AreaRefSerializer()
    metric = serializers.CharField()
    value = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    achieved = serializers.IntegerField(allow_null=True)
    percent = serializers.FloatField(allow_null=True)
    remaining = serializers.IntegerField(allow_null=True)
    pace_needed = serializers.IntegerField(allow_null=True)
    projected_on = serializers.DateField(allow_null=True)
    reached_on = serializers.DateField(allow_null=True)
    days_early = serializers.IntegerField(allow_null=True)


class TargetsSerializer(FiguresAsOfSerializer):
    area = AreaRefSerializer()
    date = serializers.DateField()
    targets = TargetSerializer(many=True)


class DayTotalsSerializer(serializers.Serializer):
    doses_today = serializers.IntegerField()
    first_doses = serializers.IntegerField()
    second_doses = serializers.IntegerField()
    booster_doses = serializers.IntegerField()
    first_cumulative = serializers.IntegerField()
    full_course_cumulative = serializers.IntegerField()
    first_percent = serializers.FloatField()
    full_course_percent = serializers.FloatField()


class SubdistrictTotalsSerializer(DayTotalsSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rank_in_district = serializers.IntegerField()


class SummarySerializer(FiguresAsOfSerializer):
    area = AreaRefSerializer()
    date = serializers.DateField()
    bulletin = serializers.JSONField(
        required=False,
        help_text=_(
            "A subdistrict's bulletin figures, as its bulletin preview shows them: totals, "
            "committees, targets and the sites that did not report."
        ),
    )
    totals = DayTotalsSerializer(required=False, help_text=_("A district's totals."))
    subdistricts = SubdistrictTotalsSerializer(many=True, required=False)
