"""Demo registry: ctx.persons certified persons of 龙子湖区 with certificates, households, bank accounts,
low-income history and a few deaths, moves and re-assessments.

Deterministic for a seed (ctx.rng only; the AES-GCM nonces are random, the data is not). Rows are made as
plain tuples, 5,000 persons at a time, in a forked child process, while this process writes the previous
chunk with one executemany (SQLite) or a few multi-row INSERTs (PostgreSQL) per table (`_Writer`); the ORM's
per-value preparation capped bulk_create near 1,500 persons/second and the benchmarks need a million.
Encryption and blind indexes are computed as the services compute them, and every ID and certificate number
is built with the codecs and passes the services' validation (tests/test_demo.py checks it).
"""

from __future__ import annotations

import gc
import multiprocessing
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from queue import Empty
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from canlian.common import crypto
from canlian.common.certificate import masked_certificate_number
from canlian.common.idcard import make_id_number
from canlian.common.masking import mask_bank_account, mask_id_number
from canlian.demo.context import DemoContext
from canlian.regions.models import Region
from canlian.registry.choices import (
    ETHNICITIES,
    HAN,
    CertificateStatus,
    ChangeKind,
    ChangeSource,
    Education,
    HolderRelation,
    HukouType,
    LifeStatus,
    LowIncomeStatus,
    MaritalStatus,
    Relation,
)
from canlian.registry.inputs import CERTIFICATE_YEARS, add_years
from canlian.registry.models import (
    BankAccount,
    Certificate,
    Household,
    HouseholdMember,
    LowIncomePeriod,
    Person,
    StatusChange,
)
from canlian.registry.services import certificate_label, registration_text

CHUNK = 5000

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜"
    "戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉晓燕鹏飞宇浩俊凤云梅琴林海波斌宁丹"
# Where demo persons were born: mostly 龙子湖区, then the rest of Bengbu, then elsewhere in Anhui.
BIRTH_REGIONS = [
    ("340302", 70),
    ("340303", 6),
    ("340304", 5),
    ("340311", 4),
    ("340321", 3),
    ("340322", 2),
    ("340323", 2),
    ("340102", 2),
    ("340104", 1),
    ("340202", 1),
    ("340403", 1),
    ("341202", 1),
    ("341302", 1),
    ("341502", 1),
]
CATEGORIES = [(4, 50), (1, 11), (2, 12), (5, 10), (6, 10), (3, 2), (7, 5)]
GRADES = [(1, 14), (2, 26), (3, 30), (4, 30)]
AGE_BANDS = [((0, 6), 2), ((7, 17), 4), ((18, 44), 18), ((45, 59), 26), ((60, 79), 38), ((80, 98), 12)]
BANKS = [
    ("中国工商银行", "6222"),
    ("中国建设银行", "6217"),
    ("中国农业银行", "6228"),
    ("中国银行", "6216"),
    ("安徽农金", "6223"),
    ("蚌埠农商银行", "6214"),
]
MINORITIES = [code for code, _name in ETHNICITIES if code != HAN]
EDUCATION_ADULT = [
    Education.NONE,
    Education.PRIMARY,
    Education.JUNIOR,
    Education.SENIOR,
    Education.COLLEGE,
    Education.BACHELOR,
]
MARITAL = [MaritalStatus.SINGLE, MaritalStatus.MARRIED, MaritalStatus.DIVORCED, MaritalStatus.WIDOWED]


def _weighted(pairs: list[tuple[object, int]]) -> tuple[list[object], list[int]]:
    values, weights = zip(*pairs, strict=True)
    cum, total = [], 0
    for w in weights:
        total += w
        cum.append(total)
    return list(values), cum


