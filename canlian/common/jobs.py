"""Background jobs with a progress bar: start one, report its progress, run it, read where it stands.

A job is a `Job` row plus a django-tasks task that carries only the row's id. `job_start()` creates
the row and enqueues the task after the transaction commits; the task (`canlian.common.tasks.run_job`)
claims the row with a conditional UPDATE, calls the job function and records the outcome. The job
function reports progress through `JobProgress`, which writes at most every half second or every
`every_rows` rows, so reporting costs next to nothing even for a million rows.

Where progress goes (docs/decisions/0007-job-progress.md): outside a transaction, a conditional UPDATE
of the row (`… WHERE id = … AND status = 'running'`), visible to the polling page at once. Inside a
transaction (an import's atomic write), an UPDATE would stay invisible until the commit, and on
SQLite a second connection would wait for the write lock, so progress goes to a small side file
MEDIA_ROOT/jobs/<id>/progress.json instead; `job_snapshot()` reads whichever is newer.

A job function looks like::

    @job_function
    def export_events(*, job: Job, progress: Progress, filters: dict) -> JobOutcome: ...

It runs as `job.owner` and checks that user's permissions itself, raises DomainError with a Chinese
message for a refusal the user can act on, and returns a JobOutcome (or None).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.common.choices import JobStatus
from canlian.common.exceptions import DomainError
from canlian.common.models import Job

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
_JOB_MARK = "canlian_job_function"
_SAFE_NAME = re.compile(r"[^\w.\-]+")


class Progress(Protocol):
    """What running code reports to: a job's progress bar, or nothing (inline work, commands)."""

    def start(self, total: int, message: str = "") -> None: ...

    def advance(self, rows: int = 1) -> None: ...


class NullProgress:
    """Progress for work that nobody watches (small inline imports, management commands, tests)."""

    def start(self, total: int, message: str = "") -> None:
        return None

    def advance(self, rows: int = 1) -> None:
        return None


@dataclass
class JobOutcome:
    """What a job function hands back: a message, an optional JSON result, an optional file it wrote.

    `file` must be a path obtained from `job_file_path(job, name)`; `download_name` is what the
    browser saves it as. `result["next_url"]`, when given, is linked from the progress page.
    """

    message: str = ""
    result: dict[str, Any] | None = None
    file: Path | None = None
    download_name: str = ""


@dataclass
class JobSnapshot:
    """Where a job stands, as the progress page shows it."""

    job: Job
    done: int
    total: int
    message: str
    percent: int | None = field(init=False)

    def __post_init__(self) -> None:
        self.percent = min(100, self.done * 100 // self.total) if self.total else None


def job_function(func: F) -> F:
    """Mark a function as runnable by `run_job`: a job's `func_path` may only name such a function."""
    setattr(func, _JOB_MARK, True)
    return func


def resolve_job_function(func_path: str) -> Callable[..., JobOutcome | None]:
    """The function a job runs; refuses anything not marked with @job_function."""
    func = import_string(func_path)
    if not getattr(func, _JOB_MARK, False):
        raise ValueError(f"{func_path} is not marked with @job_function")
    return func


@transaction.atomic
def job_start(*, actor: Any, kind: str, title: str, func_path: str, params: dict[str, Any]) -> Job:
    """Create a queued job owned by `actor` and enqueue its task once the transaction commits.

    Enqueuing after commit means the worker never looks for a row that is not there yet, and a
    rolled-back request leaves no task behind. `params` must be plain JSON (ids, strings, numbers).
    """
    require(actor, "job.view")
    resolve_job_function(func_path)
    if json.loads(json.dumps(params)) != params:
        raise ValueError("job params must be plain JSON")
    job = Job(owner=actor, kind=kind, title=title[:200], func_path=func_path, params=params)
    job.full_clean()
    job.save()
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from canlian.common.tasks import run_job_task

    result = run_job_task.enqueue(job_id)
    Job.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])


