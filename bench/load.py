"""The load tests of ``make bench``: the ranking page under 50 concurrent clients and the
evening rush of 200 clerks saving their grids at once, against gunicorn on 127.0.0.1.

Imported by bench/run.py (Django is set up there). The clients are locust users in
bench/locustfile.py, run headless in their own process. Everything here is bounded: each
client makes a fixed number of requests, locust's ``--run-time`` is a second bound, and
every server started here is stopped again. What the bench writes (users, sessions, the
rush's tallies and their history, stale marks, rebuilt snapshots) is removed or put back
afterwards, and checked to be as it was.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib import import_module
from importlib.metadata import version
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection, transaction
from django.db.models import Count
from django.middleware.csrf import _get_new_csrf_string
from psycopg2.extras import execute_values

from campaign.clock import today
from campaign.models import Campaign, Committee, District, StaffScope, Subdistrict
from reports.builders import snapshots_build_date
from reports.models import CommitteeDay, DistrictDay, StaleDate, SubdistrictDay, TargetProgress
from sites.models import DailyTally, Site

PROJECT = Path(__file__).resolve().parents[1]
# Two cores, and PostgreSQL and the load tool on the same machine: 2 × cores + 1 sync
# workers (gunicorn's own advice) keeps both cores busy while some workers wait on the
# database. BENCH_WORKERS overrides it.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
LOAD_RUNS = int(os.environ.get("BENCH_LOAD_RUNS", "3"))
RANKING_CLIENTS = 50
RANKING_REQUESTS = 30  # per client and run: 1,500 page views a run
STATIC_REQUESTS = 200  # per client and run: 10,000 static files a run
RUSH_CLIENTS = 200
RUSH_ROUNDS = 2  # the evening's figures, then a correction of the same day
RUSH_MAX_COUNT = 3  # each cell gets 0..3 doses: every grid stays within its site's capacity
RUN_TIME = "120s"  # locust's own bound on one run
BENCH_USER_PREFIX = "bench-load-"
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
# The shared cache of the web processes (rendered tables, sessions), emptied before the
# ranking's first visit, which renders the table into it.
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")
# Saves with the broker killed: the clerks of an ordinary evening, each saving repeatedly.
BROKER_DOWN_CLIENTS = int(os.environ.get("BENCH_BROKER_DOWN_CLIENTS", "20"))
BROKER_DOWN_ROUNDS = 5
BROKER_DOWN_RUN_TIME = "600s"  # a bound only: on a busy machine the saves take seconds


LOAD_NOTES = f"""\
Load tests: gunicorn `-w {WORKERS}` (sync workers) on 127.0.0.1 with production settings
(DEBUG off, manifest static files served by WhiteNoise), the Redis broker and, for the rush,
one Celery worker (`-P solo`, under `portal.supervise`); locust {version("locust")} in headless
mode on the same two cores (its own CPU is part of the figures). Clients log in with a
session made by the bench.
- ranking page: {RANKING_CLIENTS} clients back to back (no think time), each {RANKING_REQUESTS}
  requests a run, as a leader of the district with the most committees (`/ranking/`: the
  whole district, official order, chart and table), with a shared Redis cache (emptied
  once; the first visit renders the table into it); reloaded as a browser does
  (If-None-Match with the ETag of the page the session fetched before the run, then the
  last ETag received, so 304 while the snapshot is unchanged), then opened again without
  a copy (no ETag: the whole page, gzip, the copy kept under its ETag), then as leaders'
  first visits (each request a session never seen: the page rendered, its table from the
  shared cache); the bound is the same clients fetching the portal's CSS
  {STATIC_REQUESTS} times each.
- evening rush: {RUSH_CLIENTS} clerks (subdistrict staff) of {RUSH_CLIENTS} subdistricts,
  each with its own site and today's date: open the grid, type 0-{RUSH_MAX_COUNT} in every
  cell, save with the form's CSRF token; then again (a correction). The grids start empty.
  A save counts when it redirects; errors are any other answer; lost writes are cells whose
  stored count differs from the last value a save acknowledged, every cell compared after
  each run. Then the tallies, their history, the stale marks and the date's snapshots are
  put back and checked to be as before, and the bench's users and sessions are deleted.
