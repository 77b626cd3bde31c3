"""The snapshot builder against figures computed by hand.

Subdistrict S1 (population 1,000): committees A (100), B (200), C (100), E (50, no rows at
all) and Z (100, reported 0); a non-resident row at S1's site counts for S1's doses but
for no committee. Subdistrict S2 (500): committee F (100). District P: 2,000.

Day 1 (01-08): A 10 first, B 20 first, C 5 first, Z 0, non-residents 7 first; F 30 first.
Day 2 (01-09): A 5 first + 10 second, C 15 first, non-residents 3 second.
"""

import contextlib
import datetime

import pytest
from django.db import connection

from campaign.models import Committee, District, Subdistrict
from reports.builders import snapshots_build_date, snapshots_build_dates
from reports.models import CommitteeDay, DistrictDay, SubdistrictDay, TargetProgress
from reports.selectors.ranking import freshness
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally, Site
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DistrictFactory,
    SiteFactory,
    SubdistrictFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db
DAY1, DAY2 = datetime.date(2021, 1, 8), datetime.date(2021, 1, 9)


@pytest.fixture
def town(settings):
    settings.STREETVAX_DEMO_DATE = DAY2
    campaign = CampaignFactory()
    district = DistrictFactory(code="P", eligible_population=2000)
    s1 = SubdistrictFactory(district=district, code="S1", eligible_population=1000)
    s2 = SubdistrictFactory(district=district, code="S2", eligible_population=500)
    c = {
        name: CommitteeFactory(subdistrict=s1, code=name, eligible_population=population)
        for name, population in [("A", 100), ("B", 200), ("C", 100), ("E", 50), ("Z", 100)]
    }
    c["F"] = CommitteeFactory(subdistrict=s2, code="F", eligible_population=100)
    x = SiteFactory(subdistrict=s1, code="X")
    y = SiteFactory(subdistrict=s2, code="Y")
    rows = [
        (DAY1, x, "A", "first", 10),
        (DAY1, x, "B", "first", 20),
        (DAY1, x, "C", "first", 5),
        (DAY1, x, "Z", "first", 0),
        (DAY1, x, None, "first", 7),
        (DAY1, y, "F", "first", 30),
        (DAY2, x, "A", "first", 5),
        (DAY2, x, "A", "second", 10),
        (DAY2, x, "C", "first", 15),
        (DAY2, x, None, "second", 3),
    ]
    DailyTally.objects.bulk_create(
        DailyTally(
            date=day,
            site=site,
            committee=c[name] if name else None,
            dose_kind=dose,
            count=count,
            source="entry",
        )
        for day, site, name, dose, count in rows
    )
    return {"campaign": campaign, "district": district, "s1": s1, "s2": s2, **c}


def committee_days(on):
    return {
        row.committee.code: row
        for row in CommitteeDay.objects.filter(date=on).select_related("committee")
    }


def test_committee_figures_and_competition_ranks(town):
    snapshots_rebuild(start=DAY1)
    day1, day2 = committee_days(DAY1), committee_days(DAY2)
    assert {k: r.rank_in_subdistrict for k, r in day1.items() if k != "F"} == {
        "A": 1,
        "B": 1,
        "C": 3,
        "E": 4,
        "Z": 4,
    }
    assert {k: r.rank_in_district for k, r in day1.items()} == {
        "F": 1,
        "A": 2,
        "B": 2,
        "C": 4,
        "E": 5,
        "Z": 5,
    }
    assert {k: r.rank_in_subdistrict for k, r in day2.items() if k != "F"} == {
        "C": 1,
        "A": 2,
        "B": 3,
        "E": 4,
        "Z": 4,
    }
    assert {k: r.rank_change for k, r in day2.items() if k != "F"} == {
        "C": 2,
        "A": -1,
        "B": -2,
        "E": 0,
        "Z": 0,
    }
    assert {k: r.district_rank_change for k, r in day2.items()} == {
        "F": 0,
        "C": 2,
        "A": -1,
        "B": -2,
        "E": 0,
        "Z": 0,
    }
    assert all(r.rank_change is None for r in day1.values())
    a = day2["A"]
    assert (a.first_doses, a.second_doses, a.first_cumulative, a.second_cumulative) == (
        5,
        10,
        15,
        10,
    )
    assert a.first_coverage == pytest.approx(0.15)
    assert a.full_course_cumulative == 10
    assert a.full_course_coverage == pytest.approx(0.10)
    assert day2["B"].first_cumulative == 20
    assert day2["B"].first_doses == 0
    assert day2["E"].first_cumulative == 0
    assert sum(r.first_cumulative for r in day2.values()) == 85  # non-residents count nowhere