class _Writer:
    """Multi-row INSERTs of plain values for one model, with ids assigned here so that rows can refer to each
    other before they are written. Values are adapted by type, once, as the database backend expects them."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.defaults = {f.attname: None if f.primary_key else f.get_default() for f in self.fields}
        ops, quote = connection.ops, connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in self.fields)}) VALUES "  # noqa: S608 - names from model metadata
        )
        mark = "?" if connection.vendor == "sqlite" else "%s"
        self.row_sql = f"({', '.join([mark] * len(self.fields))})"
        self.next_id = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.name_defaults = [(n, self.defaults[n]) for n in self.names]
        # Dates are the only values the drivers do not take as they are; datetimes come pre-adapted (stamp()).
        self.date_columns = [
            i
            for i, f in enumerate(self.fields)
            if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
        ]
        self.adapt_date = ops.adapt_datefield_value
        self.rows: list[tuple] = []
        # rows per statement, within SQLite's 32,766 and PostgreSQL's 65,535 bound parameters
        self.batch = max(1, 30_000 // len(self.fields))

    def add(self, **values: object) -> int:
        pk = self.next_id
        self.next_id += 1
        values["id"] = pk
        row = [values.get(n, d) for n, d in self.name_defaults]
        for index in self.date_columns:
            if row[index] is not None:
                row[index] = self.adapt_date(row[index])
        self.rows.append(tuple(row))
        return pk

    def flush(self) -> int:
        written = len(self.rows)
        # The driver's own cursor: Django's debug cursor would re-quote 30,000 parameters per statement.
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        try:
            if connection.vendor == "sqlite":  # sqlite3 runs executemany's loop in C
                cursor.executemany(self.sql + self.row_sql, self.rows)
            else:
                for start in range(0, written, self.batch):
                    part = self.rows[start : start + self.batch]
                    cursor.execute(self.sql + ", ".join([self.row_sql] * len(part)), [v for row in part for v in row])
        finally:
            cursor.close()
        self.rows = []
        return written


@dataclass
class _Stats:
    persons: int = 0
    households: int = 0
    multi: int = 0
    accounts: int = 0
    expired: int = 0


class _Maker:
    """Draws one person's facts from ctx.rng; all randomness of the builder goes through here."""

    def __init__(self, rng: random.Random, anchor: date) -> None:
        self.rng = rng
        self.anchor = anchor
        self.regions = _weighted(BIRTH_REGIONS)
        self.categories = _weighted(CATEGORIES)
        self.grades = _weighted(GRADES)
        self.ages = _weighted(AGE_BANDS)
        self.used: set[tuple[object, date, int]] = set()

    def pick(self, table: tuple[list[object], list[int]]) -> object:
        values, cum = table
        return self.rng.choices(values, cum_weights=cum)[0]

    def name(self) -> str:
        r = self.rng
        given = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.7 else "")
        return r.choice(SURNAMES) + given

    def id_number(self) -> tuple[str, date, str]:
        low, high = self.pick(self.ages)  # type: ignore[misc]
        while True:
            region = self.pick(self.regions)
            birth = self.anchor - timedelta(days=self.rng.randint(max(low * 365, 180), high * 365 + 364))
            seq = self.rng.randint(0, 999)
            if (region, birth, seq) not in self.used:
                self.used.add((region, birth, seq))
                return make_id_number(str(region), birth, seq), birth, "M" if seq % 2 else "F"

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"

    def days_before(self, end: date, years: float) -> date:
        return end - timedelta(days=self.rng.randint(0, int(years * 365)))


def build(ctx: DemoContext) -> None:
    if ctx.persons <= 0:
        return
    started = time.perf_counter()
    today = timezone.localdate()
    anchor = min(date(ctx.year, 12, 31), today)
    maker = _Maker(ctx.rng, anchor)
    builder = _Builder(maker, list(ctx.data["communities"]), ctx.data["users"].get("zhuangan"), today)
    builder.start()
    sizes = [min(CHUNK, ctx.persons - made) for made in range(0, ctx.persons, CHUNK)]
    for tables in _chunks(builder, sizes):
        builder.write(tables)
    builder.finish()
    elapsed = time.perf_counter() - started
    s = builder.stats
    ctx.data["persons"] = s.persons
    ctx.say(
        f"残疾人档案：{s.persons} 人，{s.households} 户（一户多残 {s.multi} 户），银行账户 {s.accounts} 个，"
        f"证件已过期 {s.expired} 人"
    )
    ctx.say(f"残疾人档案用时 {elapsed:.1f} 秒，{s.persons / elapsed:,.0f} 人/秒")


def _chunks(builder: _Builder, sizes: list[int]) -> Iterator[dict[str, list[tuple]]]:
    """The rows of each chunk, made in a forked child process while this one writes the previous chunk.

    Making rows (random draws, encryption) and writing them take about the same time, so on two or more
    cores the load runs nearly twice as fast. The child never touches the database; it hands back its
    random state and counts at the end, so the result is the same as making the rows here.
    """
    if "fork" not in multiprocessing.get_all_start_methods() or len(sizes) < 2:
        gc.disable()  # millions of short-lived tuples: the cyclic collector would rescan them chunk after chunk
        try:
            for size in sizes:
                yield builder.make(size)
        finally:
            gc.enable()
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2)
    child = context.Process(target=_produce, args=(builder, sizes, queue), daemon=True)
    child.start()
    try:
        for _ in sizes:
            yield _receive(queue, child)
        state, stats = _receive(queue, child)
    finally:
        child.join(timeout=30)
    builder.maker.rng.setstate(state)
    builder.stats = stats


