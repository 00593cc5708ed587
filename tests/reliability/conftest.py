import pytest

from tests.workers import WorkerProcess, require_worker_services


@pytest.fixture
def world(review, other_review, owner, reviewer, viewer, outsider, settings, tmp_path):
    """Objects of ``review`` for every path parameter (tests/reliability/world.py), files in tmp_path."""
    from tests.reliability.world import build_world

    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world(
        review=review,
        other_review=other_review,
        owner=owner,
        reviewer=reviewer,
        viewer=viewer,
        outsider=outsider,
    )


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real worker process on Redis and the test PostgreSQL database; stopped after the test."""
    require_worker_services()
    from analysis.recompute.marks import forget_marks
    from config.celery import app

    # Messages left in the test queue by an earlier, interrupted run would name rows that no longer exist.
    app.control.purge()
    forget_marks()  # and the "task queued" marks of the purged messages (analysis/recompute/marks.py)
    worker = WorkerProcess(tmp_path / "worker.log").start()
    yield worker
    worker.stop()


# Figures the proofs report (matrix combinations, schemathesis requests), printed at the end of
# the run so the README can quote them. user_properties travel from pytest-xdist workers too.
_figures: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        _figures.extend(value for name, value in report.user_properties if name == "figure")


def pytest_terminal_summary(terminalreporter):
    if _figures:
        terminalreporter.section("reliability figures")
        for line in _figures:
            terminalreporter.write_line(line)