def test_subdistrict_and_district_figures(town):
    snapshots_rebuild(start=DAY1)
    s1 = SubdistrictDay.objects.get(date=DAY2, subdistrict=town["s1"])
    assert (s1.first_doses, s1.second_doses) == (20, 13)  # non-residents included
    assert (s1.first_cumulative, s1.second_cumulative) == (62, 13)
    assert s1.first_coverage == pytest.approx(55 / 1000)  # residents only
    assert s1.full_course_coverage == pytest.approx(10 / 1000)
    assert s1.rank_in_district == 2
    assert SubdistrictDay.objects.get(date=DAY2, subdistrict=town["s2"]).rank_in_district == 1
    district = DistrictDay.objects.get(date=DAY2)
    assert (district.first_cumulative, district.second_cumulative) == (92, 13)
    assert district.first_coverage == pytest.approx(85 / 2000)


def test_target_progress(town):
    sprint = TargetFactory(
        campaign=town["campaign"],
        subdistrict=town["s1"],
        metric="all_doses",
        value=30,
        period_start=DAY2,
        period_end=datetime.date(2021, 1, 31),
    )
    committee = TargetFactory(
        campaign=town["campaign"],
        subdistrict=None,
        committee=town["A"],
        metric="first",
        value=20,
        period_start=DAY1,
        period_end=datetime.date(2021, 1, 10),
    )
    full = TargetFactory(
        campaign=town["campaign"],
        subdistrict=None,
        district=town["district"],
        metric="full_course",
        value=8,
        period_start=DAY1,
        period_end=datetime.date(2021, 6, 30),
    )
    snapshots_rebuild(start=DAY1)
    assert not TargetProgress.objects.filter(target=sprint, date=DAY1).exists()
    s = TargetProgress.objects.get(target=sprint, date=DAY2)
    assert (s.achieved, s.percent, s.remaining, s.reached_on, s.days_early) == (
        33,
        110.0,
        0,
        DAY2,
        22,
    )
    assert s.pace_needed is None
    c1 = TargetProgress.objects.get(target=committee, date=DAY1)
    assert (c1.achieved, c1.percent, c1.remaining, c1.pace_needed) == (10, 50.0, 10, 5)
    assert c1.projected_on == DAY2
    assert c1.reached_on is None
    c2 = TargetProgress.objects.get(target=committee, date=DAY2)
    assert (c2.achieved, c2.remaining, c2.pace_needed) == (15, 5, 5)
    assert c2.projected_on == datetime.date(2021, 1, 10)
    f = TargetProgress.objects.get(target=full, date=DAY2)
    assert (f.achieved, f.percent, f.reached_on, f.days_early) == (13, 162.5, DAY2, 172)


def snapshot_rows():
    fields = (
        "date",
        "committee_id",
        "first_cumulative",
        "first_coverage",
        "rank_in_district",
        "rank_in_subdistrict",
        "rank_change",
        "full_course_coverage",
    )
    return sorted(CommitteeDay.objects.values_list(*fields))


def test_building_twice_gives_identical_rows(town):
    snapshots_rebuild(start=DAY1)
    first = snapshot_rows()
    snapshots_rebuild(start=DAY1)
    snapshots_build_date(on=DAY2)
    assert snapshot_rows() == first
    assert CommitteeDay.objects.count() == 12


def test_correcting_a_past_day_moves_later_totals_and_ranks(town):
    snapshots_rebuild(start=DAY1)
    DailyTally.objects.filter(date=DAY1, committee=town["B"]).update(count=60)
    snapshots_rebuild(start=DAY1)
    day2 = committee_days(DAY2)
    assert day2["B"].first_cumulative == 60
    assert day2["B"].rank_in_subdistrict == 1
    assert day2["C"].rank_in_subdistrict == 2


