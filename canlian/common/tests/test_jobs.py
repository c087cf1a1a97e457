"""Background jobs: start, run (immediately and through db_worker), progress, outcome, pages."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.accounts.choices import Role
from canlian.common.choices import JobStatus
from canlian.common.exceptions import DomainError
from canlian.common.jobs import (
    JobOutcome,
    JobProgress,
    job_file_path,
    job_function,
    job_snapshot,
    job_start,
    run_job,
)
from canlian.common.models import Job

HERE = "canlian.common.tests.test_jobs"


@job_function
def counting_job(*, job: Job, progress: JobProgress, rows: int, name: str = "") -> JobOutcome:
    progress.start(rows, "计数")
    for _ in range(rows):
        progress.advance()
    if name:
        path = job_file_path(job, name)
        path.write_text("结果内容", encoding="utf-8")
        return JobOutcome(message="写好了", result={"rows": rows}, file=path, download_name="结果.txt")
    return JobOutcome(message=f"数了 {rows} 行", result={"rows": rows})


@job_function
def refusing_job(*, job: Job, progress: JobProgress) -> None:
    raise DomainError("没有可导出的数据，请调整筛选条件")


@job_function
def crashing_job(*, job: Job, progress: JobProgress) -> None:
    raise ZeroDivisionError("boom")


def not_a_job(*, job: Job, progress: JobProgress) -> None:
    return None


# Set by the db_worker test: the job reports progress, then waits until the test has seen it.
RELEASE = threading.Event()


@job_function
def waiting_job(*, job: Job, progress: JobProgress) -> JobOutcome:
    with transaction.atomic():  # as an import's write step does: progress must still be visible outside
        progress.start(3, "写入")
        progress.advance(1)
        progress.flush()
        if not RELEASE.wait(timeout=20):
            raise TimeoutError("the test never released the job")
        progress.advance(2)
    return JobOutcome(message="放行后完成")


def start(user, func: str, **params) -> Job:
    return job_start(actor=user, kind="test", title="测试任务", func_path=f"{HERE}.{func}", params=params)


def test_job_runs_after_commit_and_records_its_outcome(users, django_capture_on_commit_callbacks):
    officer = users.a[Role.DISTRICT_OFFICER]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start(officer, "counting_job", rows=7)
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED  # nothing runs before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total) == (7, 7)
    assert job.message == "数了 7 行"
    assert job.result == {"rows": 7}
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert job.task_id


def test_job_start_refuses_a_function_not_marked_as_job(users):
    with pytest.raises(ValueError, match="job_function"):
        start(users.a[Role.DISTRICT_OFFICER], "not_a_job")


def test_job_params_must_be_plain_json(users):
    with pytest.raises(TypeError):
        start(users.a[Role.DISTRICT_OFFICER], "counting_job", rows=object())


def test_a_job_is_claimed_once(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(users.a[Role.DISTRICT_OFFICER], "counting_job", rows=2)
    finished = Job.objects.get(pk=job.pk).finished_at
    run_job(job.pk)  # a task delivered twice
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.finished_at == finished


def test_domain_error_fails_the_job_with_its_message(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(users.a[Role.DISTRICT_OFFICER], "refusing_job")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "没有可导出的数据，请调整筛选条件"


def test_unexpected_error_fails_the_job_and_is_logged(users, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(users.a[Role.DISTRICT_OFFICER], "crashing_job")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert f"任务编号 {job.pk}" in job.message
    assert "boom" not in job.message  # no internals shown to the user
    assert any("ZeroDivisionError" in (r.exc_text or "") for r in caplog.records)


def test_progress_writes_are_throttled(users):
    job = Job.objects.create(owner=users.a[Role.DISTRICT_OFFICER], kind="t", title="t", func_path="x",
                             status=JobStatus.RUNNING)
    progress = JobProgress(job.pk, every_seconds=3600, every_rows=1000)
    progress.start(10_000, "校验")
    for _ in range(10_000):
        progress.advance()
    assert progress.writes == 11  # the start, then once every 1000 rows — not 10 000 writes


@pytest.mark.django_db(transaction=True)
def test_progress_outside_a_transaction_is_a_conditional_update(users):
    job = Job.objects.create(owner=users.a[Role.DISTRICT_OFFICER], kind="t", title="t", func_path="x",
                             status=JobStatus.RUNNING)
    progress = JobProgress(job.pk, every_seconds=0, every_rows=1)
    progress.start(4, "校验")
    progress.advance(3)
    job.refresh_from_db()
    assert (job.done, job.total, job.message) == (3, 4, "校验")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=job.progress_at)
    progress.advance(1)
    job.refresh_from_db()
    assert job.done == 3  # a finished job is never written by late progress


def test_progress_inside_a_transaction_goes_to_the_side_file(users):
    job = Job.objects.create(owner=users.a[Role.DISTRICT_OFFICER], kind="t", title="t", func_path="x",
                             status=JobStatus.RUNNING)
    progress = JobProgress(job.pk, every_seconds=0, every_rows=1)
    with transaction.atomic():
        progress.start(10, "写入")
        progress.advance(4)
    job.refresh_from_db()
    assert job.done == 0  # the row is untouched: an UPDATE here would be invisible until commit
    snap = job_snapshot(job)
    assert (snap.done, snap.total, snap.message, snap.percent) == (4, 10, "写入", 40)


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_db_worker_runs_the_job(users, settings):
    """make run starts `db_worker`; the progress page must move while the worker holds a transaction.

    The worker runs in this (main) thread, as the command installs signal handlers; a second thread
    polls the page like the browser does, and releases the job once it has seen 1 / 3.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # A poll is a read; with the session saved on every request it would also be a write, and on SQLite
    # every write waits while the worker holds its transaction (docs/decisions/0007-job-progress.md).
    settings.SESSION_SAVE_EVERY_REQUEST = False
    officer = users.a[Role.DISTRICT_OFFICER]
    RELEASE.clear()
    job = start(officer, "waiting_job")  # autocommit: enqueued into the database queue at once
    url = reverse("jobs:detail", args=[job.pk])
    client = Client()
    client.force_login(officer)
    ready = threading.Event()
    pages: list[str] = []

    def poll() -> None:
        try:
            if connection.vendor == "sqlite":
                # The test database is SQLite's in-memory shared cache, where a reader is blocked by another
                # connection's write transaction; a file database in WAL mode (what `make run` uses) never
                # blocks readers. read_uncommitted gives this connection the WAL behaviour for the test.
                connection.cursor().execute("PRAGMA read_uncommitted = 1")
            pages.append(client.get(url, headers={"HX-Request": "true"}).content.decode())
            ready.set()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and "1 / 3" not in pages[-1]:
                time.sleep(0.05)
                pages.append(client.get(url, headers={"HX-Request": "true"}).content.decode())
        finally:
            ready.set()
            RELEASE.set()
            connection.close()

    poller = threading.Thread(target=poll)
    poller.start()
    ready.wait(timeout=10)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
    poller.join(timeout=20)
    assert "排队中" in pages[0]
    assert "1 / 3" in pages[-1], pages[-1]
    assert 'hx-trigger="every 1s"' in pages[-1]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.message == "放行后完成"
    final = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in final and "已完成" in final


