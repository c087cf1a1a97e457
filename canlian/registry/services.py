"""Writes to the registry, one person at a time (forms and the API). Set-based versions: bulk.py.

Every service checks the actor's role (MATRIX) and area, validates with the same checks as imports
(inputs.py), locks the rows it changes, records the change on the person's timeline (StatusChange) and
writes the audit trail. Reads of full ID and bank account numbers are services too: each one is audited.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.accounts.scoping import in_scope
from canlian.audit.services import record, snapshot
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.regions.models import Region
from canlian.registry.choices import (
    CertificateStatus,
    ChangeKind,
    ChangeSource,
    EffectiveCertificateStatus,
    HolderRelation,
    LifeStatus,
    LowIncomeStatus,
    Relation,
    ReviewKind,
)
from canlian.registry.inputs import (
    EDITABLE_FIELDS,
    FACT_FIELDS,
    CertificateInput,
    PersonInput,
    clean_bank_account,
    clean_certificate,
    clean_choice,
    clean_community,
    clean_effective_date,
    clean_holder_relation,
    clean_id_number,
    clean_low_income_status,
    clean_name,
    clean_person_fields,
    day_before,
)
from canlian.registry.models import (
    BankAccount,
    Certificate,
    Household,
    HouseholdMember,
    LowIncomePeriod,
    Person,
    StatusChange,
    StatusReview,
    certified_count,
)

if TYPE_CHECKING:
    from canlian.accounts.models import User


PERSON_AUDIT_FIELDS = (
    "name",
    "id_number_masked",
    "ethnicity",
    "phone",
    "hukou_type",
    "community",
    "address",
    "life_status",
    "life_status_date",
    "moved_to",
    "low_income_status",
    "low_income_since",
    "education",
    "marital_status",
    "guardian",
    "guardian_name",
    "guardian_phone",
    "guardian_relation",
    "category",
    "grade",
    "cert_status",
    "cert_valid_until",
    *FACT_FIELDS,
)


# --- shared checks ---------------------------------------------------------------------------------------


def check_person_access(actor: User, person: Person, action: str = "person.edit") -> None:
    """The actor's role allows `action` and the person lives inside the actor's area."""
    require(actor, action)
    if not in_scope(actor, person.area_code):
        raise PermissionDenied(_("%(name)s不在您负责的区域内") % {"name": person.name})


def check_community_access(actor: User, community: Region) -> None:
    if not in_scope(actor, community.code):
        raise PermissionDenied(_("社区“%(name)s”不在您负责的区域内") % {"name": community.name})


def _locked(person: Person) -> Person:
    """The person re-read under a row lock, so two clerks cannot apply two transitions to one stale state."""
    return Person.objects.select_for_update().select_related("community").get(pk=person.pk)


def registration_text(community: str, label: str = "", number_masked: str = "") -> str:
    """The 登记 entry of a person's timeline: the community, and the certificate held when registered, by its
    label and masked number (e.g. “甲一社区；精神一级，340302********123X61”). A person registered with a
    certificate gets this one entry, not a separate 办证 entry dated years before the registration (decision
    0020); 办证 is a certificate issued later."""
    return (f"{community}；{label}，{number_masked}" if label else community)[:200]


def certificate_label(category: int | None, grade: int | None) -> str:
    """“肢体二级”, in the active language; “无证” without a certificate. Cached per language: imports and the demo
    label a certificate per row, and turning a lazy label into text costs microseconds each time."""
    if category is None or grade is None:
        return str(EffectiveCertificateStatus.NONE.label)
    return _certificate_label(category, grade, get_language())


@functools.lru_cache(maxsize=128)
def _certificate_label(category: int, grade: int, language: str | None) -> str:
    from canlian.registry.choices import Category, Grade

    return f"{Category(category).label}{Grade(grade).label}"


def status_change(
    person: Person,
    *,
    kind: str,
    effective: date,
    old: str,
    new: str,
    reason: str,
    actor: User,
    source: str,
) -> StatusChange:
    change = StatusChange(
        person=person,
        kind=kind,
        effective_date=effective,
        old_value=str(old)[:200],
        new_value=str(new)[:200],
        reason=str(reason or "")[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        source=source,
    )
    change.full_clean()
    change.save()
    return change


def review_add(person: Person, *, kind: str, change: str, effective: date) -> StatusReview:
    """Put a status change on the review list (动态管理, decision 0010), for the area the person now lives in.

    The forms and the API change one person at a time through the services below; imports add their entries
    in bulk with the import run (`ImportKind.applied`). Either way, a death, a move or a 低保 change reaches
    the caseworkers who must stop or adjust benefits.
    """
    review = StatusReview(
        person=person, kind=kind, change=change[:300], effective_date=effective, area_code=person.area_code
    )
    review.full_clean()
    review.save()
    return review


def review_change(label: str, old: object, new: object) -> str:
    """The change as the review list shows it, in the words of the import preview: "在册状态：在册 → 死亡（…）"."""
    return f"{label}：{old} → {new}"


def _check_guardian(actor: User, guardian_id: int | None, person: Person | None = None) -> None:
    if guardian_id is None:
        return
    if person is not None and guardian_id == person.pk:
        raise DomainError(_("监护人不能是本人"), field="guardian_id")
    if not Person.objects.visible_to(actor).filter(pk=guardian_id).exists():
        raise DomainError(_("所选监护人不在档案中，或不在您负责的区域内"), field="guardian_id")


# --- persons ---------------------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    actor: User,
    data: PersonInput,
    certificate: CertificateInput | None = None,
    source: str = ChangeSource.MANUAL,
) -> Person:
    """Register a person (optionally with the certificate they hold). The ID number is validated, stored
    encrypted and must not be in the registry already; birth date and sex come from it."""
    require(actor, "person.edit")
    ident = clean_id_number(data.id_number)
    fields = clean_person_fields(data)
    community = clean_community(data.community)
    check_community_access(actor, community)
    _check_guardian(actor, fields["guardian_id"])  # type: ignore[arg-type]
    cert_fields = clean_certificate(certificate, ident.number) if certificate is not None else None

    person = Person(community=community, area_code=community.code, birth_date=ident.birth_date, sex=ident.sex, **fields)
    person.set_id_number(ident.number)
    _refuse_duplicate(actor, person.id_number_hash)
    person.full_clean(exclude=["id_number_hash"])
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as error:  # a concurrent registration of the same number won the race
        raise Conflict(_("该身份证号已在档案中登记")) from error
    today = timezone.localdate()
    cert = None
    if cert_fields is not None:
        cert = _issue_certificate(actor, person, cert_fields, kind=None, reason="", source=source)
    label, number = (certificate_label(cert.category, cert.grade), cert.number_masked) if cert else ("", "")
    status_change(
        person,
        kind=ChangeKind.REGISTERED,
        effective=today,
        old="",
        new=registration_text(community.name, label, number),
        reason="",
        actor=actor,
        source=source,
    )
    record(actor=actor, action="person.create", obj=person, after=snapshot(person, PERSON_AUDIT_FIELDS))
    return person


def _refuse_duplicate(actor: User, id_hash: str, exclude_pk: int | None = None) -> None:
    existing = Person.objects.filter(id_number_hash=id_hash).exclude(pk=exclude_pk).select_related("community").first()
    if existing is None:
        return
    if in_scope(actor, existing.area_code):
        raise Conflict(
            _("该身份证号已登记：%(name)s（%(community)s）")
            % {"name": existing.name, "community": existing.community.name}
        )
    raise Conflict(_("该身份证号已在档案中登记（不在您负责的区域内），请联系区残联"))


@transaction.atomic
def person_update(*, actor: User, person: Person, changes: dict[str, object]) -> Person:
    """Change a person's own details (name, contact, education, guardian…). Residence, life and low-income
    status and the certificate change only through their own services, which record the timeline."""
    check_person_access(actor, person)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("这些信息不能在此修改：%(f)s") % {"f": "、".join(sorted(unknown))})
    person = _locked(person)
    current = {name: getattr(person, name) for name in EDITABLE_FIELDS}
    merged = PersonInput(
        name=str(changes.get("name", current["name"])),
        id_number="",
        community=person.community,
        hukou_type=str(changes.get("hukou_type", current["hukou_type"])),
        **{k: changes.get(k, current[k]) for k in EDITABLE_FIELDS if k not in ("name", "hukou_type")},  # type: ignore[arg-type]
    )
    fields = clean_person_fields(merged)
    _check_guardian(actor, fields["guardian_id"], person)  # type: ignore[arg-type]
    changed = [name for name in EDITABLE_FIELDS if fields.get(name, current[name]) != current[name]]
    if not changed:
        return person
    before = snapshot(person, [f.removesuffix("_id") for f in changed])
    for name in changed:
        setattr(person, name, fields[name])
    person.full_clean(exclude=["id_number_hash"])
    person.save(update_fields=[*changed, "updated_at"])
    record(
        actor=actor,
        action="person.update",
        obj=person,
        before=before,
        after=snapshot(person, [f.removesuffix("_id") for f in changed]),
    )
    return person


def check_can_leave(person: Person, day: date) -> date:
    """The shared rule of death and moving out: the person is on the books and the date is plausible."""
    if person.life_status != LifeStatus.ALIVE:
        raise DomainError(
            _("%(name)s已是“%(status)s”状态（%(date)s）")
            % {"name": person.name, "status": person.get_life_status_display(), "date": person.life_status_date}
        )
    return clean_effective_date(day, not_before=person.birth_date)


@transaction.atomic
def person_record_death(
    *,
    actor: User,
    person: Person,
    date_of_death: date,
    reason: str = "",
    source: str = ChangeSource.MANUAL,
) -> Person:
    """Record a death: the person leaves the books from that date and every benefit stops (应退则退)."""
    check_person_access(actor, person)
    person = _locked(person)
    day = check_can_leave(person, date_of_death)
    before = snapshot(person, ["life_status", "life_status_date"])
    person.life_status, person.life_status_date = LifeStatus.DECEASED, day
    person.full_clean(exclude=["id_number_hash"])
    person.save(update_fields=["life_status", "life_status_date", "updated_at"])
    households_recount(persons=[person.pk])
    status_change(
        person,
        kind=ChangeKind.LIFE,
        effective=day,
        old=LifeStatus.ALIVE.label,
        new=LifeStatus.DECEASED.label,
        reason=reason,
        actor=actor,
        source=source,
    )
    review_add(
        person,
        kind=ReviewKind.DEATH,
        change=review_change(
            _("在册状态"), LifeStatus.ALIVE.label, f"{LifeStatus.DECEASED.label}（{day.isoformat()}）"
        ),
        effective=day,
    )
    record(
        actor=actor,
        action="person.record_death",
        obj=person,
        before=before,
        after=snapshot(person, ["life_status", "life_status_date"]),
        message=reason,
    )
    return person


@transaction.atomic
def person_move_out(
    *,
    actor: User,
    person: Person,
    moved_on: date,
    destination: str,
    reason: str = "",
    source: str = ChangeSource.MANUAL,
) -> Person:
    """Record a move out of the district (户口迁出): the person leaves the books; the destination is kept."""
    check_person_access(actor, person)
    destination = " ".join(str(destination or "").split())
    if not destination:
        raise DomainError(_("请填写迁往何处"), field="destination")
    person = _locked(person)
    day = check_can_leave(person, moved_on)
    before = snapshot(person, ["life_status", "life_status_date", "moved_to"])
    person.life_status, person.life_status_date, person.moved_to = LifeStatus.MOVED_OUT, day, destination[:200]
    person.full_clean(exclude=["id_number_hash"])
    person.save(update_fields=["life_status", "life_status_date", "moved_to", "updated_at"])
    households_recount(persons=[person.pk])
    status_change(
        person,
        kind=ChangeKind.LIFE,
        effective=day,
        old=LifeStatus.ALIVE.label,
        new=f"{LifeStatus.MOVED_OUT.label}（{destination}）",
        reason=reason,
        actor=actor,
        source=source,
    )
    review_add(
        person,
        kind=ReviewKind.MOVE,
        change=review_change(
            _("居住/在册"), person.community.name, f"{LifeStatus.MOVED_OUT.label}：{destination}（{day.isoformat()}）"
        ),
        effective=day,
    )
    record(
        actor=actor,
        action="person.move_out",
        obj=person,
        before=before,
        after=snapshot(person, ["life_status", "life_status_date", "moved_to"]),
        message=reason,
    )
    return person


@transaction.atomic
def person_move_in(
    *,
    actor: User,
    person: Person,
    community: Region,
    moved_on: date,
    reason: str = "",
    source: str = ChangeSource.MANUAL,
) -> Person:
    """Move a person to another community of the district, or back onto the books after a move out.

    The actor must be responsible for both the old and the new community (a move between streets is
    therefore done at district level). A deceased person cannot move.
    """
    check_person_access(actor, person)
    community = clean_community(community)
    check_community_access(actor, community)
    person = _locked(person)
    if person.life_status == LifeStatus.DECEASED:
        raise DomainError(_("%(name)s已死亡，不能迁入") % {"name": person.name})
    returning = person.life_status == LifeStatus.MOVED_OUT
    if not returning and community.pk == person.community_id:
        raise DomainError(_("%(name)s已住在%(c)s") % {"name": person.name, "c": community.name}, field="community")
    day = clean_effective_date(moved_on, not_before=person.life_status_date if returning else person.birth_date)
    fields = ["community", "area_code", "life_status", "life_status_date", "moved_to"]
    before = snapshot(person, fields)
    old_community = person.community
    person.community, person.area_code = community, community.code
    if returning:
        person.life_status, person.life_status_date, person.moved_to = LifeStatus.ALIVE, None, ""
    person.full_clean(exclude=["id_number_hash"])
    person.save(update_fields=[*fields, "updated_at"])
    if returning:
        households_recount(persons=[person.pk])
        status_change(
            person,
            kind=ChangeKind.LIFE,
            effective=day,
            old=LifeStatus.MOVED_OUT.label,
            new=LifeStatus.ALIVE.label,
            reason=reason,
            actor=actor,
            source=source,
        )
    if old_community.pk != community.pk:
        status_change(
            person,
            kind=ChangeKind.RESIDENCE,
            effective=day,
            old=old_community.name,
            new=community.name,
            reason=reason,
            actor=actor,
            source=source,
        )
    old = old_community.name + (f"（{LifeStatus.MOVED_OUT.label}）" if returning else "")
    review_add(
        person,
        kind=ReviewKind.MOVE,
        change=review_change(_("居住/在册"), old, f"{community.name}（{day.isoformat()}）"),
        effective=day,
    )
    record(
        actor=actor, action="person.move_in", obj=person, before=before, after=snapshot(person, fields), message=reason
    )
    return person


@transaction.atomic
def low_income_set(
    *,
    actor: User,
    person: Person,
    status: str,
    effective: date,
    reason: str = "",
    source: str = ChangeSource.MANUAL,
) -> Person:
    """Change the low-income status from `effective` on: the open period ends the day before, a new one
    starts (unless the new status is 无), and the current value on the person follows."""
    check_person_access(actor, person)
    status = clean_low_income_status(status)
    person = _locked(person)
    day = clean_effective_date(effective, not_before=person.birth_date)
    if status == person.low_income_status:
        raise DomainError(_("低保状态已是“%(s)s”，无需变更") % {"s": LowIncomeStatus(status).label}, field="status")
    latest = LowIncomePeriod.objects.select_for_update().filter(person=person).order_by("-start", "-id").first()
    check_after_period(latest, day)
    open_period = latest if latest is not None and latest.end is None else None
    if open_period is not None:
        open_period.end = day_before(day)
        open_period.full_clean()
        open_period.save(update_fields=["end"])
    if status != LowIncomeStatus.NONE:
        period = LowIncomePeriod(person=person, status=status, start=day, source=source)
        period.full_clean()
        period.save()
    before = snapshot(person, ["low_income_status", "low_income_since"])
    old_label = person.get_low_income_status_display()
    person.low_income_status = status
    person.low_income_since = day  # 无 too: the day it began (decision 0018)
    person.save(update_fields=["low_income_status", "low_income_since", "updated_at"])
    status_change(
        person,
        kind=ChangeKind.LOW_INCOME,
        effective=day,
        old=old_label,
        new=LowIncomeStatus(status).label,
        reason=reason,
        actor=actor,
        source=source,
    )
    review_add(
        person,
        kind=ReviewKind.LOW_INCOME,
        change=review_change(_("低保状态"), old_label, f"{LowIncomeStatus(status).label}（{day.isoformat()} 起）"),
        effective=day,
    )
    record(
        actor=actor,
        action="person.low_income_set",
        obj=person,
        before=before,
        after=snapshot(person, ["low_income_status", "low_income_since"]),
        message=reason,
    )
    return person


def check_after_period(latest: LowIncomePeriod | None, day: date) -> None:
    """A change effective on `day` must come after the person's latest period (`latest`: the latest-starting one,
    open or closed), so that periods never overlap (decision 0016): after an open period's start (it then ends
    the day before), after a closed period's end."""
    if latest is None:
        return
    if latest.end is None and day <= latest.start:
        raise DomainError(
            _("生效日期应晚于当前低保状态的起始日期 %(d)s") % {"d": latest.start.isoformat()}, field="effective"
        )
    if latest.end is not None and day <= latest.end:
        raise DomainError(
            _("生效日期应晚于上一段低保状态的终止日期 %(d)s（低保状态期间不能重叠）") % {"d": latest.end.isoformat()},
            field="effective",
        )


