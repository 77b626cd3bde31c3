"""In a real browser: hostile committee names stay text in the table, the chart and its
tooltip, and the content security policy blocks nothing of our own pages (ECharts, the
board's refresh, the entry grid's script all run under it)."""

import datetime

import pytest

from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.date(2021, 4, 29)
NAMES = [
    '"><img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    "<svg onload=window.__xss=3>",
]
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def hostile_ranking(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = DAY
    CampaignFactory()
    site = SiteFactory(subdistrict=subdistrict)
    committees = [
        CommitteeFactory(subdistrict=subdistrict, code=f"X-{n}", name=name)
        for n, name in enumerate(NAMES)
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=DAY, site=site, committee=c, dose_kind="first", count=100 * (n + 1))
        for n, c in enumerate(committees)
    )
    snapshots_rebuild(start=DAY)


def test_hostile_names_stay_text_in_the_chart_and_nothing_is_blocked(
    phone_page, live_server, subdistrict_staff, hostile_ranking
):
    phone_page.add_init_script(WATCH)
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    for path in ["/ranking/", "/board/", "/targets/", "/tallies/"]:
        phone_page.goto(f"{live_server.url}{path}")
        if path == "/ranking/":
            # ECharts is fetched when the chart comes near (static/js/charts.js).
            phone_page.locator("#ranking-chart").scroll_into_view_if_needed()
            phone_page.wait_for_selector("#ranking-chart[data-drawn=true] svg")
            phone_page.hover("#ranking-chart svg", position={"x": 120, "y": 60})
            phone_page.wait_for_timeout(300)
            text = phone_page.locator("table.ranking").inner_text()
            assert all(name in text for name in NAMES)
            assert NAMES[0] in phone_page.locator("#ranking-chart").inner_text()
        assert phone_page.locator("img[src=x], svg[onload]").count() == 0, path
        assert phone_page.evaluate("window.__xss") is None, path
        assert phone_page.evaluate("window.__violations") == [], path

    # The policy is really in force: an injected inline script is blocked and reported.
    phone_page.evaluate(
        "var s = document.createElement('script'); s.textContent = 'window.__xss = 9';"
        "document.body.appendChild(s)"
    )
    phone_page.wait_for_timeout(200)
    assert phone_page.evaluate("window.__xss") is None
    assert any(v.startswith("script-src") for v in phone_page.evaluate("window.__violations"))
