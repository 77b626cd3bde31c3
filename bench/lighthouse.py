"""``make lighthouse``: Lighthouse (mobile) on the pages a leader and a clerk open every
day, served as in production, written to BENCHMARKS.md (its "Lighthouse" section).

The demo (``seed_demo``) in a SQLite file of its own, ``collectstatic`` (the compressed
copies), gunicorn with DEBUG off; a real login through the login form for each of the two
demo users, whose session cookie Lighthouse sends with ``--extra-headers``. Lighthouse is
tools/lighthouse's exact version, on Debian's Chromium (``CHROME_PATH``).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = PROJECT / "tools" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
PORT = int(os.environ.get("LIGHTHOUSE_PORT", "8105"))
DEMO_DATE = "2021-06-30"
PASSWORD = "streetvax-demo"  # noqa: S105 - the demo accounts' published password (README)
CATEGORIES = ["performance", "accessibility", "best-practices"]
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 100}
SECTION = "## Lighthouse"


def _env(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "lighthouse-only-not-secret",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "STREETVAX_DEMO_DATE": DEMO_DATE,
        "CELERY_BROKER_URL": "",
    }


def _manage(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi", "-w", "2"]
    command += ["-b", f"127.0.0.1:{PORT}", "--timeout", "120"]
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 - our own command
            command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{PORT}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health/", timeout=5):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start: {log.read_text()}") from None
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def login(base: str, username: str) -> str:
    """Logs in through the login form; the Cookie header a browser then sends."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token is None:
        raise SystemExit("the login page has no CSRF token")
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    opener.open(
        urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
            f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
        ),
        timeout=30,
    )
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"{username} could not log in")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def pages(env: dict[str, str]) -> list[tuple[str, str, str]]:
    """(page, user, path): the paths need the demo's ids, read from its database."""
    script = (
        "import django, json; django.setup();"
        "from campaign.models import Committee; from sites.models import Site;"
        "c = Committee.objects.get(name='万里雅筑居民区');"
        "s = Site.objects.filter(subdistrict=c.subdistrict, active_from__lte='2021-06-30')"
        ".order_by('code').first();"
        "print(json.dumps({'committee': c.pk, 'site': s.pk}))"
    )
    ids = json.loads(
        subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-c", script],
            cwd=PROJECT,
            env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    leader, clerk = "putuo_leader", "wanli_staff"
    return [
        ("home", leader, "/"),
        ("ranking", leader, "/ranking/"),
        ("targets", leader, "/targets/"),
        ("committee", leader, f"/committees/{ids['committee']}/"),
        ("capacity", leader, "/capacity/"),
        ("entry: site list", clerk, "/tallies/"),
        ("entry: the grid", clerk, f"/tallies/{ids['site']}/{DEMO_DATE}/"),
        ("not reported (board)", leader, "/board/"),
        ("import", clerk, "/imports/"),
    ]


def lighthouse(url: str, cookie: str, report: Path) -> dict:
    command = ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json"]
    command += [f"--output-path={report}", f"--only-categories={','.join(CATEGORIES)}"]
    command += ["--chrome-flags=--headless=new --no-sandbox"]
    command += ["--extra-headers", json.dumps({"Cookie": cookie})]
    for _attempt in range(2):  # a busy machine makes Chromium time out now and then
        done = subprocess.run(  # noqa: S603 - our own command
            command,
            cwd=PROJECT,
            env={**os.environ, "CHROME_PATH": CHROME},
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            return json.loads(report.read_text(encoding="utf-8"))
    lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
    raise LighthouseFailed(lines[-1][:200])


class LighthouseFailed(Exception):
    pass


def console_errors(result: dict) -> list[str]:
    """What the browser's console reported (best practices' "errors in console")."""
    items = result["audits"]["errors-in-console"].get("details", {}).get("items", [])
    return [f"{item.get('source')}: {str(item.get('description'))[:160]}" for item in items]


def _failed(result: dict) -> list[str]:
    """The audits of accessibility and best practices that failed, by id."""
    failed = []
    for category in ("accessibility", "best-practices"):
        for ref in result["categories"][category]["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if ref["weight"] > 0 and audit.get("score") is not None and audit["score"] < 1:
                failed.append(ref["id"])
    return failed


def failure_details(result: dict) -> list[str]:
    """Each failed audit's elements (their selectors), to fix them without opening the report."""
    lines = []
    for audit_id in _failed(result):
        items = result["audits"][audit_id].get("details", {}).get("items", [])
        for item in items[:5]:
            node = item.get("node") or {}
            where = node.get("selector") or item.get("source") or item.get("url") or ""
            lines.append(f"{audit_id}: {where} {str(node.get('explanation') or '')[:160]}")
    return lines


def row(name: str, path: str, result: dict) -> str:
    scores = {c: round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES}
    audits = result["audits"]
    lcp = audits["largest-contentful-paint"]["numericValue"] / 1000
    tbt = audits["total-blocking-time"]["numericValue"]
    weight = audits["total-byte-weight"]["numericValue"] / 1024
    performance, accessibility, practices = (
        f"{scores[c]}" + ("" if scores[c] >= GOALS[c] else " ✗") for c in CATEGORIES
    )
    failed = ", ".join(f"`{audit}`" for audit in _failed(result)) or "–"
    return (
        f"| {name} (`{path}`) | {performance} | {accessibility} | {practices} | "
        f"{lcp:.1f} s | {tbt:.0f} ms | {weight:,.0f} KiB | {failed} |"
    )


def write(rows: list[str], version: str) -> None:
    text = (
        f"{SECTION}\n\n"
        f"Measured by `make lighthouse` on {date.today().isoformat()}: Lighthouse "  # noqa: DTZ011
        f"{version}, mobile (its default: a mid-range phone, simulated slow 4G), "
        f"{Path(CHROME).name} headless, on {platform.platform()}. The demo (`seed_demo`) "
        "served by gunicorn with production settings (DEBUG off, collected and compressed "
        "static files, gzipped HTML), logged in through the login form as `putuo_leader` "
        "(district leader) or, for the entry and import pages, `wanli_staff`. Goals: "
        "performance ≥ 95, accessibility 100, best practices 100; ✗ marks a miss.\n\n"
        "| page | performance | accessibility | best practices | LCP | TBT | bytes | "
        "failed audits (accessibility, best practices) |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    path = PROJECT / "BENCHMARKS.md"
    current = path.read_text(encoding="utf-8")
    kept = current.split(f"\n{SECTION}\n")[0].rstrip("\n")
    path.write_text(f"{kept}\n\n{text}", encoding="utf-8")


def main() -> None:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: cd tools/lighthouse && npm ci")
    version = json.loads((LIGHTHOUSE.parents[1] / "package.json").read_text(encoding="utf-8"))[
        "version"
    ]
    with tempfile.TemporaryDirectory(prefix="streetvax-lighthouse-") as name:
        folder = Path(name)
        env = _env(folder / "demo.sqlite3")
        print("Loading the demo and collecting the static files …", flush=True)
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "seed_demo")
        _manage(env, "collectstatic", "--noinput", "-v0")
        walked = pages(env)
        rows = []
        with gunicorn(env, folder / "gunicorn.log") as base:
            cookies = {user: login(base, user) for user in {user for _n, user, _p in walked}}
            for page, user, path in walked:
                try:
                    result = lighthouse(f"{base}{path}", cookies[user], folder / "report.json")
                except LighthouseFailed as failure:
                    rows.append(f"| {page} (`{path}`) | Lighthouse failed: {failure} |||||||")
                else:
                    rows.append(row(page, path, result))
                    for message in console_errors(result):
                        print(f"  console: {message}", flush=True)
                    for line in failure_details(result):
                        print(f"  {line}", flush=True)
                    # Each page's whole report, for a closer look (test-results/ is ignored).
                    kept = PROJECT / "test-results" / "lighthouse"
                    kept.mkdir(parents=True, exist_ok=True)
                    slug = re.sub(r"[^a-z0-9]+", "-", page).strip("-")
                    (kept / f"{slug}.json").write_text(
                        (folder / "report.json").read_text(encoding="utf-8"), encoding="utf-8"
                    )
                print(rows[-1], flush=True)
    write(rows, version)
    print("\nWritten to BENCHMARKS.md")


if __name__ == "__main__":
    main()