# --- certificates ----------------------------------------------------------------------------------------


def _issue_certificate(
    actor: User,
    person: Person,
    fields: dict[str, object],
    *,
    kind: str | None,
    reason: str,
    source: str,
) -> Certificate:
    """Insert the new current certificate (the caller has retired the old one) and copy its facts onto the person;
    the timeline entry is of `kind` (None: the caller's registration entry names the certificate)."""
    old_label = certificate_label(person.category, person.grade) if person.cert_status != "none" else _("无证")
    cert = Certificate(person=person, status=CertificateStatus.VALID, is_current=True, **fields)
    cert.full_clean()
    cert.save()
    person.category, person.grade = cert.category, cert.grade
    person.cert_status, person.cert_valid_until = CertificateStatus.VALID, cert.valid_until
    person.save(update_fields=["category", "grade", "cert_status", "cert_valid_until", "updated_at"])
    households_recount(persons=[person.pk])
    if kind is None:
        return cert
    status_change(
        person,
        kind=kind,
        effective=cert.issue_date,
        old=old_label,
        new=f"{certificate_label(cert.category, cert.grade)}，{cert.number_masked}",
        reason=reason,
        actor=actor,
        source=source,
    )
    return cert


@transaction.atomic
def person_reassess(
    *,
    actor: User,
    person: Person,
    certificate: CertificateInput,
    reason: str = "",
    source: str = ChangeSource.MANUAL,
) -> Certificate:
    """Record a re-assessment (or a first certificate): a new certificate row becomes current and the
    previous one is kept as superseded, so the history of categories and grades stays readable."""
    check_person_access(actor, person, "certificate.manage")
    person = _locked(person)
    if person.life_status == LifeStatus.DECEASED:
        raise DomainError(_("%(name)s已死亡，不能换发残疾人证") % {"name": person.name})
    fields = clean_certificate(certificate, person.decrypt_id_number())
    old = Certificate.objects.select_for_update().filter(person=person, is_current=True).first()
    if old is not None and fields["issue_date"] < old.issue_date:  # type: ignore[operator]
        raise DomainError(
            _("新证发证日期早于现有证件的发证日期 %(d)s") % {"d": old.issue_date.isoformat()}, field="issue_date"
        )
    if old is not None:
        old.is_current, old.status = False, CertificateStatus.SUPERSEDED
        old.save(update_fields=["is_current", "status", "updated_at"])
    cert = _issue_certificate(
        actor,
        person,
        fields,
        kind=ChangeKind.CERTIFICATE_REASSESS if old else ChangeKind.CERTIFICATE_NEW,
        reason=reason,
        source=source,
    )
    if old is not None:
        old.superseded_by = cert
        old.save(update_fields=["superseded_by", "updated_at"])
    record(
        actor=actor,
        action="certificate.reassess" if old else "certificate.create",
        obj=cert,
        before=snapshot(old, ["category", "grade", "issue_date", "valid_until", "status"]) if old else None,
        after=snapshot(cert, ["category", "grade", "components", "issue_date", "valid_until", "status"]),
        message=reason,
    )
    return cert


