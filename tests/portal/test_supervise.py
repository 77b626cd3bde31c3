"""portal.supervise starts a command again whenever it exits, and passes SIGTERM on to it:
what systemd's Restart=always does for the Celery worker in production."""

import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

# The first two runs exit at once (as the worker does on its unrecoverable error); the
# third stays up and writes down the signal that ends it.
CHILD = """
import pathlib, signal, sys, time
runs = pathlib.Path(sys.argv[1])
runs.write_text(runs.read_text() + "run\\n" if runs.exists() else "run\\n")
if runs.read_text().count("run") < 3:
    sys.exit(1)
def stopped(signum, frame):
    runs.write_text(runs.read_text() + f"signal {signum}\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, stopped)
runs.write_text(runs.read_text() + "ready\\n")
while True:
    time.sleep(0.1)
"""


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_command_that_exits_is_started_again_and_sigterm_reaches_it(tmp_path):
    runs = tmp_path / "runs"
    supervisor = subprocess.Popen(  # noqa: S603 (our own arguments)
        [sys.executable, "-m", "portal.supervise", "--", sys.executable, "-c", CHILD, str(runs)],
        cwd=PROJECT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: runs.exists() and "ready" in runs.read_text()), (
            runs.read_text() if runs.exists() else "no run"
        )
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=10) == 0  # ended with the command
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert runs.read_text() == f"run\nrun\nrun\nready\nsignal {int(signal.SIGTERM)}\n"
    log = supervisor.stderr.read()
    assert log.count("exited with code 1; starting it again") == 2
