import pytest
from django.core.cache import cache

from campaign.broker import broker_circuit_reset
from campaign.models import StaffScope
from tests.factories import (
    CommitteeFactory,
    DistrictFactory,
    StaffScopeFactory,
    SubdistrictFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _empty_cache():
    """What one test rendered into the cache (the ranking table) never reaches another."""
    cache.clear()


@pytest.fixture(autouse=True)
def _broker_circuit_closed():
    """A broker one test made unreachable is not left "down a moment ago" for the next."""
    broker_circuit_reset()
    yield
    broker_circuit_reset()


@pytest.fixture
def district(db):
    return DistrictFactory(code="310107", name="普陀区")


@pytest.fixture
def subdistrict(district):
    return SubdistrictFactory(district=district, code="310107-WL", name="万里街道")


@pytest.fixture
def committee(subdistrict):
    return CommitteeFactory(subdistrict=subdistrict, code="310107-WL-01", name="万里雅筑居民区")


@pytest.fixture
def administrator(db):
    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    StaffScopeFactory(user=user, role=StaffScope.Role.ADMINISTRATOR)
    return user


@pytest.fixture
def district_leader(district):
    user = UserFactory(username="leader")
    StaffScopeFactory(user=user, role=StaffScope.Role.DISTRICT_LEADER, district=district)
    return user


@pytest.fixture
def subdistrict_staff(subdistrict):
    user = UserFactory(username="clerk")
    StaffScopeFactory(user=user, role=StaffScope.Role.SUBDISTRICT_STAFF, subdistrict=subdistrict)
    return user


@pytest.fixture
def committee_staff(committee):
    user = UserFactory(username="committee")
    StaffScopeFactory(user=user, role=StaffScope.Role.COMMITTEE_STAFF, committee=committee)
    return user