@transaction.atomic
def certificate_cancel(
    *,
    actor: User,
    certificate: Certificate,
    cancelled_on: date,
    reason: str,
    source: str = ChangeSource.MANUAL,
) -> Certificate:
    """Cancel (注销) the current certificate, e.g. after death, fraud or a re-assessment finding no disability."""
    person = certificate.person
    check_person_access(actor, person, "certificate.manage")
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise DomainError(_("请填写注销原因"), field="reason")
    person = _locked(person)
    cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not cert.is_current or cert.status != CertificateStatus.VALID:
        raise DomainError(
            _("只能注销当前有效（含已过期）的残疾人证，此证状态为“%(s)s”") % {"s": cert.effective_status_label}
        )
    day = clean_effective_date(cancelled_on, field="cancelled_on", not_before=cert.issue_date)
    cert.status, cert.cancelled_on, cert.cancel_reason = CertificateStatus.CANCELLED, day, reason[:200]
    cert.full_clean()
    cert.save(update_fields=["status", "cancelled_on", "cancel_reason", "updated_at"])
    person.cert_status = CertificateStatus.CANCELLED
    person.save(update_fields=["cert_status", "updated_at"])
    households_recount(persons=[person.pk])
    status_change(
        person,
        kind=ChangeKind.CERTIFICATE_CANCEL,
        effective=day,
        old=certificate_label(cert.category, cert.grade),
        new=CertificateStatus.CANCELLED.label,
        reason=reason,
        actor=actor,
        source=source,
    )
    record(
        actor=actor,
        action="certificate.cancel",
        obj=cert,
        before={"status": CertificateStatus.VALID},
        after=snapshot(cert, ["status", "cancelled_on", "cancel_reason"]),
        message=reason,
    )
    return cert