The ranking table is rendered once per snapshot and then comes from the shared cache; with
clients that send the next request the moment an answer arrives, the answer time is the
number of clients ÷ requests/s (Little's law): docs/SCALING.md, section 2, says what that
means for the goal.
- saves with Redis killed: {BROKER_DOWN_CLIENTS} clerks, each with a site of their own, save
  their grid {BROKER_DOWN_ROUNDS} times each (as in the rush), against a redis-server the bench
  starts on a free port: once with it up (a worker rebuilding beside them), once after SIGKILL.
  While it is down each gunicorn worker touches it at most once every
  STREETVAX_BROKER_PAUSE_SECONDS (5 s); the saves are kept and marked for the sweep."""


@dataclass(frozen=True)
class Row:
    name: str
    ours: str
    bound: str
    ratio: str
    goal: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env(broker_url: str = BROKER_URL) -> dict[str, str]:
    """Production settings (DEBUG off) on plain HTTP at 127.0.0.1, with the Redis broker:
    a save schedules its rebuild on the Celery worker, as in production."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": broker_url,
        "STREETVAX_CACHE_URL": CACHE_URL,
        "STREETVAX_DEMO_DATE": today().isoformat(),
    }


@contextmanager
def _process(command: list[str], log: Path, env: dict[str, str]) -> Iterator[None]:
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(folder: Path, broker_url: str = BROKER_URL) -> Iterator[int]:
    """gunicorn serving portal.wsgi on a free port of 127.0.0.1; yields the port."""
    port = int(os.environ.get("BENCH_PORT") or _free_port())
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi", "-w", str(WORKERS)]
    command += ["-b", f"127.0.0.1:{port}", "--timeout", "60", "--backlog", "512"]
    with _process(command, folder / "gunicorn.log", _server_env(broker_url)):
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"gunicorn did not start: {(folder / 'gunicorn.log').read_text()}"
                    ) from None
                time.sleep(0.5)
        yield port


def _celery(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "portal", *arguments]


@contextmanager
def celery_worker(folder: Path, broker_url: str = BROKER_URL) -> Iterator[None]:
    """One Celery worker on the bench's Redis database, as production runs beside the web
    processes: the saves' rebuilds run there, on the same two cores."""
    env = _server_env(broker_url)
    subprocess.run(  # noqa: S603 - our own command; an empty queue to start from
        _celery("purge", "-f"), cwd=PROJECT, env=env, check=True, capture_output=True
    )
    # Under portal.supervise, as production runs it under systemd (docs/operations.md).
    worker = [sys.executable, "-m", "portal.supervise", "--"]
    worker += _celery("worker", "-P", "solo", "-l", "warning", "--without-gossip")
    worker += ["--without-mingle", "--without-heartbeat"]
    with _process(worker, folder / "worker.log", env):
        yield
    subprocess.run(  # noqa: S603 - what the worker had not taken yet
        _celery("purge", "-f"), cwd=PROJECT, env=env, check=True, capture_output=True
    )


# ---------------------------------------------------------------------------------------
# Users and sessions of the bench, removed again afterwards
# ---------------------------------------------------------------------------------------


def _login(user) -> dict[str, str]:
    """A logged-in session made directly (no password hashing in the measured run), and
    the CSRF cookie a browser would carry: the cookies a client sends."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return {settings.SESSION_COOKIE_NAME: store.session_key, "csrftoken": _get_new_csrf_string()}


def _bench_user(username: str, **scope) -> object:
    user = get_user_model().objects.create_user(username=username, password=None)
    StaffScope.objects.create(user=user, **scope)
    return user


def _remove_bench_users(cookies: list[dict[str, str]]) -> None:
    users = get_user_model().objects.filter(username__startswith=BENCH_USER_PREFIX)
    ids = list(users.values_list("pk", flat=True))
    Session.objects.filter(
        session_key__in=[c[settings.SESSION_COOKIE_NAME] for c in cookies]
    ).delete()
    StaffScope.objects.filter(user_id__in=ids).delete()
    StaffScope.history.filter(user_id__in=ids).delete()
    DailyTally.history.filter(history_user_id__in=ids).delete()
    users.delete()


# ---------------------------------------------------------------------------------------
# Running locust
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    requests: int
    failures: int
    p50: float
    p95: float
    per_second: float


def _percentile(histogram: dict[str, int], fraction: float) -> float:
    """A percentile of locust's response-time histogram (ms → count)."""
    total = sum(histogram.values())
    seen = 0
    for value, count in sorted((float(k), v) for k, v in histogram.items()):
        seen += count
        if seen >= fraction * total:
            return value
    return 0.0


