"""Reads for the capacity page: utilisation and plan vs actual, per site and summed.

Definitions (also in docs/user-guide.md, "Figures shown"):

- **daily capacity** (日接种能力) is ``Site.daily_capacity``, the most doses the site can
  give in a day, as registered for the site. It is the one capacity figure: the entry
  grid's "above capacity" check uses it too. The site's stations are shown next to it but
  capacity is not computed from them (the register holds no doses-per-station figure, and
  dividing one by the other would print a rate nobody entered). Over a period, a site's
  capacity is its daily capacity × the days it is open in the period (``active_from`` to
  ``active_to``), so a site that is closed adds nothing.
- **utilisation** (负荷率) = doses given at the site ÷ its capacity, in %. A group of sites
  (a kind, a subdistrict, a district) sums both before dividing. An open site that has not
  reported counts with its capacity and no doses; the page shows how many site-days are
  reported.
- **plan vs actual** counts only the site-days with a plan that the site reported:
  **plan** = the plans of those days, **actual** = the doses of those days, **variance** =
  actual − plan, **variance %** = variance ÷ plan. A planned day the site has not reported
  is left out and shown as "not reported" (未上报), never as 0 doses given.

Every level (site, kind, subdistrict, district) is one query: the open sites of the area,
annotated with correlated sums of their tallies and plans for the period, then grouped.
Nothing is computed per site in Python. The days a site is open in the period are date
arithmetic in SQL (``DaysThrough``), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least, NullIf

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.expressions import Combinable, CombinedExpression
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

from sites.models import DailyTally, Site, SitePlan

WEEK = 7


@dataclass(frozen=True)
class Period:
    """One day, or the seven days ending on ``end``."""

    start: date
    end: date

    @classmethod
    def day(cls, on: date) -> Period:
        return cls(on, on)

    @classmethod
    def week_ending(cls, on: date) -> Period:
        return cls(on - timedelta(days=WEEK - 1), on)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def is_day(self) -> bool:
        return self.start == self.end


class DaysThrough(Func):
    """The days from one date through another, both counted: 1 when they are equal."""

    arity = 2
    output_field = IntegerField()

    def as_sql(  # type: ignore[override] # the keyword arguments Func.as_sql takes, passed on
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _AsSqlType:
        # PostgreSQL subtracts dates into whole days.
        return super().as_sql(
            compiler,
            connection,
            template="(%(expressions)s + 1)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _AsSqlType:
        # SQLite keeps dates as text: count the days between their Julian day numbers.
        return super().as_sql(
            compiler,
            connection,
            template="(CAST(julianday(%(expressions)s) AS INTEGER) + 1)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _open_days(period: Period) -> DaysThrough:
    """How many days of the period the site is open (it is open on at least one)."""
    start, end = Value(period.start, DateField()), Value(period.end, DateField())
    return DaysThrough(Least(Coalesce(F("active_to"), end), end), Greatest(F("active_from"), start))


def _open_in(period: Period) -> Q:
    return Q(active_from__lte=period.end) & (
        Q(active_to__isnull=True) | Q(active_to__gte=period.start)
    )


def _sum_of(
    queryset: QuerySet[Any], field: str, *, empty: int | None = None
) -> Subquery[Any] | Coalesce:
    """Correlated sum of ``field`` over ``queryset`` (rows of one site)."""
    total = queryset.order_by().values("site").annotate(total=Sum(field)).values("total")[:1]
    subquery = Subquery(total, output_field=IntegerField())
    return subquery if empty is None else Coalesce(subquery, Value(empty))


def _percent(
    numerator: Combinable, denominator: Combinable
) -> ExpressionWrapper[CombinedExpression]:
    """100 × numerator ÷ denominator as a float, NULL when the denominator is 0 or NULL."""
    return ExpressionWrapper(
        Value(100.0) * Cast(numerator, FloatField()) / NullIf(Cast(denominator, FloatField()), 0.0),
        output_field=FloatField(),
    )


def site_days(sites: QuerySet[Site], period: Period) -> QuerySet[Site]:
    """The sites open on at least one day of the period, each annotated with its figures
    for the period: ``open_days``, ``capacity``, ``doses``, ``reported_days``,
    ``planned`` (the plans of the days the site reported; None without one), ``plan_days``,
    ``actual_on_plan_days``, and the plans of days it did not report:
    ``planned_unreported`` (None without one) and ``unreported_plan_days``."""
    in_period = {"site": OuterRef("pk"), "date__range": (period.start, period.end)}
    tallies = DailyTally.objects.filter(**in_period)
    plans = SitePlan.objects.filter(**in_period)
    has_plan = SitePlan.objects.filter(site=OuterRef("site"), date=OuterRef("date"))
    # A plan counts against the actual only on a day the site reported: an unreported day
    # is "not reported", not "0 given".
    was_reported = Exists(DailyTally.objects.filter(site=OuterRef("site"), date=OuterRef("date")))
    reported_plans = plans.filter(was_reported)
    unreported_plans = plans.filter(~was_reported)
    reported = (
        tallies.order_by()
        .values("site")
        .annotate(days=Count("date", distinct=True))
        .values("days")[:1]
    )
    plan_days = (
        reported_plans.order_by().values("site").annotate(days=Count("pk")).values("days")[:1]
    )
    unreported_plan_days = (
        unreported_plans.order_by().values("site").annotate(days=Count("pk")).values("days")[:1]
    )
    return (
        sites.filter(_open_in(period))
        .annotate(open_days=_open_days(period))
        .annotate(
            capacity=ExpressionWrapper(
                F("daily_capacity") * F("open_days"), output_field=IntegerField()
            ),
            doses=_sum_of(tallies, "count", empty=0),
            reported_days=Coalesce(Subquery(reported, output_field=IntegerField()), Value(0)),
            planned=_sum_of(reported_plans, "planned_doses"),
            plan_days=Coalesce(Subquery(plan_days, output_field=IntegerField()), Value(0)),
            planned_unreported=_sum_of(unreported_plans, "planned_doses"),
            unreported_plan_days=Coalesce(
                Subquery(unreported_plan_days, output_field=IntegerField()), Value(0)
            ),
            actual_on_plan_days=_sum_of(tallies.filter(Exists(has_plan)), "count", empty=0),
        )
    )


def _with_rates(rows: QuerySet[Any]) -> QuerySet[Any]:
    """Utilisation and variance. Without a plan ``planned`` is NULL, and so are the
    variance and its percent."""
    variance = F("actual_on_plan_days") - F("planned")
    rated: QuerySet[Any] = rows.annotate(
        utilisation=_percent(F("doses"), F("capacity")),
        variance=ExpressionWrapper(variance, output_field=IntegerField()),
        variance_percent=_percent(variance, F("planned")),
    )
    return rated


# Fixed sites first, then temporary ones, then mobile teams: the order of Site.Kind.
KIND_ORDER = Case(
    *(When(kind=kind.value, then=Value(n)) for n, kind in enumerate(Site.Kind)),
    default=Value(len(Site.Kind)),
    output_field=IntegerField(),
)


def site_rows(sites: QuerySet[Site], period: Period) -> QuerySet[Site]:
    """One row per site open in the period, with utilisation and plan vs actual."""
    rows = _with_rates(site_days(sites, period))
    return rows.order_by("subdistrict__code", KIND_ORDER, "code")


GROUPS = {
    "kind": ("kind",),
    "subdistrict": ("subdistrict_id", "subdistrict__name", "subdistrict__code"),
    "district": ("subdistrict__district_id", "subdistrict__district__name"),
}


def grouped_rows(sites: QuerySet[Site], period: Period, *, by: str) -> QuerySet[Any]:
    """The same figures summed by site kind, by subdistrict or for the district: one query,
    grouping the per-site figures in the database."""
    keys = GROUPS[by]
    per_site = site_days(sites, period).order_by()
    summed = per_site.values(*keys).annotate(
        site_count=Count("pk"),
        stations_total=Sum("stations"),
        open_site_days=Sum("open_days"),
        capacity_total=Sum("capacity"),
        doses_total=Sum("doses"),
        reported_site_days=Sum("reported_days"),
        planned_total=Sum("planned"),
        plan_site_days=Sum("plan_days"),
        unreported_plan_site_days=Sum("unreported_plan_days"),
        planned_unreported_total=Sum("planned_unreported"),
        actual_on_plan_total=Sum("actual_on_plan_days"),
    )
    variance = F("actual_on_plan_total") - F("planned_total")  # NULL without any plan
    totals: QuerySet[Any] = summed.annotate(
        utilisation=_percent(F("doses_total"), F("capacity_total")),
        variance=ExpressionWrapper(variance, output_field=IntegerField()),
        variance_percent=_percent(variance, F("planned_total")),
    ).order_by(KIND_ORDER if by == "kind" else keys[-1])
    return totals