# --- households ------------------------------------------------------------------------------------------


def _check_not_in_household(person: Person) -> None:
    membership = person.memberships.filter(left_on__isnull=True).select_related("household").first()
    if membership is not None:
        raise Conflict(
            _("%(name)s已是另一户的成员（%(h)s），请先从该户移出") % {"name": person.name, "h": membership.household}
        )


@transaction.atomic
def household_create(
    *,
    actor: User,
    community: Region,
    head: Person,
    number: str = "",
    address: str = "",
    joined_on: date | None = None,
) -> Household:
    """Open a household (户) with its head; members are added with household_add_member."""
    require(actor, "person.edit")
    community = clean_community(community)
    check_community_access(actor, community)
    check_person_access(actor, head)
    _check_not_in_household(head)
    household = Household(
        community=community,
        area_code=community.code,
        number=str(number or "").strip()[:32],
        address=" ".join(str(address or "").split())[:200],
    )
    household.full_clean()
    household.save()
    member = HouseholdMember(
        household=household, person=head, relation=Relation.HEAD, joined_on=joined_on or timezone.localdate()
    )
    member.full_clean()
    member.save()
    households_recount(households=[household.pk])
    record(
        actor=actor,
        action="household.create",
        obj=household,
        after={"community": community.code, "number": household.number, "head": head.pk},
    )
    return household