def _produce(builder: _Builder, sizes: list[int], queue: multiprocessing.Queue) -> None:
    gc.disable()
    for size in sizes:
        queue.put(builder.make(size))
    queue.put((builder.maker.rng.getstate(), builder.stats))
    queue.close()
    queue.join_thread()


def _receive(queue: multiprocessing.Queue, child: multiprocessing.Process) -> Any:
    while True:
        try:
            return queue.get(timeout=5)
        except Empty:
            if not child.is_alive():
                raise RuntimeError(f"the demo row maker stopped (exit code {child.exitcode})") from None


class _Builder:
    def __init__(self, maker: _Maker, communities: list[Region], officer: object, today: date) -> None:
        self.maker, self.r, self.communities, self.today = maker, maker.rng, communities, today
        self.officer_id = getattr(officer, "pk", None)
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.stats = _Stats()
        # Labels translated once: a lazy label costs microseconds every time it is turned into text.
        self.labels = {c: str(c.label) for c in (*LifeStatus, *LowIncomeStatus, *CertificateStatus)}
        self.earliest_valid = add_years(today, -CERTIFICATE_YEARS) + timedelta(days=1)  # issued since: still valid
        self.w = {
            m: _Writer(m)
            for m in (Person, Certificate, LowIncomePeriod, StatusChange, BankAccount, Household, HouseholdMember)
        }

    def start(self) -> None:
        if connection.vendor == "sqlite":  # keep the random-order hash indexes in memory while loading
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")

    def make(self, size: int) -> dict[str, list[tuple]]:
        """The rows of `size` persons and everything that hangs off them, per table (no database access)."""
        people = [self.person() for _ in range(size)]
        self.households(people)
        self.stats.persons += size
        tables = {}
        for model, writer in self.w.items():
            tables[model._meta.label], writer.rows = writer.rows, []
        return tables

    def write(self, tables: dict[str, list[tuple]]) -> None:
        for model in (Person, Household, HouseholdMember, Certificate, LowIncomePeriod, StatusChange, BankAccount):
            self.w[model].rows = tables[model._meta.label]
            self.w[model].flush()

    def finish(self) -> None:
        """Move the id sequences past the ids written here (PostgreSQL), refresh the planner's statistics."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.w)):
                cursor.execute(sql)
            cursor.execute("ANALYZE")

    def change(self, person: int, kind: str, day: date, old: str, new: str, reason: str) -> None:
        self.w[StatusChange].add(
            person_id=person,
            kind=kind,
            effective_date=day,
            old_value=old,
            new_value=new,
            reason=reason,
            actor_id=self.officer_id,
            source=ChangeSource.IMPORT,
            created_at=self.now,
        )

    def person(self) -> dict:
        m, r, anchor, today = self.maker, self.r, self.maker.anchor, self.today
        number, birth, sex = m.id_number()
        community = r.choice(self.communities)
        age = anchor.year - birth.year - ((anchor.month, anchor.day) < (birth.month, birth.day))
        category, grade = int(m.pick(m.categories)), int(m.pick(m.grades))  # type: ignore[call-overload]
        first_possible = birth + timedelta(days=30)
        earliest_valid = self.earliest_valid
        if r.random() < 0.07:  # some certificates were not renewed after ten years
            issue = m.days_before(earliest_valid - timedelta(days=1), 3)
        else:
            start = max(first_possible, earliest_valid)
            issue = start + timedelta(days=r.randint(0, max(0, (anchor - start).days)))
        issue = max(issue, first_possible)
        valid_until = add_years(issue, CERTIFICATE_YEARS)
        self.stats.expired += valid_until < today

        life, life_date, moved_to = LifeStatus.ALIVE, None, ""
        roll = r.random()
        if roll < 0.02 + (0.04 if age >= 80 else 0):
            life, life_date = LifeStatus.DECEASED, m.days_before(anchor, 3)
        elif roll > 0.99:
            life, life_date, moved_to = LifeStatus.MOVED_OUT, m.days_before(anchor, 3), "江苏省南京市"
        if life_date is not None and life_date <= issue:
            life, life_date, moved_to = LifeStatus.ALIVE, None, ""

        low_roll = r.random()
        low_kind = (
            LowIncomeStatus.DIBAO
            if low_roll < 0.20 or 0.27 <= low_roll < 0.32
            else LowIncomeStatus.TEKUN
            if low_roll < 0.23
            else LowIncomeStatus.BIANYUAN
            if low_roll < 0.27
            else None
        )
        ended = low_roll >= 0.27 and low_kind is not None
        low_since = low_end = None
        if low_kind is not None:
            low_since = max(m.days_before(anchor - timedelta(days=60), 8), birth)
            if ended:
                low_end = low_since + timedelta(days=r.randint(30, max(31, (anchor - low_since).days - 1)))

        minor = age < 18
        guardian = minor or (category in (5, 6) and grade <= 2)
        cancelled = life == LifeStatus.DECEASED and r.random() < 0.5
        name = m.name()
        masked = mask_id_number(number)
        pid = self.w[Person].add(
            created_at=self.now,
            updated_at=self.now,
            name=name,
            id_number_enc=crypto.encrypt(number, purpose="id_number"),
            id_number_hash=crypto.blind_index(number, purpose="id_number"),
            id_number_masked=masked,
            birth_date=birth,
            sex=sex,
            ethnicity=r.choice(MINORITIES) if r.random() < 0.015 else HAN,
            phone=m.phone() if r.random() < 0.85 else "",
            hukou_type=HukouType.RURAL
            if (rural := (community.name.endswith("村") and r.random() < 0.9) or r.random() < 0.1)
            else HukouType.URBAN,
            community_id=community.pk,
            area_code=community.code,
            address=f"{community.name}{r.randint(1, 60)}栋{r.randint(1, 6)}单元{r.randint(101, 1802)}室",
            life_status=life,
            life_status_date=life_date,
            moved_to=moved_to,
            low_income_status=low_kind if low_kind and not ended else LowIncomeStatus.NONE,
            # the day the status of today began: 无 the day after an ended period (decision 0018)
            low_income_since=(low_end + timedelta(days=1) if ended else low_since) if low_kind else None,
            education=_education(r, age),
            marital_status=_marital(r, age),
            guardian_name=m.name() if guardian else "",
            guardian_phone=m.phone() if guardian else "",
            guardian_relation=(Relation.PARENT if minor else Relation.CHILD if age > 50 else Relation.SIBLING)
            if guardian
            else "",
            category=category,
            grade=grade,
            cert_valid_until=valid_until,
            cert_status=CertificateStatus.CANCELLED if cancelled else CertificateStatus.VALID,
            **_rule_facts(number, age, category, grade, rural),
        )

        components = "".join(sorted(r.sample("1245", 2))) if category == 7 else ""
        cert = {
            "person_id": pid,
            "category": category,
            "grade": grade,
            "components": components,
            "issue_date": issue,
            "valid_until": valid_until,
            "created_at": self.now,
            "updated_at": self.now,
        }
        cert_id = self.w[Certificate].add(
            **cert,
            status=CertificateStatus.CANCELLED if cancelled else CertificateStatus.VALID,
            is_current=True,
            cancelled_on=life_date if cancelled else None,
            cancel_reason="持证人死亡" if cancelled else "",
        )
        registered_on, held = issue, (category, grade)  # registered when first certified
        if r.random() < 0.03 and (issue - first_possible).days > 800:  # an earlier certificate, re-assessed
            old_grade = min(4, grade + 1)
            old_issue = issue - timedelta(days=r.randint(400, 800))
            registered_on, held = old_issue, (category, old_grade)
            self.w[Certificate].add(
                **{
                    **cert,
                    "grade": old_grade,
                    "issue_date": old_issue,
                    "valid_until": add_years(old_issue, CERTIFICATE_YEARS),
                },
                status=CertificateStatus.SUPERSEDED,
                is_current=False,
                superseded_by_id=cert_id,
            )
            self.change(
                pid,
                ChangeKind.CERTIFICATE_REASSESS,
                issue,
                certificate_label(category, old_grade),
                certificate_label(category, grade),
                "重新评定",
            )
        # the 登记 entry every registration writes (services.person_create, imports), naming the certificate held
        self.change(
            pid,
            ChangeKind.REGISTERED,
            registered_on,
            "",
            registration_text(community.name, certificate_label(*held), masked_certificate_number(masked, *held)),
            "",
        )
        if cancelled:
            self.change(
                pid,
                ChangeKind.CERTIFICATE_CANCEL,
                life_date,
                certificate_label(category, grade),  # type: ignore[arg-type]
                self.labels[CertificateStatus.CANCELLED],
                "持证人死亡",
            )
        if life != LifeStatus.ALIVE:
            dead = life == LifeStatus.DECEASED
            self.change(
                pid,
                ChangeKind.LIFE,
                life_date,
                self.labels[LifeStatus.ALIVE],  # type: ignore[arg-type]
                self.labels[LifeStatus.DECEASED] if dead else f"{self.labels[LifeStatus.MOVED_OUT]}（{moved_to}）",
                "民政死亡名单" if dead else "户口迁出",
            )
        if low_kind is not None:
            self.w[LowIncomePeriod].add(
                person_id=pid,
                status=low_kind,
                start=low_since,
                end=low_end,
                source=ChangeSource.IMPORT,
                created_at=self.now,
            )
            self.change(pid, ChangeKind.LOW_INCOME, low_since, "无", self.labels[low_kind], "民政低保名单")  # type: ignore[arg-type]
            if low_end is not None:
                self.change(
                    pid, ChangeKind.LOW_INCOME, low_end + timedelta(days=1), self.labels[low_kind], "无", "退出低保"
                )
        if age >= 18 and life == LifeStatus.ALIVE and r.random() < 0.9:
            bank, prefix = r.choice(BANKS)
            digits = prefix + f"{r.randint(0, 10**15 - 1):015d}"
            self.w[BankAccount].add(
                person_id=pid,
                bank_name=bank,
                account_enc=crypto.encrypt(digits, purpose="bank_account"),
                account_hash=crypto.blind_index(digits, purpose="bank_account"),
                account_masked=mask_bank_account(digits),
                holder_name=name,
                holder_relation=HolderRelation.SELF,
                is_default=True,
                is_active=True,
                created_at=self.now,
                updated_at=self.now,
            )
            self.stats.accounts += 1
        return {
            "id": pid,
            "community": community,
            "birth": birth,
            "certified": life == LifeStatus.ALIVE and not cancelled,
        }

    def households(self, people: list[dict]) -> None:
        """Group persons, community by community, into households: about 8% with 2–3 certified members."""
        by_community: dict[int, list[dict]] = {}
        for p in people:
            by_community.setdefault(p["community"].pk, []).append(p)
        for members in by_community.values():
            i = 0
            while i < len(members):
                size = (3 if self.r.random() < 0.1 else 2) if self.r.random() < 0.085 else 1
                group = sorted(members[i : i + size], key=lambda p: p["birth"])
                i += size
                community = group[0]["community"]
                certified = sum(p["certified"] for p in group)  # what services.households_recount would count
                hid = self.w[Household].add(
                    community_id=community.pk, area_code=community.code, certified_count=certified,
                    created_at=self.now, updated_at=self.now,
                )
                head = group[0]
                for k, p in enumerate(group):
                    relation = (
                        Relation.HEAD
                        if k == 0
                        else Relation.CHILD
                        if (p["birth"] - head["birth"]).days > 16 * 365
                        else Relation.SPOUSE
                        if k == 1
                        else Relation.SIBLING
                    )
                    self.w[HouseholdMember].add(
                        household_id=hid,
                        person_id=p["id"],
                        relation=relation,
                        joined_on=max(p["birth"], date(2000, 1, 1)),
                    )
                self.stats.households += 1
                self.stats.multi += certified >= 2


def _rule_facts(number: str, age: int, category: int, grade: int, rural: bool) -> dict[str, bool]:
    """The yes/no facts programme rules read (decision 0016), in plausible shares: half of the physical
    disabilities are of the lower limbs and one in eight of those drives a motorised wheelchair vehicle; 8 % of
    rural and 1 % of urban people are 脱贫人口; most grade 1–2 people need long-term care and a few of them draw
    the work-injury nursing fee; a third of the young psychiatric (and a tenth of the intellectual) have autism.
    Drawn from their own generator seeded by the ID number, so the rest of the district stays as it was."""
    f = random.Random(number)
    lower_limb = category == 4 and f.random() < 0.5
    severe = grade <= 2
    return {
        "lower_limb": lower_limb,
        "owns_wheelchair_vehicle": lower_limb and age >= 18 and f.random() < 0.125,
        "poverty_alleviated": f.random() < (0.08 if rural else 0.01),
        "needs_long_term_care": severe and f.random() < 0.6,
        "work_injury_care": severe and 18 <= age < 70 and f.random() < 0.01,
        "autism": age < 30 and ((category == 6 and f.random() < 0.33) or (category == 5 and f.random() < 0.1)),
    }


def _education(r: random.Random, age: int) -> str:
    if age < 6:
        return Education.PRESCHOOL
    if age < 12:
        return Education.PRIMARY
    return r.choices(EDUCATION_ADULT, weights=[12 if age > 60 else 4, 30, 32, 15, 6, 3])[0]


def _marital(r: random.Random, age: int) -> str:
    if age < 20:
        return MaritalStatus.SINGLE
    return r.choices(MARITAL, weights=[30 if age < 35 else 8, 60, 6, 20 if age > 65 else 3])[0]
