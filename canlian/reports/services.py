"""Generating the annual summary: the files, the background job that writes them, and starting it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.audit.services import record
from canlian.common.jobs import JobOutcome, Progress, job_file_path, job_function, job_start
from canlian.common.models import Job
from canlian.reports.definitions import Period
from canlian.reports.docx import write_docx
from canlian.reports.report import DOCUMENT_LANGUAGE, build, check_area
from canlian.reports.xlsx import write_xlsx

FORMATS = ("docx", "xlsx", "json")


@dataclass
class Files:
    docx: bytes
    xlsx: bytes
    json: bytes


def to_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder).encode("utf-8")


def write_all(report: dict[str, Any]) -> Files:
    """The three files, in Chinese like the summary itself (report.DOCUMENT_LANGUAGE), whatever the UI language."""
    with translation.override(DOCUMENT_LANGUAGE):
        return Files(docx=write_docx(report), xlsx=write_xlsx(report), json=to_json(report))


def file_stem(report: dict[str, Any]) -> str:
    return _("年度工作总结-%(area)s-%(label)s") % {"area": report["area"]["name"], "label": report["period"]["label"]}


@job_function
def annual_report_job(*, job: Job, progress: Progress, start: str, end: str, area: str) -> JobOutcome:
    """Runs as the job's owner: the owner's area bounds what is counted (checked again here)."""
    require(job.owner, "report.generate")
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    report = build(period=period, area=area, user=job.owner, progress=progress)
    files = write_all(report)
    stem = file_stem(report)
    names = {}
    for fmt in FORMATS:
        path = job_file_path(job, f"{stem}.{fmt}")
        path.write_bytes(getattr(files, fmt))
        names[fmt] = path.name
    docx_path: Path = job_file_path(job, names["docx"])
    return JobOutcome(
        message=_("已生成%(title)s") % {"title": report["title"]},
        result={"files": names, "next_url": reverse("reports:job", args=[job.pk])},
        file=docx_path, download_name=names["docx"],
    )


@transaction.atomic
def report_generate(*, actor: Any, period: Period, area: str = "") -> Job:
    """Start the background job that writes the .docx, .xlsx and .json of the summary for the period and area."""
    require(actor, "report.generate")
    prefix = check_area(actor, area)
    params = {"start": period.start.isoformat(), "end": period.end.isoformat(), "area": prefix}
    job = job_start(actor=actor, kind="annual_report", title=_("年度工作总结（%(p)s）") % {"p": period.label},
                    func_path="canlian.reports.services.annual_report_job", params=params)
    record(actor=actor, action="report.generate", obj=job, after=params)
    return job
