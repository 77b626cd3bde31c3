"""What a column of a tally file means. Only normalisation lives here: header names in
Chinese or English, dose names, dates and counts become typed values; the rules of what
may be stored are in ``sites.services.tallies.record_tallies``."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from campaign.models import Subdistrict
from sites.counts import parse_count
from sites.models import Site

# Canonical column -> the header names accepted for it (compared trimmed, case-folded).
COLUMNS = {
    "date": ("接种日期", "日期", "date"),
    "site_code": ("接种点编码", "site_code", "site"),
    "committee_code": ("居委编码", "committee_code", "committee"),
    "dose": ("剂次", "dose", "dose_kind"),
    "count": ("接种数", "count", "doses"),
}
REQUIRED = ("date", "site_code", "dose", "count")  # an empty committee means non-residents
TEMPLATE_COLUMNS = ("date", "site_code", "committee_code", "dose", "count")
TEMPLATE_HEADERS = {
    "zh-hans": ["接种日期", "接种点编码", "居委编码", "剂次", "接种数"],
    "en": ["date", "site_code", "committee_code", "dose", "count"],
}
DOSES = {
    "第一剂": "first",
    "第1剂": "first",
    "首剂": "first",
    "first": "first",
    "1": "first",
    "第二剂": "second",
    "第2剂": "second",
    "second": "second",
    "2": "second",
    "加强针": "booster",
    "加强剂": "booster",
    "booster": "booster",
    "3": "booster",
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
# Excel writes a date cell saved as CSV with its time: "2021-06-30 00:00:00" (or 0:00).
_MIDNIGHT = re.compile(r"0?0:00(:00(\.0+)?)?")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def column_for(header: str) -> str | None:
    name = header.strip().lstrip("\ufeff").casefold()
    return next(
        (column for column, names in COLUMNS.items() if name in {n.casefold() for n in names}),
        None,
    )


def parse_date(text: str) -> date:
    value, _space, time_of_day = text.strip().partition(" ")
    if time_of_day and not _MIDNIGHT.fullmatch(time_of_day.strip()):
        raise ValidationError(_("A date with a time of day: write the date only, e.g. 2021-06-30."))
    if _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)  # the usual case, and much faster than strptime
        except ValueError:
            pass
    if value.isascii() and value.isdigit():
        # 20211101 is read; 2021111 could be 2021-01-11 or 2021-11-01, so it is refused.
        if len(value) != 8:
            raise ValidationError(
                _("%(value)s is not a date that can be read one way only: write it as 2021-11-01.")
                % {"value": value[:12]}
            )
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    if not re.match(r"[0-9]{4}\D", value):  # strptime's %Y would take 21 for the year 21
        raise ValidationError(_("Not a date: write it as 2021-06-30."))
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValidationError(_("Not a date: write it as 2021-06-30."))


def parse_dose(text: str) -> str:
    dose = DOSES.get(text.strip().casefold())
    if dose is None:
        raise ValidationError(
            _("Unknown dose: use 第一剂, 第二剂 or 加强针 (first, second, booster).")
        )
    return dose


def parse_required_count(text: str) -> int:
    count = parse_count(text)
    if count is None:
        raise ValidationError(_("The count is empty: type 0 if nobody came."))
    return count


class SiteResource(resources.ModelResource):
    """Sites by their code, in the subdistrict named by its code."""

    code = fields.Field(attribute="code", column_name="接种点编码")
    name = fields.Field(attribute="name", column_name="接种点")
    subdistrict = fields.Field(
        attribute="subdistrict",
        column_name="街道编码",
        widget=widgets.ForeignKeyWidget(Subdistrict, "code"),
    )
    kind = fields.Field(attribute="kind", column_name="类型")
    address = fields.Field(attribute="address", column_name="地址")
    stations = fields.Field(
        attribute="stations", column_name="接种台数", widget=widgets.IntegerWidget()
    )
    daily_capacity = fields.Field(
        attribute="daily_capacity", column_name="日接种能力", widget=widgets.IntegerWidget()
    )
    opens_at = fields.Field(
        attribute="opens_at", column_name="开放时间", widget=widgets.TimeWidget("%H:%M")
    )
    closes_at = fields.Field(
        attribute="closes_at", column_name="关闭时间", widget=widgets.TimeWidget("%H:%M")
    )
    active_from = fields.Field(
        attribute="active_from", column_name="启用日期", widget=widgets.DateWidget("%Y-%m-%d")
    )
    active_to = fields.Field(
        attribute="active_to", column_name="停用日期", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta:
        model = Site
        import_id_fields = ("code",)
        fields = (
            "code",
            "name",
            "subdistrict",
            "kind",
            "address",
            "stations",
            "daily_capacity",
            "opens_at",
            "closes_at",
            "active_from",
            "active_to",
        )
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
