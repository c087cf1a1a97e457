"""Forms check shape only; the services enforce the rules and their DomainErrors land on the fields here."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.common.exceptions import DomainError
from canlian.regions.models import Region
from canlian.registry.choices import (
    ETHNICITIES,
    HAN,
    Category,
    Education,
    Grade,
    HolderRelation,
    HukouType,
    LifeStatus,
    LowIncomeStatus,
    MaritalStatus,
    Relation,
)
from canlian.registry.inputs import FACT_FIELDS, CertificateInput, PersonInput
from canlian.registry.selectors import PERSON_CERT_STATUSES, PersonFilters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
GRADE_FILTERS = [("", _("全部等级")), ("12", _("重度（一、二级）")), ("34", _("三、四级"))] + [
    (str(v), label) for v, label in Grade.choices
]
COMPONENT_CHOICES = [(str(v), label) for v, label in Category.choices if v != 7]


def _blank(label: object) -> list[tuple[str, object]]:
    return [("", label)]


class DomainErrorMixin:
    """Put a service's DomainError on the field it names (or on the form when it names none)."""

    field_map: dict[str, str] = {}

    def add_domain_error(self, error: DomainError) -> None:
        name = self.field_map.get(error.field or "", error.field)
        self.add_error(name if name in self.fields else None, error.message)  # type: ignore[attr-defined]


class PersonFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("姓名、身份证号、残疾人证号或电话"), "autocomplete": "off"}
        ),
    )
    area = forms.ChoiceField(label=_("街道/社区"), required=False)
    category = forms.TypedChoiceField(
        label=_("残疾类别"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_blank(_("全部类别")) + list(Category.choices),
    )
    grade = forms.ChoiceField(label=_("残疾等级"), required=False, choices=GRADE_FILTERS)
    min_age = forms.IntegerField(
        label=_("年龄从"),
        required=False,
        min_value=0,
        max_value=130,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )
    max_age = forms.IntegerField(
        label=_("到"), required=False, min_value=0, max_value=130, widget=forms.NumberInput(attrs={"class": "short"})
    )
    life_status = forms.ChoiceField(
        label=_("在册状态"), required=False, choices=_blank(_("全部")) + list(LifeStatus.choices)
    )
    low_income = forms.ChoiceField(
        label=_("低保状态"), required=False, choices=_blank(_("全部")) + list(LowIncomeStatus.choices)
    )
    cert_status = forms.ChoiceField(
        label=_("持证状态"), required=False, choices=_blank(_("全部")) + PERSON_CERT_STATUSES
    )
    multi_disabled = forms.BooleanField(label=_("一户多残"), required=False)

    def __init__(self, *args: object, areas: list[Region], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _blank(_("全部区域")) + [
            (r.code, f"{'　' if r.level == 'community' else ''}{r.name}") for r in areas
        ]

    def to_filters(self) -> PersonFilters:
        data = self.cleaned_data if self.is_valid() else {}
        grade = data.get("grade") or ""
        return PersonFilters(
            area=data.get("area") or "",
            category=data.get("category"),
            grades=tuple(int(g) for g in grade),
            min_age=data.get("min_age"),
            max_age=data.get("max_age"),
            life_status=data.get("life_status") or "",
            low_income=data.get("low_income") or "",
            cert_status=data.get("cert_status") or "",
            multi_disabled=bool(data.get("multi_disabled")),
            q=data.get("q") or "",
        )


class CertificateFieldsMixin(forms.Form):
    certificate_number = forms.CharField(
        label=_("残疾人证号"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}),
    )
    category = forms.TypedChoiceField(
        label=_("残疾类别"), coerce=int, required=False, empty_value=None, choices=_blank("—") + list(Category.choices)
    )
    components = forms.MultipleChoiceField(
        label=_("多重残疾所含类别"), required=False, choices=COMPONENT_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    grade = forms.TypedChoiceField(
        label=_("残疾等级"), coerce=int, required=False, empty_value=None, choices=_blank("—") + list(Grade.choices)
    )
    issue_date = forms.DateField(label=_("发证日期"), required=False, widget=DATE)
    valid_until = forms.DateField(
        label=_("有效期至"), required=False, widget=DATE, help_text=_("不填则为发证日期后 10 年")
    )

    certificate_required = False

    def clean(self) -> dict:
        data = super().clean()
        given = [data.get(n) for n in ("certificate_number", "category", "grade", "issue_date")]
        if self.certificate_required or any(given):
            for name in ("certificate_number", "category", "grade", "issue_date"):
                if not data.get(name):
                    self.add_error(name, _("请填写此项"))
        return data

    def certificate_input(self) -> CertificateInput | None:
        data = self.cleaned_data
        if not data.get("certificate_number"):
            return None
        return CertificateInput(
            number=data["certificate_number"],
            category=data["category"],
            grade=data["grade"],
            issue_date=data["issue_date"],
            valid_until=data.get("valid_until"),
            components="".join(data.get("components") or []),
        )


class PersonForm(DomainErrorMixin, CertificateFieldsMixin):
    """Create (with the ID number and, optionally, the certificate held) or edit a person."""

    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono", "inputmode": "text"}),
    )
    ethnicity = forms.ChoiceField(label=_("民族"), choices=ETHNICITIES, initial=HAN)
    hukou_type = forms.ChoiceField(label=_("户口类型"), choices=HukouType.choices)
    community = forms.ModelChoiceField(label=_("居住社区"), queryset=Region.objects.none())
    address = forms.CharField(label=_("居住地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("文化程度"), required=False, choices=_blank("—") + list(Education.choices))
    marital_status = forms.ChoiceField(
        label=_("婚姻状况"), required=False, choices=_blank("—") + list(MaritalStatus.choices)
    )
    guardian_id_number = forms.CharField(
        label=_("监护人身份证号"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}),
        help_text=_("监护人已在档案中登记时填写，可关联其档案"),
    )
    guardian_name = forms.CharField(label=_("监护人姓名"), max_length=64, required=False)
    guardian_phone = forms.CharField(label=_("监护人电话"), max_length=20, required=False)
    guardian_relation = forms.ChoiceField(
        label=_("与监护人关系"), required=False, choices=_blank("—") + list(Relation.choices)
    )

    owns_wheelchair_vehicle = forms.BooleanField(label=_("持有机动轮椅车"), required=False)
    lower_limb = forms.BooleanField(label=_("下肢残疾"), required=False)
    poverty_alleviated = forms.BooleanField(label=_("脱贫人口"), required=False)
    needs_long_term_care = forms.BooleanField(label=_("需长期照护"), required=False)
    work_injury_care = forms.BooleanField(label=_("领取工伤护理费"), required=False)
    autism = forms.BooleanField(label=_("孤独症"), required=False)

    field_map = {"guardian_id": "guardian_id_number"}
    GROUPS = (
        (
            _("基本信息"),
            (
                "name",
                "id_number",
                "ethnicity",
                "hukou_type",
                "community",
                "address",
                "phone",
                "education",
                "marital_status",
            ),
        ),
        (_("监护人"), ("guardian_id_number", "guardian_name", "guardian_phone", "guardian_relation")),
        (_("政策认定（按证明材料勾选）"), FACT_FIELDS),
        (
            _("残疾人证（已持证的请填写）"),
            ("certificate_number", "category", "components", "grade", "issue_date", "valid_until"),
        ),
    )

    def groups(self) -> list[tuple[object, list[forms.BoundField]]]:
        """The fields in the fieldsets the form page shows (only those present: editing drops some)."""
        out = []
        for label, names in self.GROUPS:
            fields = [self[n] for n in names if n in self.fields]
            if fields:
                out.append((label, fields))
        return out

    def __init__(self, *args: object, communities: list[Region], editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Region.objects.filter(pk__in=[c.pk for c in communities])
        self.fields["community"].label_from_instance = lambda r: f"{r.parent.name if r.parent_id else ''} {r.name}"
        if editing:
            for name in (
                "id_number",
                "community",
                "certificate_number",
                "category",
                "components",
                "grade",
                "issue_date",
                "valid_until",
            ):
                del self.fields[name]

    def person_input(self, guardian_id: int | None = None) -> PersonInput:
        d = self.cleaned_data
        return PersonInput(
            guardian_id=guardian_id,
            name=d["name"],
            id_number=d["id_number"],
            community=d["community"],
            hukou_type=d["hukou_type"],
            ethnicity=d["ethnicity"],
            phone=d["phone"],
            address=d["address"],
            education=d["education"],
            marital_status=d["marital_status"],
            guardian_name=d["guardian_name"],
            guardian_phone=d["guardian_phone"],
            guardian_relation=d["guardian_relation"],
            **{name: d[name] for name in FACT_FIELDS},
        )

    def changes(self, guardian_id: int | None = None) -> dict[str, object]:
        keys = (
            "name",
            "ethnicity",
            "hukou_type",
            "address",
            "phone",
            "education",
            "marital_status",
            "guardian_name",
            "guardian_phone",
            "guardian_relation",
            *FACT_FIELDS,
        )
        return {k: self.cleaned_data[k] for k in keys} | {"guardian_id": guardian_id}


class ReassessForm(DomainErrorMixin, CertificateFieldsMixin):
    certificate_required = True
    reason = forms.CharField(label=_("评定说明"), max_length=200, required=False)


def _today() -> object:
    return timezone.localdate()


class DeathForm(DomainErrorMixin, forms.Form):
    effective = forms.DateField(label=_("死亡日期"), widget=DATE)
    reason = forms.CharField(
        label=_("依据/说明"), max_length=200, required=False, help_text=_("如：火化证明、民政死亡名单")
    )
    field_map = {"effective_date": "effective"}


class MoveOutForm(DomainErrorMixin, forms.Form):
    effective = forms.DateField(label=_("迁出日期"), widget=DATE)
    destination = forms.CharField(label=_("迁往"), max_length=200)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)
    field_map = {"effective_date": "effective"}


class MoveInForm(DomainErrorMixin, forms.Form):
    community = forms.ModelChoiceField(label=_("迁入社区"), queryset=Region.objects.none())
    effective = forms.DateField(label=_("迁入日期"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)
    field_map = {"effective_date": "effective"}

    def __init__(self, *args: object, communities: list[Region], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Region.objects.filter(pk__in=[c.pk for c in communities])
        self.fields["community"].label_from_instance = lambda r: f"{r.parent.name if r.parent_id else ''} {r.name}"


class LowIncomeForm(DomainErrorMixin, forms.Form):
    status = forms.ChoiceField(label=_("新的低保状态"), choices=LowIncomeStatus.choices)
    effective = forms.DateField(label=_("生效日期"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("依据/说明"), max_length=200, required=False)
    field_map = {"effective_date": "effective"}


class CancelCertificateForm(DomainErrorMixin, forms.Form):
    effective = forms.DateField(label=_("注销日期"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("注销原因"), max_length=200)
    field_map = {"cancelled_on": "effective"}


class BankAccountForm(DomainErrorMixin, forms.Form):
    bank_name = forms.CharField(label=_("开户银行"), max_length=64)
    account_number = forms.CharField(
        label=_("银行账号"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono", "inputmode": "numeric"}),
    )
    holder_relation = forms.ChoiceField(label=_("账户所有人"), choices=HolderRelation.choices)
    holder_name = forms.CharField(label=_("户名"), max_length=64, required=False, help_text=_("本人账户可不填"))
    make_default = forms.BooleanField(label=_("设为默认发放账户"), required=False)


class HouseholdForm(DomainErrorMixin, forms.Form):
    number = forms.CharField(label=_("户号"), max_length=32, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)


class MemberAddForm(DomainErrorMixin, forms.Form):
    id_number = forms.CharField(
        label=_("成员身份证号"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}),
        help_text=_("成员须已在档案中登记"),
    )
    relation = forms.ChoiceField(label=_("与户主关系"), choices=[c for c in Relation.choices if c[0] != Relation.HEAD])
    field_map = {"relation": "relation"}


class RemoveMemberForm(DomainErrorMixin, forms.Form):
    left_on = forms.DateField(label=_("离开日期"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)
