import datetime

import pytest

from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory

TODAY = datetime.date(2021, 6, 30)
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def campaign_today(db, settings):
    """The 2021 campaign, on its last day."""
    settings.STREETVAX_DEMO_DATE = TODAY
    return CampaignFactory()


@pytest.fixture
def site(subdistrict):
    return SiteFactory(
        subdistrict=subdistrict,
        code="WL-T-XZ",
        name="上海西站临时接种点",
        kind="temporary",
        daily_capacity=300,
        active_from=datetime.date(2021, 6, 7),
        active_to=datetime.date(2021, 6, 30),
    )


@pytest.fixture
def neighbour(subdistrict):
    return CommitteeFactory(subdistrict=subdistrict, code="310107-WL-02", name="中浩云居民区")