@transaction.atomic
def household_add_member(
    *,
    actor: User,
    household: Household,
    person: Person,
    relation: str,
    joined_on: date | None = None,
) -> HouseholdMember:
    """Add a person to a household with their relation to the head; a person belongs to one household at a time."""
    require(actor, "person.edit")
    check_community_access(actor, household.community)
    check_person_access(actor, person)
    relation = clean_choice(relation, Relation, "relation", _("与户主关系"), blank=False)
    Household.objects.select_for_update().filter(pk=household.pk).first()
    if relation == Relation.HEAD and household.members.filter(left_on__isnull=True, relation=Relation.HEAD).exists():
        raise Conflict(_("该户已有户主"))
    _check_not_in_household(person)
    member = HouseholdMember(
        household=household,
        person=person,
        relation=relation,
        joined_on=clean_effective_date(joined_on or timezone.localdate(), field="joined_on"),
    )
    member.full_clean()
    member.save()
    households_recount(households=[household.pk])
    record(actor=actor, action="household.add_member", obj=household, after={"person": person.pk, "relation": relation})
    return member


@transaction.atomic
def household_remove_member(
    *,
    actor: User,
    member: HouseholdMember,
    left_on: date | None = None,
    reason: str = "",
) -> HouseholdMember:
    """A member leaves the household (the row is kept with its leaving date). The head leaves last."""
    household = member.household
    require(actor, "person.edit")
    check_community_access(actor, household.community)
    member = HouseholdMember.objects.select_for_update().get(pk=member.pk)
    if member.left_on is not None:
        raise DomainError(_("该成员已于 %(d)s 离开此户") % {"d": member.left_on.isoformat()})
    if (
        member.relation == Relation.HEAD
        and household.members.filter(left_on__isnull=True).exclude(pk=member.pk).exists()
    ):
        raise DomainError(_("户主须最后移出：请先移出其他成员，或另立新户"))
    member.left_on = clean_effective_date(left_on or timezone.localdate(), field="left_on", not_before=member.joined_on)
    member.full_clean()
    member.save(update_fields=["left_on"])
    households_recount(households=[household.pk])
    record(
        actor=actor,
        action="household.remove_member",
        obj=household,
        after={"person": member.person_id, "left_on": member.left_on},
        message=reason,
    )
    return member


