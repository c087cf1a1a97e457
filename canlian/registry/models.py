"""The registry: every certified disabled person of the district, their certificates, households and bank
accounts, and the timeline of changes to them. Every programme, payment and report reads it.

Sensitive numbers (ID, bank account) are stored encrypted with a keyed hash to find them and a masked
form to show them (see canlian/common/crypto.py and docs/decisions/0005). Facts of the current certificate
(category, grade, status, valid-until) are copied onto Person by the services, so the list, the filters and
every programme's eligibility query run on one table with no join; the Certificate rows keep the history.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, Expression, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.common import crypto
from canlian.common.certificate import certificate_suffix, masked_certificate_number
from canlian.common.models import TimeStampedModel
from canlian.registry.choices import (
    ETHNICITIES,
    ETHNICITY_NAMES,
    HAN,
    MULTIPLE,
    Category,
    CertificateStatus,
    ChangeKind,
    ChangeSource,
    Education,
    EffectiveCertificateStatus,
    Grade,
    HolderRelation,
    HukouType,
    LifeStatus,
    LowIncomeStatus,
    MaritalStatus,
    Relation,
    ReviewKind,
    ReviewStatus,
    Sex,
)

if TYPE_CHECKING:
    from canlian.accounts.models import User

AREA_CODE_LENGTH = 12  # community codes: every person and household sits in a community


def area_code_q(prefix: str, field: str = "area_code") -> Q:
    """Rows whose 12-digit community code starts with `prefix`, as an index-friendly range.

    A range of digit strings (`prefix000… ≤ code ≤ prefix999…`) uses a plain B-tree index on SQLite and
    PostgreSQL alike, whatever the collation; `LIKE 'prefix%'` uses none on SQLite and needs a special
    operator class on PostgreSQL.
    """
    if not prefix:
        return Q()
    return Q(
        **{f"{field}__gte": prefix.ljust(AREA_CODE_LENGTH, "0"), f"{field}__lte": prefix.ljust(AREA_CODE_LENGTH, "9")}
    )


def _scope_q(user: User, field: str) -> Q | None:
    """The area filter for `user` on `field`, or None when they may see no person at all."""
    from canlian.accounts.permissions import can
    from canlian.accounts.scoping import area_prefix

    prefix = area_prefix(user)
    if prefix is None or not can(user, "person.view"):
        return None
    return area_code_q(prefix, field)


def effective_certificate_status(status: str | None, valid_until: date | None, today: date) -> str:
    """The one rule for what a certificate's status is on `today`; the queryset filters below mirror it."""
    if not status or status == EffectiveCertificateStatus.NONE:
        return EffectiveCertificateStatus.NONE
    if status == CertificateStatus.VALID and valid_until is not None and valid_until < today:
        return EffectiveCertificateStatus.EXPIRED
    return status


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PersonQuerySet:
        """Persons the user may see: community coordinator → own community, street officer → own street,
        district roles → the district. Roles without `person.view` see nobody. Enforced here, once."""
        q = _scope_q(user, "area_code")
        return self.none() if q is None else self.filter(q)

    def with_certificate_status(self, status: str, today: date | None = None) -> PersonQuerySet:
        """Persons whose current certificate has this effective status on `today` (the same rule as
        effective_certificate_status, as a filter that keeps to the person table)."""
        today = today or timezone.localdate()
        match status:
            case EffectiveCertificateStatus.VALID:
                return self.filter(cert_status=CertificateStatus.VALID, cert_valid_until__gte=today)
            case EffectiveCertificateStatus.EXPIRED:
                return self.filter(cert_status=CertificateStatus.VALID, cert_valid_until__lt=today)
            case EffectiveCertificateStatus.CANCELLED:
                return self.filter(cert_status=CertificateStatus.CANCELLED)
            case EffectiveCertificateStatus.NONE:
                return self.filter(cert_status=EffectiveCertificateStatus.NONE)
        raise ValueError(f"unknown certificate status {status!r}")

    def born_between(self, min_age: int | None, max_age: int | None, today: date | None = None) -> PersonQuerySet:
        """Persons aged min_age…max_age (whole years) on `today`, as bounds on the indexed birth_date."""
        today = today or timezone.localdate()
        qs = self
        if min_age is not None:
            qs = qs.filter(birth_date__lte=years_before(today, min_age))
        if max_age is not None:
            qs = qs.filter(birth_date__gt=years_before(today, max_age + 1))
        return qs

    def low_income_on(self, day: date, statuses: list[str] | tuple[str, ...]) -> PersonQuerySet:
        """Persons whose low-income status on `day` was one of `statuses` (from the period history)."""
        return self.filter(Exists(LowIncomePeriod.objects.on(day).filter(person=OuterRef("pk"), status__in=statuses)))

    def in_multi_disabled_household(self) -> PersonQuerySet:
        """Persons who currently belong to a household with two or more certified members (一户多残).

        A look-up per person scanned (membership, then the household's count column), so a page of the list
        costs a page's worth of look-ups instead of reading every household of the district first.
        """
        return self.filter(
            Exists(
                HouseholdMember.objects.filter(
                    person=OuterRef("pk"), left_on__isnull=True, household__certified_count__gte=2
                )
            )
        )


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class Person(TimeStampedModel):
    """One person in the registry: a certificate holder, or a household member or guardian without one.

    The ID number is stored only encrypted (`id_number_enc`), found through its keyed hash
    (`id_number_hash`, unique) and shown masked (`id_number_masked`); birth date and sex are derived from it
    and stored so that age and sex filters use an index. `area_code` repeats the community's code so that
    area scoping is a range on one indexed column.
    """

    name = models.CharField(_("姓名"), max_length=64, db_index=True)
    id_number_enc = models.BinaryField(_("身份证号（密文）"), editable=False)
    id_number_hash = models.CharField(_("身份证号索引"), max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    birth_date = models.DateField(_("出生日期"), db_index=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITIES, default=HAN)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, db_index=True)
    hukou_type = models.CharField(_("户口类型"), max_length=8, choices=HukouType.choices)
    community = models.ForeignKey(
        "regions.Region",
        verbose_name=_("居住社区"),
        on_delete=models.PROTECT,
        related_name="persons",
        limit_choices_to={"level": "community"},
    )
    area_code = models.CharField(_("社区代码"), max_length=AREA_CODE_LENGTH, editable=False)
    address = models.CharField(_("居住地址"), max_length=200, blank=True)

    life_status = models.CharField(_("在册状态"), max_length=16, choices=LifeStatus.choices, default=LifeStatus.ALIVE)
    life_status_date = models.DateField(_("死亡/迁出日期"), null=True, blank=True)
    moved_to = models.CharField(_("迁往"), max_length=200, blank=True)

    low_income_status = models.CharField(
        _("低保状态"), max_length=16, choices=LowIncomeStatus.choices, default=LowIncomeStatus.NONE
    )
    # The status today and the day it began, 无 included (the day after the last period ended; NULL: never had
    # one). Kept by the services with the periods (LowIncomePeriod), so that the rules read the status on any
    # date on or after `low_income_since` from these two columns and look in the history only for the persons
    # whose status changed after that date (decision 0018).
    low_income_since = models.DateField(_("低保状态起始"), null=True, blank=True)

    # Facts that programme rules need and no certificate records (decision 0016): verified by staff from
    # documents (vehicle licence, 脱贫 list, care assessment, medical diagnosis, work-injury insurance).
    owns_wheelchair_vehicle = models.BooleanField(_("持有机动轮椅车"), default=False)
    lower_limb = models.BooleanField(_("下肢残疾"), default=False)
    poverty_alleviated = models.BooleanField(_("脱贫人口"), default=False)
    needs_long_term_care = models.BooleanField(_("需长期照护"), default=False)
    work_injury_care = models.BooleanField(_("领取工伤护理费"), default=False)
    autism = models.BooleanField(_("孤独症"), default=False)

    education = models.CharField(_("文化程度"), max_length=16, choices=Education.choices, blank=True)
    marital_status = models.CharField(_("婚姻状况"), max_length=16, choices=MaritalStatus.choices, blank=True)

    guardian = models.ForeignKey(
        "self",
        verbose_name=_("监护人（档案内人员）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wards",
    )
    guardian_name = models.CharField(_("监护人姓名"), max_length=64, blank=True)
    guardian_phone = models.CharField(_("监护人电话"), max_length=20, blank=True, db_index=True)
    guardian_relation = models.CharField(_("监护人关系"), max_length=16, choices=Relation.choices, blank=True)

    # The current certificate, copied here by the services that issue, re-assess and cancel certificates.
    category = models.PositiveSmallIntegerField(_("残疾类别"), choices=Category.choices, null=True, blank=True)
    grade = models.PositiveSmallIntegerField(_("残疾等级"), choices=Grade.choices, null=True, blank=True)
    cert_status = models.CharField(
        _("持证状态"),
        max_length=16,
        editable=False,
        default=EffectiveCertificateStatus.NONE,
        choices=[
            (c.value, c.label)
            for c in (
                EffectiveCertificateStatus.VALID,
                EffectiveCertificateStatus.CANCELLED,
                EffectiveCertificateStatus.NONE,
            )
        ],
    )
    cert_valid_until = models.DateField(_("证件有效期至"), null=True, blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("残疾人")
        verbose_name_plural = _("残疾人")
        ordering = ["area_code", "id"]
        indexes = [
            models.Index(fields=["area_code", "id"], name="person_area_keyset"),
            # (The narrow indexes on (category, grade), (low_income_status, grade), grade and life_status that
            # screening first used are gone: it reads only the covering index below, the list pages through the
            # keyset index above, and each of them cost every imported person an index insert: decision 0019.)
            # Every column an eligibility rule reads on the person, behind the two equalities nearly every rule
            # has (alive, certificate not cancelled) and the birth-date range of the age rules: screening reads
            # this index only, never the wide person rows (decision 0016; 1M persons: 2.6 s → 0.05 s for E1).
            models.Index(
                fields=[
                    "life_status", "cert_status", "birth_date", "cert_valid_until", "category", "grade",
                    "lower_limb", "owns_wheelchair_vehicle", "poverty_alleviated", "needs_long_term_care",
                    "work_injury_care", "autism", "hukou_type", "sex", "area_code", "low_income_status",
                    "low_income_since",
                ],
                # PostgreSQL indexes do not carry the primary key as SQLite's do: INCLUDE it so that a screening,
                # which returns the ids, is an index-only scan there too (ignored on SQLite)
                include=["id"],
                name="person_eligibility",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(life_status=LifeStatus.ALIVE, life_status_date__isnull=True)
                | (~Q(life_status=LifeStatus.ALIVE) & Q(life_status_date__isnull=False)),
                name="person_life_status_date",
            ),
            models.CheckConstraint(
                condition=Q(
                    cert_status=EffectiveCertificateStatus.NONE,
                    category__isnull=True,
                    grade__isnull=True,
                    cert_valid_until__isnull=True,
                )
                | (
                    ~Q(cert_status=EffectiveCertificateStatus.NONE)
                    # IN (…) alone lets NULL through a CHECK: the isnull conditions close that gap
                    & Q(category__isnull=False, grade__isnull=False, cert_valid_until__isnull=False)
                    & Q(category__in=Category.values, grade__in=Grade.values)
                ),
                name="person_certificate_facts",
            ),
            models.CheckConstraint(
                condition=Q(low_income_status=LowIncomeStatus.NONE) | Q(low_income_since__isnull=False),
                name="person_low_income_since",
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="person_sex"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    # --- sensitive number --------------------------------------------------------------------------
    def set_id_number(self, number: str) -> None:
        """Store a canonical, validated ID number: ciphertext, keyed hash and masked form together."""
        from canlian.common.masking import mask_id_number

        self.id_number_enc = crypto.encrypt(number, purpose="id_number")
        self.id_number_hash = crypto.blind_index(number, purpose="id_number")
        self.id_number_masked = mask_id_number(number)

    def decrypt_id_number(self) -> str:
        """The full ID number. Only services that audit the read (reveal, full export) may call this."""
        return crypto.decrypt(self.id_number_enc, purpose="id_number")

    # --- derived facts -----------------------------------------------------------------------------
    @property
    def age(self) -> int:
        """Age in whole years today."""
        return self.age_on(timezone.localdate())

    def age_on(self, day: date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def certificate_status(self) -> str:
        """The current certificate's effective status today (valid / expired / cancelled / none)."""
        return effective_certificate_status(self.cert_status, self.cert_valid_until, timezone.localdate())

    @property
    def certificate_status_label(self) -> str:
        return str(EffectiveCertificateStatus(self.certificate_status).label)

    @property
    def rule_fact_labels(self) -> list[str]:
        """The yes/no facts of decision 0016 that hold, as the person page lists them (“孤独症、需长期照护”)."""
        from canlian.registry.inputs import FACT_FIELDS

        return [str(self._meta.get_field(name).verbose_name) for name in FACT_FIELDS if getattr(self, name)]

    @property
    def ethnicity_name(self) -> str:
        return ETHNICITY_NAMES.get(self.ethnicity, "")

    def clean(self) -> None:
        if self.guardian_id is not None and self.guardian_id == self.pk:
            raise ValidationError({"guardian": _("监护人不能是本人")})
        if self.community_id is not None and self.area_code != self.community.code:
            raise ValidationError({"community": _("社区代码与居住社区不一致")})


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CertificateQuerySet:
        q = _scope_q(user, "person__area_code")
        return self.none() if q is None else self.filter(q)

    def with_effective_status(self, today: date | None = None) -> CertificateQuerySet:
        """Annotate `effective_status` by the same rule as effective_certificate_status()."""
        today = today or timezone.localdate()
        return self.annotate(
            effective_status=models.Case(
                models.When(
                    status=CertificateStatus.VALID,
                    valid_until__lt=today,
                    then=models.Value(EffectiveCertificateStatus.EXPIRED.value),
                ),
                default=models.F("status"),
                output_field=models.CharField(),
            )
        )


class Certificate(TimeStampedModel):
    """A disability certificate (残疾人证). A re-assessment issues a new row and supersedes the old one, so the
    history of categories and grades stays; one current certificate per person is a database constraint.

    The number is the holder's ID number + category + grade (+ "Bn" for a reissued card). Only the part after
    the ID (`category`, `grade`, `reissue`) is stored: the ID part is the person's, already encrypted there,
    and a certificate number can therefore never disagree with the holder's ID.
    """

    person = models.ForeignKey(Person, verbose_name=_("持证人"), on_delete=models.PROTECT, related_name="certificates")
    category = models.PositiveSmallIntegerField(_("残疾类别"), choices=Category.choices)
    components = models.CharField(
        _("多重残疾的类别"), max_length=6, blank=True, help_text=_("多重残疾时记录所含类别，如“45”表示肢体、智力")
    )
    grade = models.PositiveSmallIntegerField(_("残疾等级"), choices=Grade.choices)
    reissue = models.PositiveSmallIntegerField(_("补办次数"), default=0)
    issue_date = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(
        _("状态"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    is_current = models.BooleanField(_("当前证件"), default=True)
    superseded_by = models.ForeignKey(
        "self", verbose_name=_("换发的新证"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_on = models.DateField(_("注销日期"), null=True, blank=True)
    cancel_reason = models.CharField(_("注销原因"), max_length=200, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("残疾人证")
        verbose_name_plural = _("残疾人证")
        ordering = ["-issue_date", "-id"]
        indexes = [
            # the rules' has_category(...) on a 多重 certificate (decision 0016): its components by person, for
            # current multiple-disability certificates only (a small index, read without the certificate rows)
            models.Index(
                fields=["person", "is_current", "category", "components"],
                condition=Q(is_current=True, category=MULTIPLE),
                name="cert_multiple_components",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(is_current=True), name="certificate_one_current"),
            models.CheckConstraint(
                condition=Q(is_current=True, status__in=[CertificateStatus.VALID, CertificateStatus.CANCELLED])
                | Q(is_current=False, status=CertificateStatus.SUPERSEDED),
                name="certificate_current_status",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("issue_date")), name="certificate_valid_after_issue"
            ),
            models.CheckConstraint(condition=Q(category__gte=1, category__lte=7), name="certificate_category_range"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=4), name="certificate_grade_range"),
            models.CheckConstraint(condition=Q(reissue__lte=9), name="certificate_reissue_range"),
            models.CheckConstraint(
                condition=Q(category=MULTIPLE) | Q(components=""), name="certificate_components_multiple"
            ),
        ]

    def __str__(self) -> str:
        return self.number_masked

    @property
    def suffix(self) -> str:
        return certificate_suffix(self.category, self.grade, self.reissue)

    @property
    def number_masked(self) -> str:
        """The certificate number with its embedded ID masked, as every screen shows it."""
        return masked_certificate_number(self.person.id_number_masked, self.category, self.grade, self.reissue)

    def decrypt_number(self) -> str:
        """The full certificate number (audited callers only, like Person.decrypt_id_number)."""
        return f"{self.person.decrypt_id_number()}{self.suffix}"

    @property
    def effective_status(self) -> str:
        return effective_certificate_status(self.status, self.valid_until, timezone.localdate())

    @property
    def effective_status_label(self) -> str:
        return str(EffectiveCertificateStatus(self.effective_status).label)

    @property
    def component_names(self) -> list[str]:
        return [str(Category(int(c)).label) for c in self.components]


class LowIncomePeriodQuerySet(models.QuerySet):
    def on(self, day: date) -> LowIncomePeriodQuerySet:
        """Periods in force on `day` (start ≤ day ≤ end, or open-ended)."""
        return self.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day)


class LowIncomePeriod(models.Model):
    """A span of 低保 / 特困 / 低保边缘 status, so that rules can ask "低保 on date D" for any past date."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="low_income_periods"
    )
    status = models.CharField(_("状态"), max_length=16, choices=LowIncomeStatus.choices)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("终止日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=ChangeSource.choices, default=ChangeSource.MANUAL)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = LowIncomePeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("低保状态期间")
        verbose_name_plural = _("低保状态期间")
        ordering = ["-start", "-id"]
        indexes = [
            # covering the “status on a date” query of the rules (decision 0016): the periods in force on a date
            # with a status, and for each the later one that would override it, read from the indexes alone
            models.Index(fields=["person", "start", "end", "status"], name="low_income_person_period"),
            models.Index(fields=["status", "start", "end", "person"], name="low_income_status_period"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(end__isnull=True), name="low_income_one_open"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="low_income_end_after_start"
            ),
            models.CheckConstraint(condition=~Q(status=LowIncomeStatus.NONE), name="low_income_period_not_none"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.start}–{self.end or ''}"

    def clean(self) -> None:
        """A person's periods never overlap (decision 0016): the status on a date is that of the one period in
        force, which the rules read as a plain “a period with this status covers the date”. Only one period may
        be open (the database enforces that too); the services start a new one after the latest one's end."""
        super().clean()
        if self.person_id is None or self.start is None:
            return
        others = LowIncomePeriod.objects.filter(person_id=self.person_id).exclude(pk=self.pk)
        if self.end is not None:
            others = others.filter(start__lte=self.end)
        clash = others.filter(Q(end__isnull=True) | Q(end__gte=self.start)).order_by("start").first()
        if clash is not None:
            raise ValidationError(
                _("低保状态期间不能重叠：此人已有 %(p)s") % {"p": str(clash)}, code="low_income_overlap"
            )


class StatusChangeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> StatusChangeQuerySet:
        q = _scope_q(user, "person__area_code")
        return self.none() if q is None else self.filter(q)


class StatusChange(models.Model):
    """One entry of a person's timeline: what changed, from what to what, from when, why, by whom and how.

    Written by the services next to the change itself (never by a signal), so the timeline and the
    person's current state cannot drift apart. Values are stored as the labels shown at the time.
    """

    # no index of its own: `status_change_person_date` (person, effective_date) serves every look-up by person
    # (the timeline, the cascade on delete), and one index fewer per timeline row speeds up imports
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="status_changes", db_index=False
    )
    kind = models.CharField(_("类型"), max_length=32, choices=ChangeKind.choices)
    effective_date = models.DateField(_("生效日期"))
    old_value = models.CharField(_("原值"), max_length=200, blank=True)
    new_value = models.CharField(_("新值"), max_length=200, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=16, choices=ChangeSource.choices, default=ChangeSource.MANUAL)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["-effective_date", "-id"]
        indexes = [models.Index(fields=["person", "effective_date"], name="status_change_person_date")]

    def __str__(self) -> str:
        return f"{self.effective_date} {self.get_kind_display()}：{self.old_value} → {self.new_value}"


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> HouseholdQuerySet:
        q = _scope_q(user, "area_code")
        return self.none() if q is None else self.filter(q)

    def multi_disabled(self) -> HouseholdQuerySet:
        """一户多残: households with two or more certified members."""
        return self.filter(certified_count__gte=2)


def certified_count(household: Expression) -> Coalesce:
    """The number of certified members of `household` (an outer reference or a subquery giving its id):
    current members who are alive and hold a certificate that is not cancelled (expired ones count). What
    `Household.certified_count` holds; the services recount it with this (services.households_recount)."""
    members = (
        HouseholdMember.objects.filter(
            household=household,
            left_on__isnull=True,
            person__life_status=LifeStatus.ALIVE,
            person__cert_status=CertificateStatus.VALID,
        )
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members[:1], output_field=models.IntegerField()), 0)


class Household(TimeStampedModel):
    """A 户 (people on one 户口簿). Some programmes pay per household; 一户多残 households get extra help."""

    number = models.CharField(_("户号"), max_length=32, blank=True)
    community = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在社区"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": "community"},
    )
    area_code = models.CharField(_("社区代码"), max_length=AREA_CODE_LENGTH, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # current members who are alive with a certificate that is not cancelled (一户多残 from 2): recounted by the
    # services that change a membership, a life status or a certificate status, in the same transaction
    # (services.households_recount; selectors.household_count_drift checks it), so that the rules, the lists and
    # the 一户多残 filter read one column instead of counting members per row (decision 0019)
    certified_count = models.PositiveSmallIntegerField(_("持证人数"), default=0, editable=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["area_code", "id"]
        indexes = [
            models.Index(fields=["area_code", "id"], name="household_area_keyset"),
            models.Index(fields=["certified_count", "id"], name="household_certified"),
        ]

    def __str__(self) -> str:
        head = self.head
        return str(_("%(name)s户") % {"name": head.person.name}) if head else str(_("户 %(id)s") % {"id": self.pk})

    @cached_property
    def head(self) -> HouseholdMember | None:
        return self.members.filter(left_on__isnull=True, relation=Relation.HEAD).select_related("person").first()


class HouseholdMember(models.Model):
    """A person's membership of a household, with the relation to the head; leaving keeps the row (left_on)."""

    household = models.ForeignKey(Household, verbose_name=_("户"), on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("离开日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("户成员")
        verbose_name_plural = _("户成员")
        ordering = ["household", "id"]
        indexes = [
            # the rules' household_certified_count (decision 0016): a person's current household, and its current
            # members, each read from a small covering index of the current memberships alone
            # (left_on is a column too: SQLite reads a partial index as covering only when it holds every column
            # the query names, its own condition's included)
            models.Index(
                fields=["person", "left_on", "household"], condition=Q(left_on__isnull=True),
                name="member_current_person",
            ),
            models.Index(
                fields=["household", "left_on", "person"], condition=Q(left_on__isnull=True),
                name="member_current_household",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(left_on__isnull=True), name="member_one_household"),
            models.UniqueConstraint(
                fields=["household"], condition=Q(left_on__isnull=True, relation=Relation.HEAD), name="member_one_head"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="member_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_relation_display()}）"


class BankAccountQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> BankAccountQuerySet:
        q = _scope_q(user, "person__area_code")
        return self.none() if q is None else self.filter(q)


class BankAccount(TimeStampedModel):
    """A bank account benefits are paid into (打卡发放). One default account per person is a constraint.

    The number is encrypted, found by its keyed hash (unique per person: a guardian's account may serve
    two children) and shown masked.
    """

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="bank_accounts")
    bank_name = models.CharField(_("开户银行"), max_length=64)
    account_enc = models.BinaryField(_("账号（密文）"), editable=False)
    account_hash = models.CharField(_("账号索引"), max_length=64, db_index=True, editable=False)
    account_masked = models.CharField(_("账号"), max_length=32, editable=False)
    holder_name = models.CharField(_("户名"), max_length=64)
    holder_relation = models.CharField(
        _("账户所有人"), max_length=16, choices=HolderRelation.choices, default=HolderRelation.SELF
    )
    is_default = models.BooleanField(_("默认发放账户"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = BankAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("银行账户")
        verbose_name_plural = _("银行账户")
        ordering = ["-is_default", "-is_active", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "account_hash"], name="bank_account_unique_per_person"),
            models.UniqueConstraint(fields=["person"], condition=Q(is_default=True), name="bank_account_one_default"),
            models.CheckConstraint(
                condition=Q(is_active=True) | Q(is_default=False), name="bank_account_default_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_masked}"

    def set_number(self, digits: str) -> None:
        from canlian.common.masking import mask_bank_account

        self.account_enc = crypto.encrypt(digits, purpose="bank_account")
        self.account_hash = crypto.blind_index(digits, purpose="bank_account")
        self.account_masked = mask_bank_account(digits)

    def decrypt_number(self) -> str:
        """The full account number (audited callers only: reveal, the bank roster)."""
        return crypto.decrypt(self.account_enc, purpose="bank_account")


class StatusReviewQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> StatusReviewQuerySet:
        q = _scope_q(user, "area_code")
        return self.none() if q is None else self.filter(q)


class StatusReview(models.Model):
    """A person whose status changed — by an import, or one at a time on the person page or through the API —
    waiting for a caseworker to act on it (动态管理, decisions 0010 and 0015).

    One row per person and change: who, what changed (as the preview showed it), from when and which import
    (none for a change made one person at a time).
    Later modules read the pending rows (programmes' 应退未退 screening, payments' pre-payment check) and a
    caseworker marks each one 已处理 (audited). `area_code` is the person's community when the change was
    recorded (after a move: the new one), so the row stays visible to the area that must act on it.
    """

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("变化类型"), max_length=16, choices=ReviewKind.choices)
    change = models.CharField(_("变化"), max_length=300)
    effective_date = models.DateField(_("生效日期"))
    area_code = models.CharField(_("社区代码"), max_length=AREA_CODE_LENGTH)
    import_run = models.ForeignKey(
        "common.ImportRun",
        verbose_name=_("来源导入"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.CharField(_("处理说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = StatusReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("动态变化待核")
        verbose_name_plural = _("动态变化待核")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "area_code"], name="status_review_status_area")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.PENDING, handled_at__isnull=True)
                | Q(status=ReviewStatus.HANDLED, handled_at__isnull=False),
                name="status_review_handled_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_kind_display()}：{self.change}"
