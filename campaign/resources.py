"""What the columns of an area or target file mean. Rows are matched by the codes of the
district system, never by database ids, so importing a file twice updates instead of
duplicating. Headers may be Chinese or English."""

from import_export import fields, resources, widgets

from campaign.models import Campaign, Committee, District, Subdistrict, Target


def _code(model, column: str, attribute: str) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column, widget=widgets.ForeignKeyWidget(model, "code")
    )


class CommitteeResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="居委编码")
    name = fields.Field(attribute="name", column_name="居委")
    subdistrict = _code(Subdistrict, "街道编码", "subdistrict")
    eligible_population = fields.Field(
        attribute="eligible_population", column_name="适种人口", widget=widgets.IntegerWidget()
    )

    class Meta:
        model = Committee
        import_id_fields = ("code",)
        fields = ("code", "name", "subdistrict", "eligible_population")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class TargetResource(resources.ModelResource):
    """Targets are matched by campaign and name (e.g. "万里街道4月接种任务")."""

    name = fields.Field(attribute="name", column_name="目标名称")
    campaign = fields.Field(
        attribute="campaign",
        column_name="接种工作",
        widget=widgets.ForeignKeyWidget(Campaign, "name"),
    )
    district = _code(District, "区编码", "district")
    subdistrict = _code(Subdistrict, "街道编码", "subdistrict")
    committee = _code(Committee, "居委编码", "committee")
    period_start = fields.Field(
        attribute="period_start", column_name="起始日期", widget=widgets.DateWidget("%Y-%m-%d")
    )
    period_end = fields.Field(
        attribute="period_end", column_name="截止日期", widget=widgets.DateWidget("%Y-%m-%d")
    )
    metric = fields.Field(attribute="metric", column_name="指标")
    value = fields.Field(attribute="value", column_name="目标数", widget=widgets.IntegerWidget())

    class Meta:
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
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
