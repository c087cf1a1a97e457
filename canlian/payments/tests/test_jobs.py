"""Large batches as background jobs: build, check, export and bank return go to a job with a progress bar above
PAYMENT_INLINE_MAX_LINES (lowered here), through the screens and the API; the roster is downloadable by its
exporter only; a job that fails leaves nothing half-written."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.accounts.services import api_token_create
from canlian.accounts.tests.factories import UserFactory
from canlian.audit.models import AuditEvent
from canlian.common.jobs import jobs_dir
from canlian.common.models import Job
from canlian.payments import jobs, services
from canlian.payments.models import BankReturn, Batch, PaymentLine, RosterExport
from canlian.payments.tests.factories import bank_layout, budget, return_file, waiting
from canlian.programmes.models import Programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_threshold(settings):
    settings.PAYMENT_INLINE_MAX_LINES = 2


def _job(response) -> Job:
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith("/jobs/"), response["Location"]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _approved(users, areas, n=3) -> Batch:
    waiting(users, areas.community_a1, n=n)
    budget()
    batch = services.batch_build(actor=users.a[Role.FINANCE], programme=Programme.objects.get(code="R1"),
                                 period="2024", batch_date=date(2024, 4, 15))
    services.batch_check(actor=users.a[Role.FINANCE], batch=batch)
    return services.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition="approve")


def test_small_batches_stay_inline(users, areas, client_for, small_threshold) -> None:
    waiting(users, areas.community_a1, n=2)
    response = client_for(users.a[Role.FINANCE]).post(reverse("payments:build"), {
        "programme": "R1", "period": "2024", "batch_date": "2024-04-15"})
    assert response["Location"] == Batch.objects.get().get_absolute_url()
    assert not Job.objects.exists()
    page = client_for(users.a[Role.FINANCE]).get(response["Location"]).content.decode()
    assert "在后台进行" not in page


def test_large_batch_through_the_screens(users, areas, client_for, small_threshold,
                                         django_capture_on_commit_callbacks) -> None:
    waiting(users, areas.community_a1, n=3)
    budget()
    finance, leader = client_for(users.a[Role.FINANCE]), client_for(users.a[Role.LEADER])
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(finance.post(reverse("payments:build"), {"programme": "R1", "period": "2024",
                                                           "batch_date": "2024-04-15"}))
    job.refresh_from_db()
    batch = Batch.objects.get()
    assert job.status == "succeeded" and job.kind == "payment.build", job.message
    assert (job.done, job.total) == (3, 3) and job.result["next_url"] == batch.get_absolute_url()
    assert batch.lines.count() == 3
    assert "在后台进行" in finance.get(batch.get_absolute_url()).content.decode()
    assert "在后台进行" not in leader.get(batch.get_absolute_url()).content.decode()
    page = finance.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert batch.code in page and "100%" in page

    with django_capture_on_commit_callbacks(execute=True):
        job = _job(finance.post(reverse("payments:act", args=[batch.pk]), {"transition": "check"}))
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == "succeeded" and batch.status == "checked" and job.total == 6
    # a step the user may not take is refused at once, not queued
    response = leader.post(reverse("payments:act", args=[batch.pk]), {"transition": "check"})
    assert response["Location"] == batch.get_absolute_url()
    leader.post(reverse("payments:act", args=[batch.pk]), {"transition": "approve"})

    with django_capture_on_commit_callbacks(execute=True):
        job = _job(finance.post(reverse("payments:export", args=[batch.pk]), {"layout": bank_layout().pk}))
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == "succeeded" and batch.status == "exported", job.message
    assert (job.done, job.total) == (3, 3)
    download = finance.get(reverse("jobs:download", args=[job.pk]))
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == batch.export_sha256 == RosterExport.objects.get().sha256
    assert AuditEvent.objects.filter(action="payment_batch.roster_reveal", object_id=str(batch.pk)).exists()
    # the file is in private storage, under the job, and nobody but the exporter gets it
    assert (jobs_dir() / str(job.pk)).is_dir()
    other_finance = UserFactory(username="finance2", role=Role.FINANCE, area=areas.district)
    for someone in (other_finance, users.a[Role.ADMIN], users.a[Role.LEADER]):
        assert client_for(someone).get(reverse("jobs:download", args=[job.pk])).status_code == 404

    first = batch.lines.order_by("seq")[0].ref
    upload = SimpleUploadedFile("回盘.xlsx", return_file(batch, failed={first: "户名不符"}))
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(finance.post(reverse("payments:reconcile", args=[batch.pk]), {"file": upload}))
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == "succeeded" and batch.status == "reconciled", job.message
    assert job.result["paid"] == 2 and job.result["failed"] == 1
    assert not (jobs_dir() / str(job.pk) / jobs.UPLOAD_NAME).exists()  # the upload is not kept


def test_large_batch_through_the_api(users, areas, small_threshold, django_capture_on_commit_callbacks) -> None:
    waiting(users, areas.community_a1, n=3)
    budget()
    _t, plain = api_token_create(actor=users.a[Role.FINANCE], name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    _t, other_plain = api_token_create(actor=UserFactory(username="finance2", role=Role.FINANCE,
                                                         area=areas.district), name="t")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {other_plain}")

    def post(path, body):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/api/v1/payments" + path, json.dumps(body), content_type="application/json")

    started = post("/batches", {"programme": "R1", "period": "2024", "batch_date": "2024-04-15"})
    assert started.status_code == 202, started.content
    status = api.get(started.json()["status_url"]).json()
    assert status["status"] == "succeeded" and status["done"] == status["total"] == 3
    pk = status["result"]["batch_id"]
    assert post(f"/batches/{pk}/transitions", {"transition": "check"}).status_code == 202
    services.batch_transition(actor=users.a[Role.LEADER], batch=pk, transition="approve")
    started = post(f"/batches/{pk}/export", {"layout": "农商行代发"})
    assert started.status_code == 202, started.content
    job_id = started.json()["job_id"]
    status = api.get(f"/api/v1/payments/jobs/{job_id}").json()
    assert status["status"] == "succeeded" and status["file_url"]
    content = b"".join(api.get(status["file_url"]).streaming_content)
    assert hashlib.sha256(content).hexdigest() == Batch.objects.get(pk=pk).export_sha256
    assert other.get(status["file_url"]).status_code == 404
    assert other.get(f"/api/v1/payments/jobs/{job_id}").status_code == 404
    batch = Batch.objects.get(pk=pk)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"/api/v1/payments/batches/{pk}/reconciliation",
                           {"file": SimpleUploadedFile("r.xlsx", return_file(batch))})
    assert started.status_code == 202, started.content
    assert api.get(started.json()["status_url"]).json()["status"] == "succeeded"
    assert Batch.objects.get(pk=pk).status == "reconciled"


def test_a_failed_export_job_leaves_nothing(users, areas, client_for, small_threshold, monkeypatch,
                                            django_capture_on_commit_callbacks) -> None:
    batch = _approved(users, areas)

    def broken(target, content):
        target.write_bytes(content[:10])  # half a file, then the disk fails
        raise OSError("disk full")

    monkeypatch.setattr(jobs, "_write_atomically", broken)
    finance = client_for(users.a[Role.FINANCE])
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(finance.post(reverse("payments:export", args=[batch.pk]), {"layout": bank_layout().pk}))
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == "failed" and not job.result_file
    assert batch.status == "approved" and not batch.export_sha256 and not RosterExport.objects.exists()
    assert not AuditEvent.objects.filter(action="payment_batch.roster_reveal").exists()
    assert not [p for p in (jobs_dir() / str(job.pk)).glob("*") if p.name != "progress.json"]
    assert finance.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_a_refused_return_file_in_a_job_changes_nothing(users, areas, client_for, small_threshold,
                                                       django_capture_on_commit_callbacks) -> None:
    batch = services.batch_export(actor=users.a[Role.FINANCE], batch=_approved(users, areas), layout=bank_layout())
    batch = Batch.objects.get()
    finance = client_for(users.a[Role.FINANCE])
    upload = SimpleUploadedFile("r.xlsx", return_file(batch, drop=1))
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(finance.post(reverse("payments:reconcile", args=[batch.pk]), {"file": upload}))
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == "failed" and "未做任何更改" in job.message and "缺少 1 条明细" in job.message
    assert batch.status == "exported" and not BankReturn.objects.exists()
    assert not batch.lines.exclude(status="pending").exists()
    assert not (jobs_dir() / str(job.pk) / jobs.UPLOAD_NAME).exists()


def test_a_build_job_that_fails_half_way_writes_no_batch(users, areas, small_threshold, monkeypatch,
                                                         django_capture_on_commit_callbacks) -> None:
    waiting(users, areas.community_a1, n=3)

    def audit_down(**_kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "record", audit_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.build_start(actor=users.a[Role.FINANCE], programme=Programme.objects.get(code="R1"),
                               period="2024", batch_date=date(2024, 4, 15))
    job.refresh_from_db()
    assert job.status == "failed" and str(job.pk) in job.message
    assert not Batch.objects.exists() and not PaymentLine.objects.exists()


def test_a_job_runs_as_its_owner_with_the_owners_rights(users, areas, small_threshold,
                                                       django_capture_on_commit_callbacks) -> None:
    batch = _approved(users, areas)
    finance = users.a[Role.FINANCE]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.export_start(actor=finance, batch=batch, layout=bank_layout())
    finance.role = Role.LEADER  # the role changed before the worker ran the job
    finance.save()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == "failed" and batch.status == "approved" and not job.result_file
