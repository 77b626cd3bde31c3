"""pip-audit in CI (issue 8, item 7): a known vulnerability in requirements.txt fails it.

The real vulnerability services cannot be reached from this machine (docs/architecture.md,
"Tests and CI"), so these tests run the same script CI runs against a stand-in OSV service
on 127.0.0.1 that knows one made-up vulnerability of the pinned Django.
"""

import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / ".ci" / "audit_requirements.py"
PINNED_DJANGO = re.search(
    r"^Django==(\S+)$", (PROJECT / "requirements.txt").read_text(), re.MULTILINE
).group(1)


class FakeOSV(BaseHTTPRequestHandler):
    vulnerable = {}  # (name, version) -> an OSV record

    def do_POST(self):
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = (query["package"]["name"], query["version"])
        body = json.dumps({"vulns": [self.vulnerable[key]]} if key in self.vulnerable else {})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def osv_service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOSV)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1/query"
    server.shutdown()
    server.server_close()
    FakeOSV.vulnerable = {}


def audit(*options, env_extra=None, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **(env_extra or {})}
    return subprocess.run(  # noqa: S603
        [sys.executable, str(SCRIPT), "requirements.txt", *options],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_known_vulnerability_in_the_pinned_requirements_fails(osv_service, tmp_path):
    FakeOSV.vulnerable[("django", PINNED_DJANGO)] = {
        "id": "GHSA-test-0000-0000",
        "summary": "A made-up hole in the pinned Django",
        "affected": [
            {
                "package": {"name": "django", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99"}]}],
            }
        ],
    }
    options = ["-s", "osv", "--osv-url", osv_service, "--cache-dir", str(tmp_path / "cache")]
    result = audit(*options, tmp_path=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"VULNERABLE django=={PINNED_DJANGO}: GHSA-test-0000-0000 (fixed in 99)" in result.stdout


def test_clean_requirements_pass(osv_service, tmp_path):
    options = ["-s", "osv", "--osv-url", osv_service, "--cache-dir", str(tmp_path / "cache")]
    result = audit(*options, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    pinned = [
        line
        for line in (PROJECT / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert f"pip-audit: {len(pinned)} of {len(pinned)} packages audited, 0 with" in result.stdout


def test_an_unreachable_service_fails_rather_than_passing(tmp_path):
    options = ["-s", "osv", "--osv-url", "http://127.0.0.1:9/v1/query", "--timeout", "3"]
    result = audit(*options, "--cache-dir", str(tmp_path / "cache"), tmp_path=tmp_path)
    assert result.returncode == 2
    assert "pip-audit failed before it could report" in result.stderr


@pytest.mark.parametrize(("allow", "code"), [(None, 3), ("1", 0)])
def test_packages_the_service_does_not_know_fail_unless_allowed(tmp_path, allow, code):
    report = {
        "dependencies": [
            {"name": "django", "version": PINNED_DJANGO, "vulns": []},
            {"name": "tablib", "skip_reason": "Dependency not found on PyPI"},
        ]
    }
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report))
    env = {"PATH": "/usr/bin:/bin", **({"PIP_AUDIT_ALLOW_UNAUDITED": allow} if allow else {})}
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(SCRIPT), "--report", str(saved)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == code
    assert "NOT AUDITED: 1 of 2 packages" in result.stdout
    assert "tablib: Dependency not found on PyPI" in result.stdout
