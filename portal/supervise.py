"""Run a command and start it again whenever it exits, until told to stop.

    python -m portal.supervise -- celery -A portal worker -l info

The Celery worker can exit when Redis dies under it while it holds unacknowledged tasks
(celery 5.7.0 closes the broken connection twice, and the second close raises
``AttributeError`` where it expects a connection error; no newer release fixes it): the
worker must run under something that starts it again. Production uses systemd
(``Restart=always``, docs/operations.md); this is the same promise where there is no
systemd: the integration tests, the bench, a developer's machine.

SIGTERM or SIGINT is passed on to the command, and the supervisor then ends with it. A
command that keeps failing at once is started again after 1, 2, 4 … up to 30 seconds;
one that ran for a minute or more is started again after 1 second.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
RAN_WELL_FOR = 60.0


def supervise(command: list[str]) -> int:
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum: int, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause = FIRST_PAUSE
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)  # noqa: S603 - the operator's own command line
        code = child.wait()
        if stopping:
            return code
        pause = FIRST_PAUSE if time.monotonic() - started >= RAN_WELL_FOR else pause
        sys.stderr.write(
            f"supervise: {' '.join(command)} exited with code {code}; "
            f"starting it again in {pause:.0f} s\n"
        )
        sys.stderr.flush()
        time.sleep(pause)
        if stopping:
            return code
        pause = min(pause * 2, LONGEST_PAUSE)


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        sys.stderr.write(__doc__ or "")
        return 2
    return supervise(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
