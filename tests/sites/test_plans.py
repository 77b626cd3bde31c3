"""Daily plans and mobile visits: what is saved, what is refused (nothing written), who may
write, and the pages that enter and list them."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaign.models import StaffScope
from sites.models import MobileVisit, SitePlan
from sites.selectors.plans import plan_week, plans_editable_from
from sites.services.plans import PlanCell, mobile_visit_record, site_plans_set
from tests.factories import (
    CommitteeFactory,
    MobileVisitFactory,
    SiteFactory,
    SitePlanFactory,
    SubdistrictFactory,
)
from tests.sites.conftest import TODAY, YESTERDAY

pytestmark = pytest.mark.django_db

TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def fixed(subdistrict):
    return SiteFactory(subdistrict=subdistrict, name="万里街道东片区固定接种点", kind="fixed")


@pytest.fixture
def mobile(subdistrict):
    return SiteFactory(
        subdistrict=subdistrict,
        name="万里街道疫苗接种机动队",
        kind="mobile",
        stations=2,
        daily_capacity=200,
        active_from=datetime.date(2021, 3, 25),
    )


def test_plans_are_set_changed_and_cleared(subdistrict_staff, fixed, site):
    SitePlanFactory(site=fixed, date=TODAY, planned_doses=300)
    result = site_plans_set(
        user=subdistrict_staff,
        cells=[
            PlanCell(fixed.pk, TODAY, 320),
            PlanCell(site.pk, TODAY, 150),
        ],
    )
    assert (result.created, result.updated, result.deleted) == (1, 1, 0)
    assert dict(SitePlan.objects.values_list("site__name", "planned_doses")) == {
        fixed.name: 320,
        site.name: 150,
    }
    changed = SitePlan.objects.get(site=fixed).history.first()
    assert changed.history_user == subdistrict_staff
    assert changed.history_type == "~"
    result = site_plans_set(user=subdistrict_staff, cells=[PlanCell(site.pk, TODAY, None)])
    assert result.deleted == 1
    assert list(SitePlan.objects.values_list("site_id", flat=True)) == [fixed.pk]


def test_one_bad_cell_saves_nothing(subdistrict_staff, fixed, site):
    before_opening = datetime.date(2021, 6, 1)  # the station site opens on 06-07
    with pytest.raises(ValidationError) as refused:
        site_plans_set(
            user=subdistrict_staff,
            cells=[PlanCell(fixed.pk, TODAY, 300), PlanCell(site.pk, before_opening, 50)],
        )
    assert refused.value.messages == ["上海西站临时接种点 在 2021-06-01 当天未开放。"]
    assert not SitePlan.objects.exists()


def test_past_plans_are_final_for_staff_but_not_for_administrators(
    subdistrict_staff, administrator, fixed
):
    SitePlanFactory(site=fixed, date=YESTERDAY, planned_doses=300)
    with pytest.raises(ValidationError) as refused:
        site_plans_set(user=subdistrict_staff, cells=[PlanCell(fixed.pk, YESTERDAY, 250)])
    assert "已过去" in refused.value.messages[0]
    # unchanged past cells are not a change: the whole grid can be saved again
    site_plans_set(user=subdistrict_staff, cells=[PlanCell(fixed.pk, YESTERDAY, 300)])
    site_plans_set(user=administrator, cells=[PlanCell(fixed.pk, YESTERDAY, 250)])
    assert SitePlan.objects.get().planned_doses == 250


def test_plans_outside_the_campaign_and_twice_the_same_cell_are_refused(subdistrict_staff, fixed):
    with pytest.raises(ValidationError) as refused:
        site_plans_set(
            user=subdistrict_staff,
            cells=[
                PlanCell(fixed.pk, TOMORROW, 10),
                PlanCell(fixed.pk, TODAY, 10),
                PlanCell(fixed.pk, TODAY, 20),
            ],
        )
    assert refused.value.messages == [
        "2021-07-01 不在接种工作期间内。",
        f"{fixed.name} 2021-06-30 的计划填写了两次。",
    ]
    assert not SitePlan.objects.exists()


@pytest.mark.parametrize("role", ["district_leader", "committee_staff"])
def test_readers_may_not_plan(request, role, fixed):
    with pytest.raises(PermissionDenied):
        site_plans_set(user=request.getfixturevalue(role), cells=[PlanCell(fixed.pk, TODAY, 1)])
    assert not SitePlan.objects.exists()


def test_staff_may_not_plan_for_another_subdistrict(subdistrict_staff):
    other = SiteFactory(subdistrict=SubdistrictFactory(name="真如镇街道"))
    with pytest.raises(PermissionDenied):
        site_plans_set(user=subdistrict_staff, cells=[PlanCell(other.pk, TODAY, 1)])


def test_plan_grid_page_saves_a_week_and_names_a_bad_cell(client, subdistrict_staff, fixed):
    client.force_login(subdistrict_staff)
    url = reverse("sites:plans")
    page = client.get(url, {"start": "2021-06-24"})
    html = page.content.decode()
    assert "万里街道东片区固定接种点" in html
    today_cell = re.search(rf'<input[^>]*name="plan-{fixed.pk}-20210630"[^>]*>', html).group()
    past_cell = re.search(rf'<input[^>]*name="plan-{fixed.pk}-20210629"[^>]*>', html).group()
    assert "disabled" not in today_cell
    assert "disabled" in past_cell  # a plan is made before the day
    last_week = client.get(url, {"start": "2021-06-28"}).content.decode()
    assert f'name="plan-{fixed.pk}-20210630"' in last_week
    assert f'name="plan-{fixed.pk}-20210701"' not in last_week  # after the campaign: no cell
    assert last_week.count('title="未开放"') == 4  # 07-01 .. 07-04
    bad = client.post(f"{url}?start=2021-06-24", {f"plan-{fixed.pk}-20210630": "三百"})
    assert "未保存任何数据" in bad.content.decode()
    assert "请填写整数，如 0、12 或 305。" in bad.content.decode()
    assert not SitePlan.objects.exists()
    saved = client.post(f"{url}?start=2021-06-24", {f"plan-{fixed.pk}-20210630": "３００"})
    assert saved.status_code == 302
    assert SitePlan.objects.get().planned_doses == 300  # full-width digits accepted
    html = client.get(saved["Location"]).content.decode()
    assert "计划已保存：新增 1 格" in html


def test_a_mobile_visit_is_recorded_and_listed(client, subdistrict_staff, mobile, committee):
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("sites:visits"),
        {
            "site": mobile.pk,
            "date": "2021-06-03",
            "committee": committee.pk,
            "compound": "水泉路99弄",
            "doses": "56",
            "note": "送针上门",
        },
    )
    assert response.status_code == 302
    visit = MobileVisit.objects.get()
    assert (visit.compound, visit.doses, visit.entered_by) == ("水泉路99弄", 56, subdistrict_staff)
    html = client.get(response["Location"]).content.decode()
    assert "水泉路99弄" in html
    assert "上门 1 次" in html
    assert "记录接种 56 剂次" in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"on": TOMORROW}, "2021-07-01 是未来的日期，不能录入。"),
        ({"on": datetime.date(2021, 3, 1)}, "万里街道疫苗接种机动队 在 2021-03-01 当天未开放。"),
        ({"compound": "", "committee": None}, "请填写上门的居委或小区。"),
        ({"committee": "other"}, "该居委不属于 万里街道疫苗接种机动队 所在街道。"),
    ],
)
def test_bad_visits_are_refused(subdistrict_staff, mobile, committee, change, message):
    values = {"on": TODAY, "committee": committee, "compound": "水泉路99弄"}
    values.update(change)
    if values["committee"] == "other":
        values["committee"] = CommitteeFactory(subdistrict=SubdistrictFactory())
    with pytest.raises(ValidationError) as refused:
        mobile_visit_record(user=subdistrict_staff, site=mobile, **values)
    assert message in refused.value.messages
    assert not MobileVisit.objects.exists()


def test_only_a_mobile_team_has_visits(subdistrict_staff, fixed):
    with pytest.raises(ValidationError) as refused:
        mobile_visit_record(user=subdistrict_staff, site=fixed, on=TODAY, compound="x")
    assert refused.value.messages == [f"{fixed.name} 不是机动队。"]


def test_visit_page_refuses_bad_doses_in_chinese(client, subdistrict_staff, mobile, committee):
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("sites:visits"),
        {"site": mobile.pk, "date": "2021-06-30", "committee": committee.pk, "doses": "-3"},
    )
    assert "接种数不能为负数。" in response.content.decode()
    assert not MobileVisit.objects.exists()


def test_visits_are_summed_per_team_and_per_subdistrict(
    client, district_leader, mobile, committee, subdistrict
):
    bus = SiteFactory(subdistrict=subdistrict, name="移动疫苗接种车", kind="mobile")
    zhenru = SubdistrictFactory(district=subdistrict.district, name="真如镇街道")
    zhenru_team = SiteFactory(subdistrict=zhenru, name="真如机动队", kind="mobile")
    MobileVisitFactory(site=mobile, committee=committee, doses=20)
    MobileVisitFactory(site=mobile, date=TODAY, doses=None)
    MobileVisitFactory(site=bus, compound="大华虎城园区", doses=8)
    MobileVisitFactory(site=zhenru_team, doses=5)
    client.force_login(district_leader)
    response = client.get(reverse("sites:visits"))
    rows = {row["site__subdistrict__name"]: row for row in response.context["by_subdistrict"]}
    assert (rows["万里街道"]["visit_count"], rows["万里街道"]["visit_doses"]) == (3, 28)
    assert (rows["万里街道"]["teams"], rows["真如镇街道"]["visit_count"]) == (2, 1)
    teams = {team.name: team for team in response.context["teams"]}
    assert (teams["万里街道疫苗接种机动队"].visit_count, teams["移动疫苗接种车"].visit_doses) == (
        2,
        8,
    )
    assert teams["万里街道疫苗接种机动队"].last_visit == TODAY
    one = client.get(reverse("sites:visits"), {"site": bus.pk})
    assert [v.compound for v in one.context["visits"]] == ["大华虎城园区"]
    assert "Record a visit" not in one.content.decode()  # leaders write nothing
    assert "记录一次上门接种" not in one.content.decode()


def test_plan_week_reads_the_grid_with_the_rules_of_site_plans_set(
    subdistrict_staff, administrator, fixed, site, subdistrict
):
    """06-28 .. 07-04: the campaign ends 06-30; staff may change today's plan, not
    yesterday's; administrators any; each day's total is the sum of its plans."""
    SitePlanFactory(site=fixed, date=YESTERDAY, planned_doses=300)
    SitePlanFactory(site=site, date=YESTERDAY, planned_doses=120)
    SitePlanFactory(site=fixed, date=TODAY, planned_doses=280)
    SiteFactory(subdistrict=subdistrict, code="GONE", active_to=datetime.date(2021, 6, 27))
    staff_scope = StaffScope.objects.get(user=subdistrict_staff)
    week = plan_week(staff_scope, subdistrict, datetime.date(2021, 6, 28))
    assert [s.code for s in week.sites] == [fixed.code, site.code]  # fixed first; GONE closed
    assert (week.days[0], week.days[-1]) == (datetime.date(2021, 6, 28), datetime.date(2021, 7, 4))
    assert week.campaign_days == {datetime.date(2021, 6, d) for d in (28, 29, 30)}
    assert week.day_totals == {YESTERDAY: 420, TODAY: 280}
    assert week.editable_from == TODAY == plans_editable_from(staff_scope)
    admin_scope = StaffScope.objects.get(user=administrator)
    assert plan_week(admin_scope, subdistrict, TODAY).editable_from is None


def test_plan_grid_page_reads_the_same_queries_whatever_the_number_of_sites(
    client, subdistrict_staff, fixed, subdistrict, django_assert_max_num_queries
):
    client.force_login(subdistrict_staff)
    url = reverse("sites:plans")
    client.get(url)  # warm the session
    # session, user, scope, subdistricts; sites, plans, campaigns; two savepoints
    with django_assert_max_num_queries(9):
        client.get(url, {"start": "2021-06-24"})
    for n in range(10):
        more = SiteFactory(subdistrict=subdistrict, kind="temporary")
        SitePlanFactory(site=more, date=TODAY, planned_doses=n)
    with django_assert_max_num_queries(9):
        response = client.get(url, {"start": "2021-06-24"})
    assert len(response.context["form"].sites) == 11
    assert dict(response.context["days"])[TODAY] == 45


def test_visits_page_reads_the_same_queries_whatever_the_number_of_teams(
    client, district_leader, mobile, committee, subdistrict, django_assert_max_num_queries
):
    MobileVisitFactory(site=mobile, committee=committee, doses=20)
    client.force_login(district_leader)
    url = reverse("sites:visits")
    client.get(url)  # warm the session
    # session, user, scope, areas; teams, by subdistrict, visits, count; two savepoints
    with django_assert_max_num_queries(10) as before:
        client.get(url)
    zhenru = SubdistrictFactory(district=subdistrict.district, name="真如镇街道")
    for n in range(10):
        team = SiteFactory(subdistrict=zhenru if n % 2 else subdistrict, kind="mobile")
        MobileVisitFactory(site=team, doses=n)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert len(response.context["teams"]) == 11
    assert sum(row["visit_count"] for row in response.context["by_subdistrict"]) == 11


def test_visit_page_refuses_a_future_day_with_the_tally_message(
    client, subdistrict_staff, mobile, committee
):
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("sites:visits"),
        {"site": mobile.pk, "date": TOMORROW.isoformat(), "committee": committee.pk},
    )
    assert response.status_code == 200
    assert "2021-07-01 是未来的日期，不能录入。" in response.content.decode()
    assert not MobileVisit.objects.exists()


def test_plan_service_refuses_a_closed_day_with_the_tally_message(subdistrict_staff, site):
    with pytest.raises(ValidationError) as refused:
        site_plans_set(user=subdistrict_staff, cells=[PlanCell(site.pk, TOMORROW, 10)])
    assert refused.value.messages == ["上海西站临时接种点 在 2021-07-01 当天未开放。"]
    assert not SitePlan.objects.exists()
