"""Sending a background job without letting a dead broker slow anybody down.

The callers (a save asking for its snapshot rebuild, a confirmed import) have already
committed their data, and a periodic sweep finds the work a job never took: a send that
fails loses nothing, so it must not cost the request time either. A send is tried once,
with the short connect timeout of the settings and no retry (CELERY_BROKER_TRANSPORT_OPTIONS).
When it fails, the circuit opens: for STREETVAX_BROKER_PAUSE_SECONDS no send of this
process touches the broker at all. Then one send goes through again; success closes the
circuit, a failure opens it for another pause. Each web process keeps its own circuit.

Without a broker (the embedded default) tasks run in-process and there is no circuit.
"""

from __future__ import annotations

import logging
import threading
import time

from celery import Task
from django.conf import settings

logger = logging.getLogger(__name__)


class _Circuit:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed_again_at = 0.0  # monotonic time; 0 while the circuit is closed

    def try_broker(self) -> bool:
        """May this send touch the broker? While open: no. After the pause: one caller
        may (the next pause starts now, so the callers beside it do not)."""
        with self._lock:
            now = time.monotonic()
            if now < self._closed_again_at:
                return False
            if self._closed_again_at:
                self._closed_again_at = now + settings.STREETVAX_BROKER_PAUSE_SECONDS
            return True

    def succeeded(self) -> None:
        with self._lock:
            self._closed_again_at = 0.0

    def failed(self) -> None:
        with self._lock:
            self._closed_again_at = time.monotonic() + settings.STREETVAX_BROKER_PAUSE_SECONDS


_circuit = _Circuit()


def broker_send(task: Task, *args) -> bool:
    """Send ``task(*args)`` to the workers; True when the broker took it (or it ran
    in-process), False when it was not sent (the broker is down, or was a moment ago)."""
    if task.app.conf.task_always_eager:
        try:
            task.delay(*args)
        except Exception:  # the caller's data is committed; the sweep catches up
            logger.warning("The in-process job %s failed", task.name, exc_info=True)
            return False
        return True
    if not _circuit.try_broker():
        logger.info("Broker down a moment ago: %s not sent, the sweep will send it", task.name)
        return False
    try:
        task.delay(*args)
    except Exception:
        _circuit.failed()
        logger.warning(
            "Could not send %s; no job is sent for %s s",
            task.name,
            settings.STREETVAX_BROKER_PAUSE_SECONDS,
            exc_info=True,
        )
        return False
    _circuit.succeeded()
    return True


def broker_circuit_reset() -> None:
    """Close the circuit (tests; a process that knows the broker is back)."""
    _circuit.succeeded()
