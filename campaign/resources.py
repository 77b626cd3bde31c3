"""What the columns of an area, campaign, target or account file mean. Rows are matched by
the codes of the district system (or a campaign's name, a target's campaign and name, an
account's username), never by database ids, so importing a file twice changes nothing.
Headers may be Chinese or English (``campaign.columns``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from campaign.columns import ChoiceColumn, ChoiceWidget, CodeWidget, FileColumnsResource
from campaign.models import Campaign, Committee, District, StaffScope, Subdistrict, Target

METRICS = ChoiceColumn(
    Target.Metric.choices,
    {
        "首剂": Target.Metric.FIRST,
        "第1剂": Target.Metric.FIRST,
        "first dose": Target.Metric.FIRST,
        "全部": Target.Metric.ALL_DOSES,
        "所有剂次": Target.Metric.ALL_DOSES,
        "全部剂次": Target.Metric.ALL_DOSES,
        "all": Target.Metric.ALL_DOSES,
        "全程": Target.Metric.FULL_COURSE,
        "完成全程": Target.Metric.FULL_COURSE,
        "全程接种人数": Target.Metric.FULL_COURSE,
        "加强": Target.Metric.BOOSTER,
        "加强剂": Target.Metric.BOOSTER,
        "加强针": Target.Metric.BOOSTER,
    },
)
ROLES = ChoiceColumn(
    StaffScope._meta.get_field("role").choices or [],
    {
        "admin": "administrator",
        "区": "district_leader",
        "领导": "district_leader",
        "leader": "district_leader",
        "街道": "subdistrict_staff",
        "街道人员": "subdistrict_staff",
        "居委": "committee_staff",
        "居委人员": "committee_staff",
        "居委会": "committee_staff",
    },
)


def _int(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=widgets.IntegerWidget())


def _date(attribute: str, column: str) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column, widget=widgets.DateWidget("%Y-%m-%d")
    )


def _code(model: Any, column: str, attribute: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=CodeWidget(model, "code"))


class _Meta:
    import_id_fields: tuple[str, ...] = ("code",)
    skip_unchanged = True
    report_skipped = True
    clean_model_instances = True


class DistrictResource(FileColumnsResource):
    code = fields.Field(attribute="code", column_name="区编码")
    name = fields.Field(attribute="name", column_name="区")
    eligible_population = _int("eligible_population", "适种人口")
    english_headers = {"code": ("district_code",), "name": ("district",)}
    example_row = {"code": "EXAMPLE-D1", "name": "示例区", "eligible_population": "100000"}

    class Meta(_Meta):
        model = District
        fields = ("code", "name", "eligible_population")


class SubdistrictResource(FileColumnsResource):
    code = fields.Field(attribute="code", column_name="街道编码")
    name = fields.Field(attribute="name", column_name="街道")
    district = _code(District, "区编码", "district")
    eligible_population = _int("eligible_population", "适种人口")
    english_headers = {
        "code": ("subdistrict_code",),
        "name": ("subdistrict",),
        "district": ("district_code",),
    }
    example_row = {
        "code": "EXAMPLE-S1",
        "name": "示例街道",
        "district": "EXAMPLE-D1",
        "eligible_population": "30000",
    }

    class Meta(_Meta):
        model = Subdistrict
        fields = ("code", "name", "district", "eligible_population")


class CommitteeResource(FileColumnsResource):
    code = fields.Field(attribute="code", column_name="居委编码")
    name = fields.Field(attribute="name", column_name="居委")
    subdistrict = _code(Subdistrict, "街道编码", "subdistrict")
    eligible_population = _int("eligible_population", "适种人口")
    english_headers = {
        "code": ("committee_code",),
        "name": ("committee",),
        "subdistrict": ("subdistrict_code",),
    }
    example_row = {
        "code": "EXAMPLE-C1",
        "name": "示例居委",
        "subdistrict": "EXAMPLE-S1",
        "eligible_population": "3000",
    }

    class Meta(_Meta):
        model = Committee
        fields = ("code", "name", "subdistrict", "eligible_population")


class CampaignResource(FileColumnsResource):
    """A campaign is matched by its name."""

    name = fields.Field(attribute="name", column_name="接种工作")
    start_date = _date("start_date", "开始日期")
    end_date = _date("end_date", "结束日期")
    doses_for_full_course = _int("doses_for_full_course", "全程剂数")
    second_dose_min_days = _int("second_dose_min_days", "第二剂最早间隔天数")
    second_dose_max_days = _int("second_dose_max_days", "第二剂最迟间隔天数")
    golden_shield_threshold = fields.Field(
        attribute="golden_shield_threshold",
        column_name="金盾门槛",
        widget=widgets.DecimalWidget(),
    )
    english_headers = {"name": ("campaign",)}
    example_row = {
        "name": "示例接种工作 EXAMPLE",
        "start_date": "2021-06-01",
        "end_date": "2021-06-30",
        "doses_for_full_course": "2",
        "second_dose_min_days": "21",
        "second_dose_max_days": "56",
        "golden_shield_threshold": "80",
    }

    class Meta(_Meta):
        model = Campaign
        import_id_fields = ("name",)
        fields = (
            "name",
            "start_date",
            "end_date",
            "doses_for_full_course",
            "second_dose_min_days",
            "second_dose_max_days",
            "golden_shield_threshold",
        )


class TargetResource(FileColumnsResource):
    """Targets are matched by campaign and name (e.g. "万里街道4月接种任务")."""

    name = fields.Field(attribute="name", column_name="目标名称")
    campaign = fields.Field(
        attribute="campaign", column_name="接种工作", widget=CodeWidget(Campaign, "name")
    )
    district = _code(District, "区编码", "district")
    subdistrict = _code(Subdistrict, "街道编码", "subdistrict")
    committee = _code(Committee, "居委编码", "committee")
    period_start = _date("period_start", "起始日期")
    period_end = _date("period_end", "截止日期")
    metric = fields.Field(attribute="metric", column_name="指标", widget=ChoiceWidget(METRICS))
    value = _int("value", "目标数")
    english_headers = {
        "name": ("target",),
        "district": ("district_code",),
        "subdistrict": ("subdistrict_code",),
        "committee": ("committee_code",),
    }
    example_row = {
        "name": "示例目标 EXAMPLE",
        "campaign": "示例接种工作 EXAMPLE",
        "subdistrict": "EXAMPLE-S1",
        "period_start": "2021-06-01",
        "period_end": "2021-06-30",
        "metric": "第一剂",
        "value": "10000",
    }

    class Meta(_Meta):
        model = Target
        import_id_fields = ("campaign", "name")
        fields = (
            "name",
            "campaign",
            "district",
            "subdistrict",
            "committee",
            "period_start",
            "period_end",
            "metric",
            "value",
        )


ROLE_AREA: dict[str, tuple[str, Any]] = {
    "district_leader": ("district", District),
    "subdistrict_staff": ("subdistrict", Subdistrict),
    "committee_staff": ("committee", Committee),
}


class AccountResource(FileColumnsResource):
    """Accounts by username, with their role and the code of the area they work in.

    A new account gets no usable password: whoever imports it is given a link, once, where
    the person sets their own (``campaign.services.set_password_link``). An existing
    account keeps its password."""

    username = fields.Field(attribute="username", column_name="用户名")
    full_name = fields.Field(attribute="first_name", column_name="姓名")
    role = fields.Field(column_name="角色", widget=ChoiceWidget(ROLES))
    scope_code = fields.Field(column_name="范围编码")
    english_headers = {"full_name": ("name",), "scope_code": ("scope", "area_code")}
    example_row = {
        "username": "example_clerk",
        "full_name": "示例 EXAMPLE",
        "role": "居委工作人员",
        "scope_code": "EXAMPLE-C1",
    }

    class Meta(_Meta):
        model = get_user_model()
        import_id_fields = ("username",)
        fields = ("username", "full_name", "role", "scope_code")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.new_accounts: list[Any] = []

    def _scope(self, row: Any) -> tuple[str, dict[str, Any]]:
        """The role and its area from a row; a ValidationError naming the columns."""
        errors: dict[str, str] = {}
        role = ""
        area: dict[str, Any] = {}
        try:
            role = ROLES.parse(row.get("角色"))
        except ValidationError as error:
            errors["角色"] = error.messages[0]
        code = str(row.get("范围编码") or "").strip()
        if role in ROLE_AREA:
            name, model = ROLE_AREA[role]
            found = model.objects.filter(code=code).first() if code else None
            if found is None:
                errors["范围编码"] = _no_area(model, code)
            area = {name: found}
        if errors:
            raise ValidationError(errors)
        return role, area

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        instance._new = instance.pk is None
        if instance._new:
            instance.set_unusable_password()
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            instance._scope = self._scope(row)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors=None):
        if import_validation_errors or original is None or not original.pk:
            return False
        role, area = instance._scope
        # The stored scope as the row states it (a data comparison, not an access check).
        stated = {"role": role, "district": None, "subdistrict": None, "committee": None, **area}
        same_scope = StaffScope.objects.filter(user=original, **stated).exists()
        return same_scope and original.first_name == instance.first_name

    def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        role, area = instance._scope
        values = {"role": role, "district": None, "subdistrict": None, "committee": None}
        StaffScope.objects.update_or_create(user=instance, defaults={**values, **area})
        if instance._new:
            self.new_accounts.append(instance)


def _no_area(model: Any, code: str) -> str:
    if not code:
        return _("This role needs the code of its %(area)s.") % {"area": model._meta.verbose_name}
    return _("No %(model)s has the code “%(code)s”.") % {
        "model": model._meta.verbose_name,
        "code": code,
    }
