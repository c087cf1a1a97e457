"""Payments for tests: approved applications waiting at "deliver" with bank accounts, budgets, return files."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from canlian.applications.models import Application
from canlian.applications.tests.factories import make_application, r1_person
from canlian.common.tabular import Sheet, write_workbook
from canlian.payments.models import Batch, RosterLayout
from canlian.programmes.models import Budget, Programme
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_account

_digits = itertools.count(6222020000000000001)


def account_for(person: Person, *, default: bool = True) -> object:
    return make_account(person, str(next(_digits)), default=default)


def waiting(users: object, community: object, *, n: int = 1, programme: str = "R1", period: str = "2024",
            amount: str = "1000.00", with_account: bool = True) -> list[Application]:
    """n applications at "deliver" (approved), each applicant with a default bank account."""
    from canlian.accounts.choices import Role

    apps = []
    for _i in range(n):
        person = r1_person(community)
        if with_account:
            account_for(person)
        app = make_application(person=person, creator=users.a[Role.DISTRICT_OFFICER], programme=programme,
                               step="deliver", period=period)
        Application.objects.filter(pk=app.pk).update(approved_amount=Decimal(amount))
        app.refresh_from_db()
        apps.append(app)
    return apps


def budget(programme: str = "R1", year: int = 2024, amount: str = "1000000.00", source: str = "upper") -> Budget:
    return Budget.objects.create(programme=Programme.objects.get(code=programme), year=year, source=source,
                                 amount=Decimal(amount))


def bank_layout() -> RosterLayout:
    return RosterLayout.objects.get(name="农商行代发")


def return_file(batch: Batch, *, failed: dict[str, str] | None = None, paid_on: date = date(2024, 4, 20),
                amounts: dict[str, str] | None = None, drop: int = 0, extra: list[list[object]] | None = None) -> bytes:
    """The bank's answer to a batch (农商行 layout): every pending line, optionally failed, altered or dropped."""
    failed, amounts = failed or {}, amounts or {}
    rows: list[list[object]] = []
    for line in batch.lines.filter(status="pending").select_related("bank_account").order_by("seq"):
        ok = line.ref not in failed
        rows.append([line.ref, line.bank_account.decrypt_number() if line.bank_account else "",
                     amounts.get(line.ref, f"{line.amount:.2f}"), "成功" if ok else "失败",
                     "" if ok else failed[line.ref], paid_on.isoformat() if ok else ""])
    rows = rows[: len(rows) - drop] + (extra or [])
    return write_workbook([Sheet(name="回盘", headers=["明细编号", "卡号", "金额", "处理结果", "失败原因", "入账日期"],
                                 rows=rows, text_columns=(0, 1, 2))])