def households_recount(*, households: Iterable[int] = (), persons: Iterable[int] = ()) -> None:
    """Recount `Household.certified_count` of the given households and of the current households of the given
    persons (decision 0019). Every writer of a membership, a life status or a certificate status calls it in
    its transaction, after its own writes; one UPDATE per 2,000 households, with the count as a subquery."""
    ids = set(households)
    persons = sorted(set(persons))
    for start in range(0, len(persons), RECOUNT_CHUNK):
        ids.update(
            HouseholdMember.objects.filter(person_id__in=persons[start : start + RECOUNT_CHUNK], left_on__isnull=True)
            .values_list("household_id", flat=True)
        )
    wanted = sorted(ids)
    for start in range(0, len(wanted), RECOUNT_CHUNK):
        Household.objects.filter(pk__in=wanted[start : start + RECOUNT_CHUNK]).update(
            certified_count=certified_count(OuterRef("pk"))
        )


RECOUNT_CHUNK = 2000


# --- bank accounts ---------------------------------------------------------------------------------------


@transaction.atomic
def bank_account_add(
    *,
    actor: User,
    person: Person,
    bank_name: str,
    account_number: str,
    holder_name: str = "",
    holder_relation: str = HolderRelation.SELF,
    make_default: bool = False,
) -> BankAccount:
    """Add an account benefits may be paid into; the first active account becomes the default."""
    check_person_access(actor, person, "bank_account.manage")
    bank_name = " ".join(str(bank_name or "").split())
    if not bank_name:
        raise DomainError(_("请填写开户银行"), field="bank_name")
    digits = clean_bank_account(account_number)
    relation = clean_holder_relation(holder_relation)
    holder = clean_name(holder_name or (person.name if relation == HolderRelation.SELF else ""))
    person = _locked(person)
    account = BankAccount(person=person, bank_name=bank_name[:64], holder_name=holder, holder_relation=relation)
    account.set_number(digits)
    if BankAccount.objects.filter(person=person, account_hash=account.account_hash).exists():
        raise Conflict(_("该账号已登记在%(name)s名下") % {"name": person.name})
    has_default = BankAccount.objects.filter(person=person, is_default=True).exists()
    if make_default and has_default:
        BankAccount.objects.filter(person=person, is_default=True).update(is_default=False, updated_at=timezone.now())
    account.is_default = make_default or not has_default
    account.full_clean(exclude=["account_hash"])
    account.save()
    record(
        actor=actor,
        action="bank_account.add",
        obj=account,
        after=snapshot(account, ["bank_name", "account_masked", "holder_name", "holder_relation", "is_default"]),
    )
    return account


