"""The load-test clients of ``make bench``, run by locust in headless mode (bench/load.py
starts it; it never imports Django, it only speaks HTTP to gunicorn on 127.0.0.1).

``BENCH_LOAD_PLAN`` names a JSON file written by bench/load.py: the session cookies, the
pages and, for the evening rush, each client's own entry grid. Every client stops by
itself after a bounded number of requests; the last one to stop ends the run (locust's
``--run-time`` is the second bound). The rush clients write what the server acknowledged
to ``BENCH_LOAD_SENT`` at the end, so bench/load.py can compare it, cell by cell, with the
database.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from html.parser import HTMLParser
from typing import Any

from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from requests.cookies import create_cookie

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
HOST = "127.0.0.1"


class _Inputs(HTMLParser):
    """The ``<input>`` fields of a page: name → value."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""


def _inputs(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.values


class _Finish:
    """Ends the run when the last client of the run has stopped."""

    stopped = 0

    @classmethod
    def one_more(cls, environment) -> None:
        cls.stopped += 1
        if cls.stopped >= environment.parsed_options.num_users:
            environment.runner.quit()


class _BoundedUser(FastHttpUser):
    abstract = True
    host = f"http://{HOST}:{PLAN['port']}"
    wait_time = constant(0)  # back to back: each client is one busy browser tab
    cookies: dict[str, str] = {}

    def on_start(self):
        self.requests_left = PLAN["requests_per_client"]
        for name, value in self.cookies.items():
            self.client.cookiejar.set_cookie(create_cookie(name, value, domain=HOST))

    def spend(self):
        self.requests_left -= 1
        if self.requests_left < 0:
            raise StopUser

    def on_stop(self):
        _Finish.one_more(self.environment)


class RankingUser(_BoundedUser):
    """A district leader reloading the ranking of their district: as a browser does, each
    reload sends the ETag of the page it holds (If-None-Match), answered 304 while the
    snapshot is unchanged."""

    cookies = PLAN["ranking"]["cookies"]
    reloads = True

    def on_start(self):
        super().on_start()
        # The page the session fetched before the run (bench/load.py): each request reloads.
        self.etag = PLAN["ranking"].get("etag")

    @task
    def ranking(self):
        self.spend()
        headers = {"If-None-Match": self.etag} if self.etag and self.reloads else {}
        with self.client.get(
            PLAN["ranking"]["path"],
            name="ranking",
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 304 and headers:
                return
            if response.status_code != 200 or PLAN["ranking"]["expect"] not in response.text:
                response.failure(f"{response.status_code}: not the ranking page")
                return
            self.etag = response.headers.get("ETag")


class RankingFirstVisitUser(RankingUser):
    """The same leaders opening the page again without a copy of their own (no
    If-None-Match): answered the page kept under its ETag."""

    reloads = False


NEW_SESSIONS = itertools.count()


class RankingNewSessionUser(_BoundedUser):
    """Leaders opening the ranking for the first time: every request from a session that
    never asked before (its own CSRF secret, so an ETag of its own), so the page is
    rendered, its table from the shared cache."""

    @task
    def ranking(self):
        self.spend()
        cookies = PLAN["ranking"]["new_sessions"][next(NEW_SESSIONS)]
        self.client.cookiejar.clear()
        with self.client.get(
            PLAN["ranking"]["path"],
            name="ranking",
            headers={"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or PLAN["ranking"]["expect"] not in response.text:
                response.failure(f"{response.status_code}: not the ranking page")


class StaticUser(_BoundedUser):
    """The lower bound: a static file served by WhiteNoise in the same gunicorn."""

    cookies = PLAN["ranking"]["cookies"]

    @task
    def static(self):
        self.spend()
        with self.client.get(
            PLAN["static"], name="static", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))


RUSH_CLIENTS = itertools.count()
SENT: dict[str, int] = {}  # "site|date|field" → the last value a save acknowledged
UNANSWERED: dict[str, int] = {}  # the same for a save that failed: it may have been stored
RUSH: dict[str, Any] = {"first": None, "last": None, "saves": 0, "errors": []}


class RushUser(_BoundedUser):
    """A subdistrict clerk entering the evening's grid of their own site: open the grid,
    type a number in every cell, save (the real form POST with its CSRF token), and again
    for each round (a correction of the same day)."""

    def on_start(self):
        self.client_plan = PLAN["rush"]["clients"][next(RUSH_CLIENTS)]
        self.cookies = self.client_plan["cookies"]
        super().on_start()
        self.rounds_left = PLAN["rush"]["rounds"]
        self.rng = random.Random(f"rush:{self.client_plan['site']}")
        self.path = f"/tallies/{self.client_plan['site']}/{self.client_plan['date']}/"

    def _error(self, what: str) -> None:
        RUSH["errors"].append(f"{self.path} {what}")

    @task
    def save_grid(self):
        if self.rounds_left == 0:
            raise StopUser
        self.rounds_left -= 1
        RUSH["first"] = RUSH["first"] or time.time()
        with self.client.get(self.path, name="grid", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(str(page.status_code))
                self._error(f"GET {page.status_code}")
                return
            fields = _inputs(page.text)
        cells = sorted(name for name in fields if name.startswith("count-"))
        if not cells or "csrfmiddlewaretoken" not in fields:
            self._error("GET: no grid on the page")
            return
        typed = {name: self.rng.randint(0, PLAN["rush"]["max_count"]) for name in cells}
        form = {
            name: value
            for name, value in fields.items()
            if name.startswith("version-") or name == "csrfmiddlewaretoken"
        }
        form.update({name: str(value) for name, value in typed.items()})
        form["reason"] = ""
        key = f"{self.client_plan['site']}|{self.client_plan['date']}"
        for confirming in (False, True):
            if confirming:
                # Random figures may be far above the site's usual days: the grid asked
                # and saved nothing; the clerk confirms them, as a clerk would.
                form["capacity_confirmed"] = "on"
            with self.client.post(
                self.path,
                data=form,
                name="save (confirmed)" if confirming else "save",
                allow_redirects=False,
                catch_response=True,
                headers={"Referer": self.host + self.path},
            ) as saved:
                asked = saved.status_code == 200 and 'id="unusual-figures"' in saved.text
                if asked and not confirming:
                    saved.success()
                    continue
                # Saved: the grid redirects to itself. Anything else (the grid again with a
                # message, an error page, no answer) saved nothing.
                if saved.status_code != 302:
                    saved.failure(str(saved.status_code))
                    self._error(f"POST {saved.status_code}")
                    UNANSWERED.update({f"{key}|{name}": value for name, value in typed.items()})
                    return
            break
        RUSH["saves"] += 1
        RUSH["last"] = time.time()
        for name in typed:
            UNANSWERED.pop(f"{key}|{name}", None)
        SENT.update({f"{key}|{name}": value for name, value in typed.items()})


@events.quitting.add_listener
def _write_sent(environment, **_kwargs):
    if os.environ.get("BENCH_LOAD_SENT"):
        with open(os.environ["BENCH_LOAD_SENT"], "w", encoding="utf-8") as file:
            json.dump({**RUSH, "sent": SENT, "unanswered": UNANSWERED}, file)