class JobProgress:
    """Progress of one running job, written cheaply: at most every `every_seconds` or `every_rows` rows.

    `start(total, message)` begins a phase ("校验", "写入") and is written at once; `advance(n)` counts
    rows and writes only when due. Writes never touch a job that is no longer running.
    """

    def __init__(self, job_id: int, *, every_seconds: float = 0.5, every_rows: int = 5000) -> None:
        self.job_id = job_id
        self.every_seconds = every_seconds
        self.every_rows = every_rows
        self.total = 0
        self.done = 0
        self.message = ""
        self.writes = 0
        self._flushed_at = float("-inf")
        self._flushed_done = 0

    def start(self, total: int, message: str = "") -> None:
        self.total = max(0, total)
        self.done = 0
        self.message = message
        self.flush()

    def advance(self, rows: int = 1) -> None:
        self.done += rows
        if (
            self.done - self._flushed_done >= self.every_rows
            or time.monotonic() - self._flushed_at >= self.every_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Write the current state now (the conditional UPDATE, or the side file inside a transaction)."""
        now = timezone.now()
        total = max(self.total, self.done)
        if transaction.get_connection().in_atomic_block:
            _write_side_file(self.job_id, {"done": self.done, "total": total, "message": self.message, "at": now})
        else:
            Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                done=self.done, total=total, message=self.message, progress_at=now
            )
        self.writes += 1
        self._flushed_at = time.monotonic()
        self._flushed_done = self.done


def jobs_dir() -> Path:
    """MEDIA_ROOT/jobs: job files live outside the web root and are served only through views."""
    return Path(settings.MEDIA_ROOT) / "jobs"


def job_file_path(job: Job, name: str) -> Path:
    """Where a job function writes its result file `name` (created on demand, name sanitised)."""
    safe = _SAFE_NAME.sub("_", name).strip("._") or "result"
    folder = jobs_dir() / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / safe


def job_result_path(job: Job) -> Path | None:
    """The finished job's result file, or None when it has none (or the stored path escapes the folder)."""
    if not job.result_file:
        return None
    base = jobs_dir().resolve()
    path = (base / job.result_file).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def _side_file(job_id: int) -> Path:
    return jobs_dir() / str(job_id) / "progress.json"


def _write_side_file(job_id: int, state: dict[str, Any]) -> None:
    """Replace the side file atomically, so a reader never sees half of it."""
    target = _side_file(job_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".progress-")
    with os.fdopen(handle, "w") as out:
        json.dump(state, out, cls=DjangoJSONEncoder)
    os.replace(temporary, target)


def _read_side_file(job_id: int) -> dict[str, Any] | None:
    try:
        state = json.loads(_side_file(job_id).read_text())
    except (OSError, ValueError):
        return None
    at = parse_datetime(str(state.get("at", "")))
    if at is None:
        return None
    state["at"] = at
    return state


def job_snapshot(job: Job) -> JobSnapshot:
    """Done, total and message of a job: from the row, or from the side file when that is newer."""
    done, total, message = job.done, job.total, job.message
    if job.status == JobStatus.RUNNING:
        state = _read_side_file(job.pk)
        progress_at: datetime | None = job.progress_at
        if state is not None and (progress_at is None or state["at"] > progress_at):
            done, total, message = int(state["done"]), int(state["total"]), str(state["message"])
    return JobSnapshot(job=job, done=done, total=total, message=message)


def run_job(job_id: int) -> None:
    """The body of the queued task: claim the job, run its function as the owner, record the outcome.

    The claim is a conditional UPDATE (queued → running), so a task delivered twice runs once. Errors
    never escape: a DomainError's message is shown to the user, anything else is logged with its
    traceback and the user is told to contact the administrator with the job number.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, progress_at=now
    )
    if not claimed:
        logger.warning("job %s is not queued any more; not run again", job_id)
        return
    job = Job.objects.select_related("owner").get(pk=job_id)
    progress = JobProgress(job.pk)
    try:
        func = resolve_job_function(job.func_path)
        outcome = func(job=job, progress=progress, **job.params) or JobOutcome()
        result_file = str(outcome.file.resolve().relative_to(jobs_dir().resolve())) if outcome.file else ""
    except DomainError as error:
        _finish(job, progress, JobStatus.FAILED, JobOutcome(message=error.message), "")
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.func_path)
        message = _("任务执行出错，未完成。请联系系统管理员并告知任务编号 %(id)d。") % {"id": job.pk}
        _finish(job, progress, JobStatus.FAILED, JobOutcome(message=message), "")
    else:
        _finish(job, progress, JobStatus.SUCCEEDED, outcome, result_file)


def _finish(job: Job, progress: JobProgress, status: JobStatus, outcome: JobOutcome, result_file: str) -> None:
    total = max(progress.total, progress.done)
    if status == JobStatus.SUCCEEDED and total == 0:
        total = 1  # a job that never counted anything is still 100 % done
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status,
        finished_at=timezone.now(),
        done=total if status == JobStatus.SUCCEEDED else progress.done,
        total=total,
        message=outcome.message or (_("已完成") if status == JobStatus.SUCCEEDED else _("失败")),
        result=outcome.result,
        result_file=result_file,
        result_name=(outcome.download_name or (outcome.file.name if outcome.file else ""))[:200],
        progress_at=timezone.now(),
    )
    _side_file(job.pk).unlink(missing_ok=True)