def locust(
    user_class: str,
    clients: int,
    plan: dict,
    folder: Path,
    *,
    sent: Path | None = None,
    run_time: str = RUN_TIME,
) -> dict[str, Figures]:
    """One headless locust run; the figures of each request name."""
    plan_path = folder / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    report = folder / f"{user_class}.json"
    env = {**os.environ, "BENCH_LOAD_PLAN": str(plan_path)}
    if sent:
        env["BENCH_LOAD_SENT"] = str(sent)
    command = [sys.executable, "-m", "locust", "-f", str(PROJECT / "bench" / "locustfile.py")]
    command += ["--headless", "--only-summary", "--loglevel", "WARNING", "-u", str(clients)]
    command += ["-r", str(clients), "-t", run_time, "--stop-timeout", "10"]
    command += ["--json-file", str(report.with_suffix("")), "--exit-code-on-error", "0"]
    command += [user_class]
    finished = subprocess.run(  # noqa: S603 - our own command
        command, cwd=PROJECT, env=env, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise SystemExit(f"locust failed:\n{finished.stdout}\n{finished.stderr}")
    figures = {}
    for entry in json.loads(report.read_text(encoding="utf-8")):
        seconds = max(entry["last_request_timestamp"] - entry["start_time"], 1e-9)
        figures[entry["name"]] = Figures(
            requests=entry["num_requests"],
            failures=entry["num_failures"],
            p50=_percentile(entry["response_times"], 0.50),
            p95=_percentile(entry["response_times"], 0.95),
            per_second=entry["num_requests"] / seconds,
        )
    return figures


def _median(runs: list[Figures]) -> Figures:
    return Figures(
        requests=sum(run.requests for run in runs),
        failures=sum(run.failures for run in runs),
        p50=statistics.median(run.p50 for run in runs),
        p95=statistics.median(run.p95 for run in runs),
        per_second=statistics.median(run.per_second for run in runs),
    )


# ---------------------------------------------------------------------------------------
# The ranking page
# ---------------------------------------------------------------------------------------


def _ranking_district() -> District:
    """The district with the most committees (the heaviest ranking page), or with
    BENCH_RANKING_DISTRICT=median the district of median size."""
    districts = list(
        District.objects.annotate(size=Count("subdistricts__committees")).order_by("-size", "code")
    )
    if os.environ.get("BENCH_RANKING_DISTRICT") == "median":
        return districts[len(districts) // 2]
    return districts[0]


def _empty_cache() -> None:
    """The bench's cache database emptied: nothing rendered, no session cached."""
    redis.Redis.from_url(CACHE_URL).flushdb()


def _fetch(port: int, path: str, cookies: dict[str, str], **headers: str):
    """One GET as a browser on a phone sends it; the status, headers and the bytes on the
    wire (status line, headers and body as sent, compressed or not)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={
            "Accept-Encoding": "gzip, deflate, br",
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            status, head, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as answer:  # a 304 arrives as an "error"
        status, head, body = answer.code, answer.headers, answer.read()
    wire = len(f"HTTP/1.1 {status} X\r\n") + len(str(head)) + len(body)
    return status, head, body, wire


def visit_bytes(port: int, path: str, cookies: dict[str, str]) -> tuple[int, int, int, str]:
    """Bytes a first visit transfers (the page, then its scripts and style sheets) and a
    reload (If-None-Match: the page answered 304; the static files, named by their hash
    and sent as immutable, come from the browser's cache). Returns (page, files, reload,
    the page's ETag)."""
    status, head, body, page = _fetch(port, path, cookies)
    if status != 200:
        raise SystemExit(f"the ranking answered {status}")
    if head.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', body.decode())
    files = sum(_fetch(port, asset, cookies)[3] for asset in set(assets))
    status, _head, _body, reload = _fetch(port, path, cookies, **{"If-None-Match": head["ETag"]})
    if status != 304:
        raise SystemExit(f"a reload of the unchanged ranking answered {status}, not 304")
    return page, files, reload, head["ETag"]


def bench_ranking(folder: Path, port: int) -> list[Row]:
    """The ranking a district leader opens every morning (their whole district, the
    official order), beside a static file from the same gunicorn: reloaded (304 while the
    snapshot is unchanged), and as first visits (the whole page each time)."""
    district = _ranking_district()
    committees = Committee.objects.filter(subdistrict__district=district).count()
    leader = _bench_user(
        f"{BENCH_USER_PREFIX}leader", role=StaffScope.Role.DISTRICT_LEADER, district=district
    )
    cookies = _login(leader)
    sessions = [cookies]
    try:
        ranking: dict[str, Any] = {
            "path": "/ranking/",
            "cookies": cookies,
            "expect": district.name,
        }
        plan = {
            "port": port,
            "requests_per_client": RANKING_REQUESTS,
            "ranking": ranking,
            "static": staticfiles_storage.url("css/portal.css"),
        }
        # The morning's first visit renders the table into the emptied shared cache; every
        # other process and client reads it from there, as a district's leaders would.
        _empty_cache()
        page_bytes, file_bytes, reload_bytes, etag = visit_bytes(port, "/ranking/", cookies)
        # Every client reloads the page that first visit fetched (one session, one ETag):
        # the reloads are measured as reloads; whole pages have their own run below.
        ranking["etag"] = etag
        reloads, firsts, news, files = [], [], [], []
        for _ in range(LOAD_RUNS):
            reloads.append(locust("RankingUser", RANKING_CLIENTS, plan, folder)["ranking"])
            firsts.append(locust("RankingFirstVisitUser", RANKING_CLIENTS, plan, folder)["ranking"])
            # A session per request, never seen before: each one renders the page.
            ranking["new_sessions"] = [
                _login(leader) for _ in range(RANKING_CLIENTS * RANKING_REQUESTS)
            ]
            sessions += ranking["new_sessions"]
            news.append(locust("RankingNewSessionUser", RANKING_CLIENTS, plan, folder)["ranking"])
            static_plan = {**plan, "requests_per_client": STATIC_REQUESTS}
            files.append(locust("StaticUser", RANKING_CLIENTS, static_plan, folder)["static"])
            print(
                f"ranking reloaded: {reloads[-1]}\nranking, opened again: {firsts[-1]}\n"
                f"ranking, new sessions: {news[-1]}\nstatic file: {files[-1]}",
                flush=True,
            )
    finally:
        _remove_bench_users(sessions)
    page, first, new, static = _median(reloads), _median(firsts), _median(news), _median(files)
    if page.failures or first.failures or new.failures or static.failures:
        raise SystemExit(
            f"failed requests: ranking {page.failures} + {first.failures} + {new.failures}, "
            f"static {static.failures}"
        )
    where = (
        f"a district ({district.name}, {committees:,} committees), {RANKING_CLIENTS} "
        f"concurrent clients, gunicorn -w {WORKERS}"
    )
    return [
        Row(
            f"ranking page of {where}, reloaded (If-None-Match with the ETag of the page "
            "the session fetched first: 304 while the snapshot is unchanged): p50 / p95",
            f"{page.p50:.0f} / {page.p95:.0f} ms",
            f"{static.p50:.0f} / {static.p95:.0f} ms",
            f"{page.p95 / max(static.p95, 1):.1f}× (p95)",
            "≤ 3× the static file's p95",
        ),
        Row(
            "ranking page reloaded, same run: requests/s (static file beside it)",
            f"{page.per_second:,.0f}/s",
            f"{static.per_second:,.0f}/s",
            f"{page.per_second / static.per_second:.2f}× the static file's",
            "≥ 1/3 of the static file's",
        ),
        Row(
            "ranking page, same clients opening it again without a copy of their own (no "
            "If-None-Match: the whole page, gzip, answered the copy kept under its ETag): "
            "p50 / p95 · requests/s",
            f"{first.p50:.0f} / {first.p95:.0f} ms · {first.per_second:,.0f}/s",
            f"{static.p50:.0f} / {static.p95:.0f} ms · {static.per_second:,.0f}/s",
            f"{first.per_second / static.per_second:.2f}× · "
            f"{first.p95 / max(static.p95, 1):.1f}× (p95)",
            "≥ 1/3 · ≤ 3×",
        ),
        Row(
            "ranking page, every request a leader's first visit (a new session: the page "
            "rendered, its table from the shared cache): p50 / p95 · requests/s",
            f"{new.p50:.0f} / {new.p95:.0f} ms · {new.per_second:,.0f}/s",
            f"{static.p50:.0f} / {static.p95:.0f} ms · {static.per_second:,.0f}/s",
            f"{new.per_second / static.per_second:.2f}× · "
            f"{new.p95 / max(static.p95, 1):.1f}× (p95)",
            "–",
        ),
        Row(
            "bytes on the wire: a first visit (the page compressed + its scripts and CSS, "
            "Brotli) · a reload (304; static files from the browser's cache)",
            f"{(page_bytes + file_bytes) / 1024:,.0f} KB ({page_bytes / 1024:,.0f} + "
            f"{file_bytes / 1024:,.0f}) · {reload_bytes:,} bytes",
            "–",
            "–",
            "–",
        ),
    ]


# ---------------------------------------------------------------------------------------
# The evening rush
# ---------------------------------------------------------------------------------------


def _rush_sites(
    day: date, clients: int = RUSH_CLIENTS, *, one_per_subdistrict: bool = True
) -> list[Site]:
    """An open site for each of ``clients`` clerks, big enough for a full grid of
    RUSH_MAX_COUNT doses a cell: in as many subdistricts, or (``one_per_subdistrict``
    false, for a small database) several sites of one subdistrict."""
    sizes = dict(Subdistrict.objects.annotate(size=Count("committees")).values_list("pk", "size"))
    chosen: dict[int, Site] = {}
    sites = Site.objects.filter(active_from__lte=day).exclude(active_to__lt=day)
    for site in sites.order_by("subdistrict__code", "code"):
        grid_most = (sizes[site.subdistrict_id] + 1) * 3 * RUSH_MAX_COUNT
        key = site.subdistrict_id if one_per_subdistrict else site.pk
        if key not in chosen and site.daily_capacity >= grid_most:
            chosen[key] = site
    if len(chosen) < clients:
        raise SystemExit(f"only {len(chosen)} sites fit the load's {clients} clerks")
    return list(chosen.values())[:clients]


TALLY_FIELDS = [f.attname for f in DailyTally._meta.concrete_fields]


def _state(day: date, site_ids: list[int]) -> dict:
    """What the rush may touch, to check it is put back as it was."""
    snapshot = []
    for model in (CommitteeDay, SubdistrictDay, DistrictDay, TargetProgress):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "computed_at"]
        fields.remove("id")
        snapshot.append(
            sorted(
                tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                for row in model.objects.filter(date=day).values_list(*fields)
            )
        )
    return {
        "tallies": sorted(
            DailyTally.objects.filter(site_id__in=site_ids, date=day).values_list(*TALLY_FIELDS)
        ),
        "history": DailyTally.history.count(),
        "stale": sorted(StaleDate.objects.values_list("date", "marked_at")),
        "snapshots": snapshot,
    }


def _delete_tallies(day: date, site_ids: list[int]) -> None:
    """Raw SQL: the ORM's delete would write history rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM sites_dailytally WHERE date = %s AND site_id = ANY(%s)", [day, site_ids]
        )


def _put_back(day: date, site_ids: list[int], before: dict) -> None:
    """The rush's sites' tallies of the day, the stale marks and the day's snapshots as
    they were. Raw SQL: bulk_create would stamp new created/updated times."""
    columns = ", ".join(connection.ops.quote_name(name) for name in TALLY_FIELDS)
    with transaction.atomic(), connection.cursor() as cursor:
        _delete_tallies(day, site_ids)
        execute_values(
            cursor.cursor,
            f"INSERT INTO {DailyTally._meta.db_table} ({columns}) VALUES %s",  # noqa: S608 - our names
            before["tallies"],
        )
        StaleDate.objects.all().delete()
        StaleDate.objects.bulk_create(
            StaleDate(date=stale_day, marked_at=at) for stale_day, at in before["stale"]
        )
    snapshots_build_date(on=day)


def _lost_writes(day: date, result: dict, site_ids: list[int]) -> tuple[int, int]:
    """Cells whose stored count differs from the last value a save acknowledged (or that
    are missing), and the cells compared. A row no client sent counts as lost too; a cell
    whose last save got no answer may hold either value (that save is an error already)."""

    def cell(key: str) -> tuple:
        site_id, _day, field = key.split("|")
        _count, row, dose = field.split("-")
        return (int(site_id), "nr" if row == "nr" else int(row), dose)

    stored = {
        (site_id, committee_id or "nr", dose): count
        for site_id, committee_id, dose, count in DailyTally.objects.filter(
            site_id__in=site_ids, date=day
        ).values_list("site_id", "committee_id", "dose_kind", "count")
    }
    expected = {cell(key): value for key, value in result["sent"].items()}
    unanswered = {cell(key): value for key, value in result["unanswered"].items()}
    lost = sum(
        1
        for key, value in expected.items()
        if stored.get(key) != value
        and (key not in unanswered or stored.get(key) != unanswered[key])
    )
    lost += len(set(stored) - set(expected) - set(unanswered))
    return lost, len(expected)


def bench_rush(folder: Path, port: int, campaign: Campaign) -> list[Row]:
    """200 clerks of 200 subdistricts enter the evening's grid of their own site at once,
    then correct it: saves/s, errors, and every cell compared with what they sent."""
    day = min(campaign.end_date, today())
    sites = _rush_sites(day)
    site_ids = [site.pk for site in sites]
    before = _state(day, site_ids)
    clients: list[dict[str, Any]] = []
    for site in sites:
        clerk = _bench_user(
            f"{BENCH_USER_PREFIX}clerk-{site.subdistrict_id}",
            role=StaffScope.Role.SUBDISTRICT_STAFF,
            subdistrict_id=site.subdistrict_id,
        )
        clients.append({"cookies": _login(clerk), "site": site.pk, "date": day.isoformat()})
    plan = {
        "port": port,
        "requests_per_client": 2 * RUSH_ROUNDS,
        "ranking": {"cookies": {}},
        "rush": {"clients": clients, "rounds": RUSH_ROUNDS, "max_count": RUSH_MAX_COUNT},
    }
    runs = []
    try:
        for _ in range(LOAD_RUNS):
            _delete_tallies(day, site_ids)  # the evening's entry starts from empty grids
            sent_path = folder / "sent.json"
            with celery_worker(folder):
                figures = locust("RushUser", RUSH_CLIENTS, plan, folder, sent=sent_path)
            result = json.loads(sent_path.read_text(encoding="utf-8"))
            lost, compared = _lost_writes(day, result, site_ids)
            seconds = max((result["last"] or 0) - (result["first"] or 0), 1e-9)
            runs.append(
                {
                    "saves_per_second": result["saves"] / seconds,
                    "saves": result["saves"],
                    "errors": len(result["errors"]) + sum(f.failures for f in figures.values()),
                    "lost": lost,
                    "compared": compared,
                    "save_p95": figures["save"].p95,
                    "examples": result["errors"][:3],
                }
            )
            print(f"rush: {runs[-1]}", flush=True)
            _put_back(day, site_ids, before)
    finally:
        _remove_bench_users([client["cookies"] for client in clients])
        _put_back(day, site_ids, before)
    after = _state(day, site_ids)
    if after != before:
        changed = [name for name in before if before[name] != after[name]]
        raise SystemExit(f"the rush did not leave the database as it found it: {changed}")
    errors = sum(run["errors"] for run in runs)
    lost = sum(run["lost"] for run in runs)
    if errors:
        print("rush errors, e.g.:", [run["examples"] for run in runs])
    saves = statistics.median(run["saves_per_second"] for run in runs)
    return [
        Row(
            f"evening rush: {RUSH_CLIENTS} clerks of {RUSH_CLIENTS} subdistricts save their "
            f"own site's grid at once ({RUSH_ROUNDS} saves each: the day, then a correction; "
            f"real form POST with CSRF), a Celery worker rebuilding beside them: "
            f"saves/s · errors · lost writes (all {LOAD_RUNS} runs, "
            f"{sum(run['compared'] for run in runs):,} cells compared)",
            f"{saves:,.1f}/s · {errors} · {lost}",
            "–",
            "–",
            "0 errors, 0 lost",
        ),
        Row(
            "evening rush, same runs: p95 of one save (POST to redirect)",
            f"{statistics.median(run['save_p95'] for run in runs):,.0f} ms",
            "–",
            "–",
            "–",
        ),
    ]


@contextmanager
def own_redis(folder: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A redis-server of the bench's own on a free port, which it may kill (never the
    machine's Redis); yields its URL and process."""
    port = _free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port)]
    command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(  # noqa: S603 - our own command
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("the bench's own redis-server did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def bench_broker_down(folder: Path, campaign: Campaign) -> list[Row]:
    """The same save load with Redis up and with Redis killed: p95 of a save, side by side.
    A dead broker must cost a save nothing visible (issue 17: down ≤ 1.5× up)."""
    day = min(campaign.end_date, today())
    sites = _rush_sites(day, BROKER_DOWN_CLIENTS, one_per_subdistrict=False)
    site_ids = [site.pk for site in sites]
    before = _state(day, site_ids)
    clients: list[dict[str, Any]] = []
    for site in sites:
        clerk = _bench_user(
            f"{BENCH_USER_PREFIX}clerk-site-{site.pk}",
            role=StaffScope.Role.SUBDISTRICT_STAFF,
            subdistrict_id=site.subdistrict_id,
        )
        clients.append({"cookies": _login(clerk), "site": site.pk, "date": day.isoformat()})
    rounds, limit = BROKER_DOWN_ROUNDS, BROKER_DOWN_RUN_TIME
    plan: dict[str, Any] = {
        "requests_per_client": 2 * rounds,
        "ranking": {"cookies": {}},
        "rush": {"clients": clients, "rounds": rounds, "max_count": RUSH_MAX_COUNT},
    }
    figures: dict[str, tuple[Figures, int, int]] = {}
    try:
        with own_redis(folder) as (broker_url, redis_server), gunicorn(folder, broker_url) as port:
            plan["port"] = port
            for state in ("up", "down"):
                _delete_tallies(day, site_ids)
                sent_path = folder / f"sent-{state}.json"
                if state == "down":
                    redis_server.send_signal(signal.SIGKILL)
                    redis_server.wait()
                    load = locust(
                        "RushUser", len(clients), plan, folder, sent=sent_path, run_time=limit
                    )
                else:
                    with celery_worker(folder, broker_url):
                        load = locust(
                            "RushUser", len(clients), plan, folder, sent=sent_path, run_time=limit
                        )
                result = json.loads(sent_path.read_text(encoding="utf-8"))
                lost, _compared = _lost_writes(day, result, site_ids)
                errors = len(result["errors"]) + sum(f.failures for f in load.values())
                if result["saves"] + len(result["errors"]) < len(clients) * rounds:
                    raise SystemExit(f"the load with Redis {state} did not finish in {limit}")
                figures[state] = (load["save"], errors, lost)
                print(f"saves with Redis {state}: {figures[state]}", flush=True)
                _put_back(day, site_ids, before)
    finally:
        _remove_bench_users([client["cookies"] for client in clients])
        _put_back(day, site_ids, before)
    (up, up_errors, up_lost), (down, down_errors, down_lost) = figures["up"], figures["down"]
    return [
        Row(
            f"saves with Redis killed: {len(clients)} clerks save their grid {rounds} times "
            "each, p95 of a save with Redis killed · errors · lost writes (bound: the same "
            "load with Redis up)",
            f"{down.p95:,.0f} ms · {down_errors} · {down_lost}",
            f"{up.p95:,.0f} ms · {up_errors} · {up_lost}",
            f"{down.p95 / max(up.p95, 1):.2f}×",
            "down ≤ 1.5× up, 0 errors, 0 lost",
        )
    ]


def bench_load(campaign: Campaign) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="streetvax-bench-") as name:
        folder = Path(name)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=PROJECT,
            env=_server_env(),
            check=True,
        )
        parts = os.environ.get("BENCH_LOAD_PARTS", "ranking,rush,broker").split(",")
        rows = []
        if "ranking" in parts or "rush" in parts:
            with gunicorn(folder) as port:
                if "ranking" in parts:
                    rows += bench_ranking(folder, port)
                if "rush" in parts:
                    rows += bench_rush(folder, port, campaign)
        if "broker" in parts:
            rows += bench_broker_down(folder, campaign)
    return rows
