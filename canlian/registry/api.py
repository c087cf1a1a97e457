"""The registry over REST (/api/v1/registry/): the same selectors, services, scoping and masking as the screens.

Numbers are masked in every answer; the full ID or account number comes only from the explicit, audited
reveal endpoints, for roles with `person.reveal`. A person outside the caller's area answers 404.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from canlian.accounts.permissions import require
from canlian.regions.models import Region
from canlian.registry import selectors, services
from canlian.registry.choices import ChangeSource, HolderRelation
from canlian.registry.inputs import FACT_FIELDS, CertificateInput, PersonInput
from canlian.registry.models import BankAccount, Certificate, Household, HouseholdMember, Person

router = Router(tags=["registry"])
API = ChangeSource.API


# --- schemas ----------------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    sex: str
    birth_date: date
    age: int
    ethnicity: str
    phone: str
    hukou_type: str
    community_code: str
    community_name: str
    address: str
    life_status: str
    life_status_date: date | None
    moved_to: str
    low_income_status: str
    low_income_since: date | None
    education: str
    marital_status: str
    guardian_id: int | None
    guardian_name: str
    guardian_phone: str
    guardian_relation: str
    category: int | None
    grade: int | None
    certificate_status: str
    cert_valid_until: date | None
    owns_wheelchair_vehicle: bool
    lower_limb: bool
    poverty_alleviated: bool
    needs_long_term_care: bool
    work_injury_care: bool
    autism: bool

    @staticmethod
    def of(p: Person) -> PersonOut:
        return PersonOut(
            id=p.pk,
            name=p.name,
            id_number_masked=p.id_number_masked,
            sex=p.sex,
            birth_date=p.birth_date,
            age=p.age,
            ethnicity=p.ethnicity,
            phone=p.phone,
            hukou_type=p.hukou_type,
            community_code=p.area_code,
            community_name=p.community.name,
            address=p.address,
            life_status=p.life_status,
            life_status_date=p.life_status_date,
            moved_to=p.moved_to,
            low_income_status=p.low_income_status,
            low_income_since=p.low_income_since,
            education=p.education,
            marital_status=p.marital_status,
            guardian_id=p.guardian_id,
            guardian_name=p.guardian_name,
            guardian_phone=p.guardian_phone,
            guardian_relation=p.guardian_relation,
            category=p.category,
            grade=p.grade,
            certificate_status=p.certificate_status,
            cert_valid_until=p.cert_valid_until,
            **{name: getattr(p, name) for name in FACT_FIELDS},
        )


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class PersonQuery(Schema):
    area: str = ""
    category: int | None = None
    grade: str = ""  # one or more grade digits, e.g. "12" for grades 1 and 2
    min_age: int | None = None
    max_age: int | None = None
    life_status: str = ""
    low_income: str = ""
    cert_status: str = ""
    multi_disabled: bool = False
    q: str = ""
    after: str | None = None
    limit: int = 50

    def filters(self) -> selectors.PersonFilters:
        return selectors.PersonFilters(
            area=self.area,
            category=self.category,
            grades=tuple(int(g) for g in self.grade if g in "1234"),
            min_age=self.min_age,
            max_age=self.max_age,
            life_status=self.life_status,
            low_income=self.low_income,
            cert_status=self.cert_status,
            multi_disabled=self.multi_disabled,
            q=self.q,
        )


class CertificateIn(Schema):
    number: str
    category: int
    grade: int
    issue_date: date
    valid_until: date | None = None
    components: str = ""

    def to_input(self) -> CertificateInput:
        return CertificateInput(
            number=self.number,
            category=self.category,
            grade=self.grade,
            issue_date=self.issue_date,
            valid_until=self.valid_until,
            components=self.components,
        )


class PersonIn(Schema):
    name: str
    id_number: str
    community_code: str
    hukou_type: str
    ethnicity: str = "01"
    phone: str = ""
    address: str = ""
    education: str = ""
    marital_status: str = ""
    guardian_id: int | None = None
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_relation: str = ""
    owns_wheelchair_vehicle: bool = False
    lower_limb: bool = False
    poverty_alleviated: bool = False
    needs_long_term_care: bool = False
    work_injury_care: bool = False
    autism: bool = False
    certificate: CertificateIn | None = None


class PersonPatch(Schema):
    name: str | None = None
    ethnicity: str | None = None
    phone: str | None = None
    hukou_type: str | None = None
    address: str | None = None
    education: str | None = None
    marital_status: str | None = None
    guardian_id: int | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    guardian_relation: str | None = None
    owns_wheelchair_vehicle: bool | None = None
    lower_limb: bool | None = None
    poverty_alleviated: bool | None = None
    needs_long_term_care: bool | None = None
    work_injury_care: bool | None = None
    autism: bool | None = None


class Revealed(Schema):
    number: str


class DateReasonIn(Schema):
    date: date
    reason: str = ""


class MoveOutIn(DateReasonIn):
    destination: str


class MoveInIn(DateReasonIn):
    community_code: str


class LowIncomeIn(DateReasonIn):
    status: str


class ReassessIn(CertificateIn):
    reason: str = ""


class CertificateOut(Schema):
    id: int
    number_masked: str
    category: int
    components: str
    grade: int
    issue_date: date
    valid_until: date
    status: str
    is_current: bool

    @staticmethod
    def of(c: Certificate) -> CertificateOut:
        return CertificateOut(
            id=c.pk,
            number_masked=c.number_masked,
            category=c.category,
            components=c.components,
            grade=c.grade,
            issue_date=c.issue_date,
            valid_until=c.valid_until,
            status=c.effective_status,
            is_current=c.is_current,
        )


class StatusChangeOut(Schema):
    kind: str
    effective_date: date
    old_value: str
    new_value: str
    reason: str
    source: str
    actor: str | None


class BankAccountIn(Schema):
    bank_name: str
    account_number: str
    holder_name: str = ""
    holder_relation: str = HolderRelation.SELF.value
    make_default: bool = False


class BankAccountOut(Schema):
    id: int
    bank_name: str
    account_masked: str
    holder_name: str
    holder_relation: str
    is_default: bool
    is_active: bool


class MemberOut(Schema):
    id: int
    person_id: int
    name: str
    relation: str
    joined_on: date
    left_on: date | None


class HouseholdOut(Schema):
    id: int
    number: str
    community_code: str
    address: str
    certified_count: int
    multi_disabled: bool
    members: list[MemberOut]


class HouseholdPage(Schema):
    items: list[HouseholdOut]
    next_after: str | None


class HouseholdIn(Schema):
    community_code: str
    head_id: int
    number: str = ""
    address: str = ""


class MemberIn(Schema):
    person_id: int
    relation: str
    joined_on: date | None = None


class MemberRemoveIn(Schema):
    left_on: date | None = None
    reason: str = ""


# --- helpers ----------------------------------------------------------------------------------------------


def _person(request: HttpRequest, pk: int) -> Person:
    require(request.auth, "person.view")
    return selectors.person_get(request.auth, pk)


def _region(code: str) -> Region:
    return get_object_or_404(Region, code=code)


def _household_out(h: Household) -> HouseholdOut:
    members = [
        MemberOut(
            id=m.pk,
            person_id=m.person_id,
            name=m.person.name,
            relation=m.relation,
            joined_on=m.joined_on,
            left_on=m.left_on,
        )
        for m in selectors.household_members(h)
    ]
    count = getattr(h, "certified_count", 0)
    return HouseholdOut(
        id=h.pk,
        number=h.number,
        community_code=h.area_code,
        address=h.address,
        certified_count=count,
        multi_disabled=count >= 2,
        members=members,
    )


def _account(request: HttpRequest, pk: int) -> BankAccount:
    require(request.auth, "person.view")
    return get_object_or_404(BankAccount.objects.visible_to(request.auth).select_related("person"), pk=pk)


def _account_out(a: BankAccount) -> BankAccountOut:
    return BankAccountOut(
        id=a.pk,
        bank_name=a.bank_name,
        account_masked=a.account_masked,
        holder_name=a.holder_name,
        holder_relation=a.holder_relation,
        is_default=a.is_default,
        is_active=a.is_active,
    )


# --- persons ----------------------------------------------------------------------------------------------


@router.get("/persons", response=PersonPage)
def list_persons(request: HttpRequest, query: Query[PersonQuery]) -> PersonPage:
    """Search the registry (same filters as the list screen); page on with `after=next_cursor`."""
    require(request.auth, "person.view")
    page = selectors.person_search(request.auth, query.filters(), after=query.after, limit=query.limit)
    return PersonPage(items=[PersonOut.of(p) for p in page.items], next_cursor=page.next_cursor)


@router.post("/persons/search", response=PersonPage)
def search_persons(request: HttpRequest, query: PersonQuery) -> PersonPage:
    """The same search with the filters in the body: use it to look a person up by ID number, so that the
    number travels in no URL and lands in no access log."""
    require(request.auth, "person.view")
    page = selectors.person_search(request.auth, query.filters(), after=query.after, limit=query.limit)
    return PersonPage(items=[PersonOut.of(p) for p in page.items], next_cursor=page.next_cursor)


@router.post("/persons", response={201: PersonOut})
def create_person(request: HttpRequest, payload: PersonIn) -> Status[PersonOut]:
    data = PersonInput(
        name=payload.name,
        id_number=payload.id_number,
        community=payload.community_code,
        hukou_type=payload.hukou_type,
        ethnicity=payload.ethnicity,
        phone=payload.phone,
        address=payload.address,
        education=payload.education,
        marital_status=payload.marital_status,
        guardian_id=payload.guardian_id,
        guardian_name=payload.guardian_name,
        guardian_phone=payload.guardian_phone,
        guardian_relation=payload.guardian_relation,
        **{name: getattr(payload, name) for name in FACT_FIELDS},
    )
    cert = payload.certificate.to_input() if payload.certificate else None
    person = services.person_create(actor=request.auth, data=data, certificate=cert, source=API)
    return Status(201, PersonOut.of(person))


@router.get("/persons/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: int) -> PersonOut:
    return PersonOut.of(_person(request, person_id))


@router.patch("/persons/{person_id}", response=PersonOut)
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> PersonOut:
    person = services.person_update(
        actor=request.auth, person=_person(request, person_id), changes=payload.dict(exclude_unset=True)
    )
    return PersonOut.of(person)


@router.post("/persons/{person_id}/reveal-id", response=Revealed)
def reveal_id(request: HttpRequest, person_id: int) -> Revealed:
    """The full ID number (roles with `person.reveal` only; audited as person.reveal_id)."""
    return Revealed(number=services.person_reveal_id(actor=request.auth, person=_person(request, person_id)))


@router.post("/persons/{person_id}/death", response=PersonOut)
def record_death(request: HttpRequest, person_id: int, payload: DateReasonIn) -> PersonOut:
    return PersonOut.of(
        services.person_record_death(
            actor=request.auth,
            person=_person(request, person_id),
            date_of_death=payload.date,
            reason=payload.reason,
            source=API,
        )
    )


@router.post("/persons/{person_id}/move-out", response=PersonOut)
def move_out(request: HttpRequest, person_id: int, payload: MoveOutIn) -> PersonOut:
    return PersonOut.of(
        services.person_move_out(
            actor=request.auth,
            person=_person(request, person_id),
            moved_on=payload.date,
            destination=payload.destination,
            reason=payload.reason,
            source=API,
        )
    )


@router.post("/persons/{person_id}/move-in", response=PersonOut)
def move_in(request: HttpRequest, person_id: int, payload: MoveInIn) -> PersonOut:
    return PersonOut.of(
        services.person_move_in(
            actor=request.auth,
            person=_person(request, person_id),
            community=_region(payload.community_code),
            moved_on=payload.date,
            reason=payload.reason,
            source=API,
        )
    )


@router.post("/persons/{person_id}/low-income", response=PersonOut)
def set_low_income(request: HttpRequest, person_id: int, payload: LowIncomeIn) -> PersonOut:
    return PersonOut.of(
        services.low_income_set(
            actor=request.auth,
            person=_person(request, person_id),
            status=payload.status,
            effective=payload.date,
            reason=payload.reason,
            source=API,
        )
    )


@router.get("/persons/{person_id}/status-changes", response=list[StatusChangeOut])
def list_status_changes(request: HttpRequest, person_id: int) -> list[StatusChangeOut]:
    person = _person(request, person_id)
    return [
        StatusChangeOut(
            kind=c.kind,
            effective_date=c.effective_date,
            old_value=c.old_value,
            new_value=c.new_value,
            reason=c.reason,
            source=c.source,
            actor=c.actor.get_username() if c.actor else None,
        )
        for c in person.status_changes.select_related("actor").order_by("-effective_date", "-id")
    ]


# --- certificates -----------------------------------------------------------------------------------------


@router.get("/persons/{person_id}/certificates", response=list[CertificateOut])
def list_certificates(request: HttpRequest, person_id: int) -> list[CertificateOut]:
    person = _person(request, person_id)
    return [CertificateOut.of(c) for c in person.certificates.select_related("person").order_by("-issue_date", "-id")]


@router.post("/persons/{person_id}/certificates", response={201: CertificateOut})
def reassess(request: HttpRequest, person_id: int, payload: ReassessIn) -> Status[CertificateOut]:
    """A new certificate (first one, or a re-assessment that supersedes the current one)."""
    cert = services.person_reassess(
        actor=request.auth,
        person=_person(request, person_id),
        certificate=payload.to_input(),
        reason=payload.reason,
        source=API,
    )
    return Status(201, CertificateOut.of(cert))


@router.post("/certificates/{certificate_id}/cancel", response=CertificateOut)
def cancel_certificate(request: HttpRequest, certificate_id: int, payload: DateReasonIn) -> CertificateOut:
    require(request.auth, "person.view")
    cert = get_object_or_404(Certificate.objects.visible_to(request.auth).select_related("person"), pk=certificate_id)
    return CertificateOut.of(
        services.certificate_cancel(
            actor=request.auth, certificate=cert, cancelled_on=payload.date, reason=payload.reason, source=API
        )
    )


# --- bank accounts ----------------------------------------------------------------------------------------


@router.get("/persons/{person_id}/bank-accounts", response=list[BankAccountOut])
def list_bank_accounts(request: HttpRequest, person_id: int) -> list[BankAccountOut]:
    person = _person(request, person_id)
    return [_account_out(a) for a in person.bank_accounts.order_by("-is_default", "-is_active", "id")]


@router.post("/persons/{person_id}/bank-accounts", response={201: BankAccountOut})
def add_bank_account(request: HttpRequest, person_id: int, payload: BankAccountIn) -> Status[BankAccountOut]:
    account = services.bank_account_add(
        actor=request.auth,
        person=_person(request, person_id),
        bank_name=payload.bank_name,
        account_number=payload.account_number,
        holder_name=payload.holder_name,
        holder_relation=payload.holder_relation,
        make_default=payload.make_default,
    )
    return Status(201, _account_out(account))


@router.post("/bank-accounts/{account_id}/default", response=BankAccountOut)
def set_default_account(request: HttpRequest, account_id: int) -> BankAccountOut:
    return _account_out(services.bank_account_set_default(actor=request.auth, account=_account(request, account_id)))


@router.post("/bank-accounts/{account_id}/deactivate", response=BankAccountOut)
def deactivate_account(request: HttpRequest, account_id: int) -> BankAccountOut:
    return _account_out(services.bank_account_deactivate(actor=request.auth, account=_account(request, account_id)))


@router.post("/bank-accounts/{account_id}/reveal", response=Revealed)
def reveal_account(request: HttpRequest, account_id: int) -> Revealed:
    """The full account number (roles with `person.reveal` only; audited as bank_account.reveal)."""
    return Revealed(number=services.bank_account_reveal(actor=request.auth, account=_account(request, account_id)))


# --- households -------------------------------------------------------------------------------------------


@router.get("/households", response=HouseholdPage)
def list_households(request: HttpRequest, multi_disabled: bool = False, after: str | None = None) -> HouseholdPage:
    """Households in the caller's area, newest first; `multi_disabled=true` keeps 一户多残 households only."""
    require(request.auth, "person.view")
    items, next_after = selectors.household_list(request.auth, multi_only=multi_disabled, after=after)
    return HouseholdPage(items=[_household_out(h) for h in items], next_after=next_after)


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request: HttpRequest, household_id: int) -> HouseholdOut:
    require(request.auth, "person.view")
    return _household_out(selectors.household_detail(request.auth, household_id))


