"""PostgreSQL drops the portal's connections (a restart, a failover, pg_terminate_backend):
the next request still succeeds.

A real server process (``manage.py runserver`` without threads, so one connection serves
every request and is kept between them: CONN_MAX_AGE) on the test database. Django's test
client cannot show this: it never runs the between-requests connection check. Runs on
PostgreSQL (CI's second run); skipped on SQLite unless STREETVAX_TEST_BROKER_URL asks for
the real services, when it fails.
"""

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import CampaignFactory
from tests.integration.conftest import BROKER, PROJECT, TODAY, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = _free_port()
SERVER = "streetvax-fault-test-server"  # its connections' application_name


@pytest.fixture
def server(tmp_path):
    if connection.vendor != "postgresql":  # asked for (see the mark below), and missing
        pytest.fail("the real services were asked for, but the database is not PostgreSQL")
    db = connection.settings_dict
    log = tmp_path / "server.log"
    process = subprocess.Popen(  # noqa: S603 (our own arguments)
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--nothreading",
            f"127.0.0.1:{PORT}",
        ],
        cwd=PROJECT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings_test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            f"?application_name={SERVER}",
            "STREETVAX_DEMO_DATE": TODAY.isoformat(),
        },
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    if not wait_for(lambda: get("/health/")[0] == 200, seconds=30):
        process.kill()
        pytest.fail("the server did not start:\n" + log.read_text()[-3000:])
    yield log
    process.terminate()
    process.wait(timeout=10)


def get(path, cookie=""):
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return None, ""


def terminate_server_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [SERVER],
        )
        return cursor.fetchone()[0]


def test_the_settings_keep_and_check_connections():
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.skipif(connection.vendor != "postgresql" and not BROKER, reason="needs PostgreSQL")
def test_after_the_backends_are_terminated_the_next_request_succeeds(
    server, client, subdistrict_staff
):
    CampaignFactory()
    client.force_login(subdistrict_staff)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, page = get("/ranking/", cookie)
    assert (status, "排名" in page) == (200, True)

    assert terminate_server_backends() == 1  # the server's kept connection
    status, page = get("/ranking/", cookie)
    assert (status, "排名" in page) == (200, True), server.read_text()[-3000:]
    status, _page = get("/tallies/", cookie)
    assert status == 200

    assert terminate_server_backends() == 1  # a new connection, kept again
    assert get("/ranking/", cookie)[0] == 200
