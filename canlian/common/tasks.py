"""The one django-tasks task: run a Job (see canlian.common.jobs). Workers import it by this path."""

from __future__ import annotations

from django_tasks import task

from canlian.common.jobs import run_job


@task()
def run_job_task(job_id: int) -> None:
    run_job(job_id)
