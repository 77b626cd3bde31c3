"""The OpenAPI description against the API itself (schemathesis): generated requests to
every operation, with a read-write token, never get a 500, and every answer (status,
content type, headers and body) is one the description allows. Examples are bounded so
the run stays well under two minutes."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.wsgi import application
from tests.api.conftest import token_of

pytestmark = pytest.mark.django_db

EXAMPLES = 30  # per operation: the whole run stays well under two minutes
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Called as a WSGI application, Django closes "old" connections at each request's
    start and end, which would close the test's own transaction on PostgreSQL; Django's
    test client disconnects the same receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_answer_matches_the_description(world, settings, wsgi_keeps_the_test_connection):
    # The writes of the run are not to be throttled: a 429 would hide the rest.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_writes": "100000/min"},
    }
    key = token_of(subdistrict=world["home"].subdistrict)[1]
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    run_every(operations, key)


def run_every(operations, key: str) -> None:
    for operation in operations:
        # schemathesis' own pytest loader (from_fixture) does not run on pytest 9, so each
        # operation's strategy is driven by hypothesis here.
        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            # Plain JSON: answers are gzipped for clients that accept it (GZipMiddleware),
            # and schemathesis's WSGI transport does not undo a Content-Encoding.
            case.call_and_validate(
                headers={"Authorization": f"Bearer {key}", "Accept-Encoding": "identity"},
                checks=CHECKS,
            )

        run()


def test_the_description_is_served_and_names_every_operation(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert paths == {
        "/api/v1/tallies/",
        "/api/v1/imports/{import_id}/",
        "/api/v1/areas/",
        "/api/v1/sites/",
        "/api/v1/ranking/",
        "/api/v1/targets/",
        "/api/v1/summary/",
    }
    assert response.json()["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_the_docs_page_loads_nothing_from_the_internet(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    sources = [
        part.split('"')[1]
        for part in page.split("src=")[1:] + page.split("href=")[1:]
        if part.startswith('"')
    ]
    assert sources
    assert all(source.startswith("/") for source in sources), sources
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert b"http://" not in script.content
    assert b"https://" not in script.content
