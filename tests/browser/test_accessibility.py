"""axe-core finds no accessibility violation (WCAG 2.2 AA and its best practices: colour
contrast, labels, landmarks, names) on the pages a leader reads each morning, at 375 px,
on the hand-computed day of the bulletin tests."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from reports.services.bulletins import bulletin_publish
from tests.browser.conftest import log_in
from tests.reports.bulletin_scene import DAY, build_scene

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(settings, subdistrict, committee, subdistrict_staff):
    built = build_scene(settings, subdistrict, committee)
    built["bulletin"] = bulletin_publish(
        user=subdistrict_staff, subdistrict=subdistrict, on=DAY, unreported_confirmed=True
    )
    return built


def _pages(scene, committee) -> dict[str, str]:
    day = f"date={DAY.isoformat()}"
    return {
        "home": "/",
        "ranking": f"/ranking/?{day}",
        "targets": f"/targets/?{day}",
        "committee": f"/committees/{committee.pk}/?{day}",
        "second doses": f"/second-doses/?{day}",
        "capacity": "/capacity/",
        "milestones": "/milestones/",
        "bulletin": f"/bulletins/{scene['bulletin'].pk}/",
    }


def _violations(page) -> list[str]:
    """One line per element that breaks a rule: the rule, the element, what axe says."""
    found = Axe().run(page).response["violations"]
    return [
        f"{rule['id']}: {node['target']} {node['failureSummary'].splitlines()[-1].strip()}"
        for rule in found
        for node in rule["nodes"]
    ]


def test_no_axe_violation_on_the_morning_pages(
    phone_page, live_server, subdistrict_staff, committee, scene
):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.wait_for_selector("h1")
    found = {}
    for name, path in _pages(scene, committee).items():
        phone_page.goto(f"{live_server.url}{path}")
        phone_page.wait_for_load_state("networkidle")
        report = _violations(phone_page)
        if report:
            found[name] = report
    # The phone's menu, opened: white on the brand's red, links and buttons.
    phone_page.goto(live_server.url)
    phone_page.click("button.menu-button")
    phone_page.wait_for_selector(".topnav a >> visible=true")
    report = _violations(phone_page)
    if report:
        found["home, menu open"] = report
    assert not found, "\n".join(
        f"{name}: {line}" for name, lines in found.items() for line in lines
    )