def test_rebuilding_a_later_day_alone_chains_from_the_first(town):
    snapshots_rebuild(start=DAY2)  # nothing built yet: starts at the campaign's first day
    assert committee_days(DAY2)["A"].first_cumulative == 15
    assert CommitteeDay.objects.filter(date=DAY1).count() == 6


def test_builder_query_count_does_not_grow_with_committees(town, django_assert_max_num_queries):
    snapshots_rebuild(start=DAY1)
    with django_assert_max_num_queries(30) as few:
        snapshots_build_date(on=DAY2)
    for n in range(40):
        CommitteeFactory(subdistrict=town["s1"], code=f"N{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        snapshots_build_date(on=DAY2)


def all_snapshot_rows():
    rows = []
    for model in (CommitteeDay, SubdistrictDay, DistrictDay, TargetProgress):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id",)]
        fields.remove("computed_at")
        rows.append(sorted(model.objects.values_list(*fields)))
    return rows


def test_a_range_built_at_once_equals_its_days_built_one_by_one(town):
    TargetFactory(
        campaign=town["campaign"],
        subdistrict=town["s1"],
        metric="first",
        value=40,
        period_start=DAY1,
        period_end=datetime.date(2021, 1, 31),
    )
    snapshots_build_date(on=DAY1)
    snapshots_build_date(on=DAY2)
    one_by_one = all_snapshot_rows()
    snapshots_build_dates(start=DAY1, end=DAY2)
    assert all_snapshot_rows() == one_by_one
    assert CommitteeDay.objects.count() == 12
    assert TargetProgress.objects.count() == 2


def test_a_range_without_the_day_before_adds_up_every_earlier_tally(town):
    snapshots_build_dates(start=DAY2, end=DAY2)  # DAY1 never built
    day2 = committee_days(DAY2)
    assert (day2["A"].first_cumulative, day2["B"].first_cumulative) == (15, 20)
    assert day2["A"].rank_change is None  # no rank of the day before to compare with
    s1 = SubdistrictDay.objects.get(date=DAY2, subdistrict=town["s1"])
    assert s1.first_cumulative == 62  # 42 of DAY1, non-residents included, and 20


def test_a_correction_rebuilds_only_from_its_date(town):
    snapshots_rebuild(start=DAY1)
    day1_built = CommitteeDay.objects.filter(date=DAY1).values_list("computed_at", flat=True)
    before = set(day1_built)
    DailyTally.objects.filter(date=DAY2, committee=town["C"], dose_kind="first").update(count=1)
    snapshots_rebuild(start=DAY2)
    assert set(day1_built) == before  # DAY1 left alone
    day2 = committee_days(DAY2)
    assert day2["C"].first_cumulative == 6
    assert day2["A"].rank_in_subdistrict == 1


def test_deleting_a_committee_deletes_its_snapshot_rows(town):
    snapshots_rebuild(start=DAY1)
    town["E"].delete()  # through Django: the table has no database-level foreign key
    assert not CommitteeDay.objects.filter(committee_id=town["E"].pk).exists()
    assert CommitteeDay.objects.count() == 10


def test_a_range_costs_the_queries_of_one_date(town, django_assert_max_num_queries):
    snapshots_build_date(on=DAY1)
    with django_assert_max_num_queries(30) as one_date:
        snapshots_build_date(on=DAY2)
    with django_assert_max_num_queries(len(one_date.captured_queries)):
        snapshots_build_dates(start=DAY1, end=DAY2)


def build_times():
    """Each committee and subdistrict row's computed_at, by (area code, date)."""
    committees = CommitteeDay.objects.values_list("committee__code", "date", "computed_at")
    subdistricts = SubdistrictDay.objects.values_list("subdistrict__code", "date", "computed_at")
    return {(code, on): at for code, on, at in [*committees, *subdistricts]}


def test_a_rebuild_writes_only_the_rows_whose_figures_changed(town):
    snapshots_rebuild(start=DAY1)
    built = build_times()
    # A's second doses of DAY2: its row and its subdistrict's change; the ranks (by
    # first-dose coverage) and every other row stay as they were.
    DailyTally.objects.filter(date=DAY2, committee=town["A"], dose_kind="second").update(count=4)
    snapshots_rebuild(start=DAY1)
    rebuilt = build_times()
    assert {key for key in built if rebuilt[key] != built[key]} == {("A", DAY2), ("S1", DAY2)}
    assert committee_days(DAY2)["A"].second_cumulative == 4
    # Every build writes the districts' rows: their time is the pages' "data as of".
    as_of = rebuilt[("A", DAY2)]
    assert DistrictDay.objects.get(date=DAY2).computed_at == as_of
    assert freshness(DAY2).as_of == as_of
    snapshots_rebuild(start=DAY1)  # nothing changed: no committee row rewritten
    assert build_times() == rebuilt


def test_a_committee_moved_to_another_subdistrict_is_ranked_there(town):
    snapshots_rebuild(start=DAY1)
    town["A"].subdistrict = town["s2"]
    town["A"].save()
    snapshots_rebuild(start=DAY1)
    day2 = committee_days(DAY2)
    assert day2["A"].subdistrict_id == town["s2"].pk
    # F 30/100 and A 15/100 in S2; C 20/100 now leads S1.
    assert (day2["F"].rank_in_subdistrict, day2["A"].rank_in_subdistrict) == (1, 2)
    assert day2["C"].rank_in_subdistrict == 1


# Every table the builders read or write, and a column of each kind they name: a figure
# they add up, a figure they write and a parent id they join on.
RENAMED_TABLES = (
    District,
    Subdistrict,
    Committee,
    Site,
    DailyTally,
    CommitteeDay,
    SubdistrictDay,
    DistrictDay,
    TargetProgress,
)
RENAMED_COLUMNS = (
    (DailyTally, "count"),
    (CommitteeDay, "first_cumulative"),
    (Subdistrict, "district"),
)


def forget_compiled_columns(models):
    # A field keeps the column it compiled last ("cached_col", with its table's name).
    for model in models:
        for field in model._meta.concrete_fields:
            field.__dict__.pop("cached_col", None)


@contextlib.contextmanager
def tables_and_columns_renamed():
    """The models and the database both renamed, as a migration renaming them would;
    the test's transaction puts the database back, this puts the models back."""
    quote = connection.ops.quote_name
    tables = {model: model._meta.db_table for model in RENAMED_TABLES}
    fields = [model._meta.get_field(name) for model, name in RENAMED_COLUMNS]
    columns = {field: field.column for field in fields}
    try:
        with connection.cursor() as cursor:
            for model, table in tables.items():
                cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote('x_' + table)}")
                model._meta.db_table = "x_" + table
            for field, column in columns.items():
                table = quote(field.model._meta.db_table)
                renamed = quote(f"x_{column}")
                cursor.execute(f"ALTER TABLE {table} RENAME COLUMN {quote(column)} TO {renamed}")
                field.column = f"x_{column}"
        forget_compiled_columns(tables)
        yield
    finally:
        for model, table in tables.items():
            model._meta.db_table = table
        for field, column in columns.items():
            field.column = column
        forget_compiled_columns(tables)


def build_every_way():
    """A range from scratch, a range chained to the day before, and one chained day."""
    snapshots_build_dates(start=DAY2, end=DAY2)
    snapshots_build_dates(start=DAY1, end=DAY2)
    snapshots_build_date(on=DAY2)
    return all_snapshot_rows()


def test_the_builders_follow_renamed_tables_and_columns(town):
    """The SQL takes its names from the models: renaming a model's table or a field's
    column (and the database with it) changes no figure."""
    TargetFactory(
        campaign=town["campaign"],
        subdistrict=town["s1"],
        metric="first",
        value=40,
        period_start=DAY1,
        period_end=datetime.date(2021, 1, 31),
    )
    expected = build_every_way()
    for model in (CommitteeDay, SubdistrictDay, DistrictDay, TargetProgress):
        model.objects.all().delete()
    with tables_and_columns_renamed():
        assert build_every_way() == expected
        assert committee_days(DAY2)["A"].first_cumulative == 15
        assert DistrictDay.objects.get(date=DAY2).first_cumulative == 92