@transaction.atomic
def bank_account_set_default(*, actor: User, account: BankAccount) -> BankAccount:
    """Make this the account payments go to (one default per person: the database holds to it)."""
    check_person_access(actor, account.person, "bank_account.manage")
    _locked(account.person)
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    if not account.is_active:
        raise DomainError(_("已停用的账户不能设为默认发放账户"))
    if account.is_default:
        return account
    previous = list(
        BankAccount.objects.filter(person_id=account.person_id, is_default=True).values_list("pk", flat=True)
    )
    BankAccount.objects.filter(pk__in=previous).update(is_default=False, updated_at=timezone.now())
    account.is_default = True
    account.save(update_fields=["is_default", "updated_at"])
    record(
        actor=actor,
        action="bank_account.set_default",
        obj=account,
        before={"default_account": previous},
        after={"default_account": account.pk},
    )
    return account


@transaction.atomic
def bank_account_deactivate(*, actor: User, account: BankAccount, reason: str = "") -> BankAccount:
    """Stop paying into an account (closed, lost card); it is kept for the payment history."""
    check_person_access(actor, account.person, "bank_account.manage")
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    if not account.is_active:
        raise DomainError(_("该账户已停用"))
    account.is_active, account.is_default = False, False
    account.save(update_fields=["is_active", "is_default", "updated_at"])
    record(actor=actor, action="bank_account.deactivate", obj=account, after={"is_active": False}, message=reason)
    return account


# --- audited reads of full numbers -----------------------------------------------------------------------


@transaction.atomic
def person_reveal_id(*, actor: User, person: Person) -> str:
    """The full ID number, for a role allowed to see it; every read is written to the audit trail."""
    check_person_access(actor, person, "person.reveal")
    number = person.decrypt_id_number()
    record(actor=actor, action="person.reveal_id", obj=person)
    return number


@transaction.atomic
def bank_account_reveal(*, actor: User, account: BankAccount) -> str:
    """The full account number, for a role allowed to see it; every read is audited."""
    check_person_access(actor, account.person, "person.reveal")
    number = account.decrypt_number()
    record(actor=actor, action="bank_account.reveal", obj=account)
    return number
