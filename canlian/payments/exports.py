"""`manage.py export roster batch=N layout=NAME --user U`: a batch's bank roster or national-system roster.

The same services as the batch page (`batch_export` for a bank layout — the batch moves to 已导出 and the
full-number export is audited —, `batch_export_national` for a national template), as the named user.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from canlian.common.exceptions import DomainError
from canlian.payments import services
from canlian.payments.choices import LayoutKind
from canlian.payments.models import Batch, RosterLayout


def _command_roster(actor: Any, params: dict[str, str]) -> tuple[bytes, str]:
    raw = params.get("batch", "").upper().removeprefix("PB")
    if not raw.isdigit():
        raise DomainError(_("请用 batch=批次号 指定批次，如 batch=12 或 batch=PB000012"))
    batch = Batch.objects.visible_to(actor).filter(pk=int(raw)).first()
    if batch is None:
        raise DomainError(_("没有批次 %(b)s，或您无权查看") % {"b": params["batch"]})
    layout = RosterLayout.objects.filter(name=params.get("layout", ""), is_active=True).first()
    if layout is None:
        names = "、".join(RosterLayout.objects.filter(is_active=True).values_list("name", flat=True))
        raise DomainError(_("请用 layout=名单格式名称 指定格式，可用：%(n)s") % {"n": names})
    export = services.batch_export if layout.kind == LayoutKind.BANK else services.batch_export_national
    out = export(actor=actor, batch=batch, layout=layout)
    return out.content, out.file_name


def register_exports() -> None:
    from canlian.common.exports import ExportKind, register

    register(ExportKind("roster", "银行代发名单或上报名单", "batch=批次号 layout=名单格式名称", _command_roster))