@router.post("/households", response={201: HouseholdOut})
def create_household(request: HttpRequest, payload: HouseholdIn) -> Status[HouseholdOut]:
    household = services.household_create(
        actor=request.auth,
        community=_region(payload.community_code),
        head=_person(request, payload.head_id),
        number=payload.number,
        address=payload.address,
    )
    return Status(201, _household_out(selectors.household_detail(request.auth, household.pk)))


@router.post("/households/{household_id}/members", response={201: HouseholdOut})
def add_member(request: HttpRequest, household_id: int, payload: MemberIn) -> Status[HouseholdOut]:
    require(request.auth, "person.view")
    household = selectors.household_detail(request.auth, household_id)
    services.household_add_member(
        actor=request.auth,
        household=household,
        person=_person(request, payload.person_id),
        relation=payload.relation,
        joined_on=payload.joined_on,
    )
    return Status(201, _household_out(selectors.household_detail(request.auth, household_id)))


@router.post("/households/{household_id}/members/{member_id}/remove", response=HouseholdOut)
def remove_member(request: HttpRequest, household_id: int, member_id: int, payload: MemberRemoveIn) -> HouseholdOut:
    require(request.auth, "person.view")
    household = selectors.household_detail(request.auth, household_id)
    member = get_object_or_404(
        HouseholdMember.objects.select_related("household__community"), pk=member_id, household=household
    )
    services.household_remove_member(actor=request.auth, member=member, left_on=payload.left_on, reason=payload.reason)
    return _household_out(selectors.household_detail(request.auth, household_id))
