"""The review list (动态管理): persons whose status changed (by an import, or one at a time through the person
page's death / move / 低保 forms and the API), until a caseworker marks them 已处理.

Selector, export and the one service of StatusReview (decision 0010). Later modules read
`pending_reviews(user)` (or the model directly) to stop benefits of persons who died or moved away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.accounts.scoping import in_scope
from canlian.audit.services import record
from canlian.common.exceptions import Conflict, PermissionDenied
from canlian.common.tabular import Sheet, write_workbook
from canlian.registry.choices import ReviewKind, ReviewStatus
from canlian.registry.models import StatusReview

if TYPE_CHECKING:
    from canlian.accounts.models import User

EXPORT_LIMIT = 100_000
PAGE = 50


@dataclass(frozen=True)
class ReviewFilters:
    status: str = ReviewStatus.PENDING
    kind: str = ""
    run: int | None = None
    since: date | None = None


def reviews(user: User, filters: ReviewFilters) -> QuerySet[StatusReview]:
    """The review entries the user's area covers, filtered, newest first."""
    require(user, "person.view")
    qs = StatusReview.objects.visible_to(user).select_related("person", "import_run", "handled_by")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.run:
        qs = qs.filter(import_run_id=filters.run)
    if filters.since:
        qs = qs.filter(effective_date__gte=filters.since)
    return qs.order_by("-id")


def pending_reviews(user: User) -> QuerySet[StatusReview]:
    """What later modules check before paying: the user's area's entries nobody has handled yet."""
    return reviews(user, ReviewFilters())


HEADERS = [
    "姓名",
    "身份证号",
    "社区代码",
    "变化类型",
    "变化",
    "生效日期",
    "来源",
    "状态",
    "处理人",
    "处理时间",
    "处理说明",
]


def review_filters_from(params: Mapping[str, str]) -> ReviewFilters:
    """The review list's filters from a query string or the export command's KEY=VALUE pairs (unknown values
    are ignored, as on the screen: the default is the pending entries)."""
    status = params.get("status", ReviewStatus.PENDING)
    kind = params.get("kind", "")
    run = params.get("run", "")
    return ReviewFilters(
        status=status if status in ReviewStatus.values else "",
        kind=kind if kind in ReviewKind.values else "",
        run=int(run) if run.isdigit() else None,
    )


def reviews_export(*, actor: User, filters: ReviewFilters) -> bytes:
    """The filtered list as xlsx (masked ID numbers); audited like every export."""
    require(actor, "person.export")
    rows = [
        [
            r.person.name,
            r.person.id_number_masked,
            r.area_code,
            r.get_kind_display(),
            r.change,
            r.effective_date,
            f"#{r.import_run_id} {r.import_run.file_name}" if r.import_run_id else _("逐人办理"),
            r.get_status_display(),
            str(r.handled_by or ""),
            timezone.localtime(r.handled_at).replace(tzinfo=None) if r.handled_at else None,
            r.note,
        ]
        for r in reviews(actor, filters)[:EXPORT_LIMIT]
    ]
    record(
        actor=actor,
        action="status_review.export",
        object_type="registry.statusreview",
        after={"rows": len(rows), "status": filters.status, "kind": filters.kind, "run": filters.run},
        message=_("导出动态变化待核清单"),
    )
    return write_workbook(
        [
            Sheet(
                name=str(_("动态变化待核")),
                headers=HEADERS,
                rows=rows,
                text_columns=(1, 2),
                widths=[10, 20, 14, 12, 50],
            )
        ]
    )


@transaction.atomic
def review_handle(*, actor: User, review: StatusReview, note: str = "") -> StatusReview:
    """A caseworker has acted on the change (stopped a benefit, updated a household…): the entry leaves the list."""
    require(actor, "person.edit")
    if not in_scope(actor, review.area_code):
        raise PermissionDenied(_("该人员不在您负责的区域内"))
    note = " ".join(str(note or "").split())[:200]
    moved = StatusReview.objects.filter(pk=review.pk, status=ReviewStatus.PENDING).update(
        status=ReviewStatus.HANDLED, handled_by=actor, handled_at=timezone.now(), note=note
    )
    if not moved:
        raise Conflict(_("该条已由他人标记为已处理"))
    review.refresh_from_db()
    record(
        actor=actor,
        action="status_review.handle",
        obj=review,
        before={"status": ReviewStatus.PENDING},
        after={"status": review.status, "note": note},
        message=_("标记为已处理：%(person)s %(kind)s")
        % {"person": review.person.name, "kind": review.get_kind_display()},
    )
    return review