def test_progress_page_polls_until_finished(users, client_for):
    officer = users.a[Role.DISTRICT_OFFICER]
    job = Job.objects.create(owner=officer, kind="t", title="导出审计日志", func_path="x", status=JobStatus.RUNNING,
                             total=200, done=50, message="正在导出")
    client = client_for(officer)
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<progress max="100" value="25"' in html and "50 / 200" in html and "正在导出" in html
    assert f'hx-get="/jobs/{job.pk}/"' in html and 'hx-trigger="every 1s"' in html
    partial = client.get(reverse("jobs:detail", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'hx-trigger="every 1s"' in partial


def test_finished_job_shows_download_link_and_the_owner_downloads(
    users, client_for, django_capture_on_commit_callbacks
):
    officer = users.a[Role.DISTRICT_OFFICER]
    with django_capture_on_commit_callbacks(execute=True):
        job = start(officer, "counting_job", rows=3, name="out.txt")
    html = client_for(officer).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    download = reverse("jobs:download", args=[job.pk])
    assert download in html and "hx-trigger" not in html
    response = client_for(officer).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == "结果内容"
    assert "attachment" in response["Content-Disposition"]
    job.refresh_from_db()
    assert job.result_file == f"{job.pk}/out.txt"


def test_failed_job_shows_the_error(users, client_for, django_capture_on_commit_callbacks):
    officer = users.a[Role.DISTRICT_OFFICER]
    with django_capture_on_commit_callbacks(execute=True):
        job = start(officer, "refusing_job")
    html = client_for(officer).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "没有可导出的数据，请调整筛选条件" in html and "失败" in html and "hx-trigger" not in html


def test_only_the_owner_or_an_administrator_sees_a_job(users, client_for, django_capture_on_commit_callbacks):
    officer = users.a[Role.STREET_OFFICER]
    with django_capture_on_commit_callbacks(execute=True):
        job = start(officer, "counting_job", rows=1, name="r.txt")
    detail = reverse("jobs:detail", args=[job.pk])
    download = reverse("jobs:download", args=[job.pk])
    assert client_for(users.b[Role.STREET_OFFICER]).get(detail).status_code == 404
    assert client_for(users.a[Role.DISTRICT_OFFICER]).get(detail).status_code == 404
    admin = client_for(users.a[Role.ADMIN])
    assert admin.get(detail).status_code == 200
    assert admin.get(download).status_code == 404  # administrators watch jobs, they do not take the data
    assert client_for(officer).get(download).status_code == 200


def test_job_list_shows_only_my_jobs(users, client_for):
    mine = Job.objects.create(owner=users.a[Role.AUDITOR], kind="t", title="我的导出", func_path="x")
    Job.objects.create(owner=users.a[Role.ADMIN], kind="t", title="别人的导出", func_path="x")
    html = client_for(users.a[Role.AUDITOR]).get(reverse("jobs:list")).content.decode()
    assert "我的导出" in html and "别人的导出" not in html
    assert reverse("jobs:detail", args=[mine.pk]) in html


def test_job_result_path_cannot_escape_the_jobs_folder(users, settings, client_for):
    officer = users.a[Role.DISTRICT_OFFICER]
    secret = settings.MEDIA_ROOT / "imports" / "secret.xlsx"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"x")
    job = Job.objects.create(owner=officer, kind="t", title="t", func_path="x", status=JobStatus.SUCCEEDED,
                             result_file="../imports/secret.xlsx", finished_at=timezone.now())
    assert client_for(officer).get(reverse("jobs:download", args=[job.pk])).status_code == 404
