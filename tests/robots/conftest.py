import pytest
from celery import current_app

from robots import services, tasks
from tests.robots.stub import RobotStub

BASE_URL = "https://jiezhong.example.cn"


@pytest.fixture
def stub():
    server = RobotStub()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.STREETVAX_BASE_URL = BASE_URL


class Deferred:
    """The robots' tasks as a worker would receive them: recorded when dispatched (after
    the commit of whatever dispatched them), run only when the test says so."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, tuple]] = []

    def names(self) -> list[str]:
        return [task.name.rsplit(".", 1)[-1] for task, _args in self.calls]

    def run_all(self, capture_on_commit) -> None:
        """Run the recorded tasks, and those they hand over when they commit."""
        while self.calls:
            with capture_on_commit(execute=True):
                while self.calls:
                    task, args = self.calls.pop(0)
                    task.apply(args=args)  # as a worker runs it: retries included


@pytest.fixture
def deferred(monkeypatch):
    """With a broker: the tasks go to it (here: to the recorder) instead of running."""
    monkeypatch.setattr(services, "sends_in_process", lambda: False)
    # A retry then runs at once, in-process, instead of raising to the caller.
    monkeypatch.setitem(current_app.conf, "task_eager_propagates", False)
    recorder = Deferred()
    for task in (
        tasks.robot_post_send,
        tasks.robot_posts_for_bulletin,
        tasks.robot_posts_for_reached_targets,
    ):
        monkeypatch.setattr(
            task, "delay", lambda *args, task=task: recorder.calls.append((task, args))
        )
    return recorder
