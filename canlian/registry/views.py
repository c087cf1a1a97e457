"""Screens of the registry. Thin: parse, authorise, call one service or selector, render.

No full ID or bank number ever reaches a template except through the audited reveal views, and a search
by ID number is carried in links as its blind index ("idx:…"), never as the number itself.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from canlian.accounts.permissions import can, requires
from canlian.common.exceptions import DomainError
from canlian.common.idcard import IdNumberError, parse_id_number
from canlian.common.tabular import xlsx_response
from canlian.registry import reviews, selectors, services
from canlian.registry.choices import ReviewKind, ReviewStatus, Sex
from canlian.registry.exports import person_export
from canlian.registry.forms import (
    BankAccountForm,
    CancelCertificateForm,
    DeathForm,
    HouseholdForm,
    LowIncomeForm,
    MemberAddForm,
    MoveInForm,
    MoveOutForm,
    PersonFilterForm,
    PersonForm,
    ReassessForm,
    RemoveMemberForm,
)
from canlian.registry.inputs import FACT_FIELDS
from canlian.registry.models import BankAccount, Certificate, HouseholdMember, Person, StatusReview

PAGE_SIZE = 50


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _filter_form(request: HttpRequest) -> PersonFilterForm:
    """The filters from the query string, or from the body of the HTMX search (a POST, so that a typed ID
    number travels in no URL and lands in no access log)."""
    data = request.POST if request.method == "POST" else request.GET
    return PersonFilterForm(data or None, areas=selectors.area_choices(request.user))


def _link_pairs(form: PersonFilterForm, term: selectors.SearchTerm) -> list[tuple[str, object]]:
    """The filters as query pairs for links (next page, count, export), with an ID search as its hash."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    pairs = []
    for name, value in data.items():
        if value in (None, "", False, []):
            continue
        if name == "q" and term.kind in ("id", "certificate"):
            value = f"idx:{term.value}"
        pairs.append((name, "1" if value is True else value))
    return pairs


@requires("person.view")
def person_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.to_filters()
    term = selectors.classify_search(filters.q)
    pairs = _link_pairs(form, term)
    if (
        term.kind in ("id", "certificate")
        and not filters.q.lower().startswith("idx:")
        and request.method == "GET"
        and not request.htmx
    ):
        # A full number typed into the URL: continue at the same list with its blind index instead, so the
        # number leaves the address bar, the history and the server's logs.
        return redirect(f"{reverse('registry:person_list')}?{urlencode(pairs)}")
    page = selectors.person_search(request.user, filters, after=request.GET.get("after"), limit=PAGE_SIZE)
    if page.term.kind in ("id", "certificate") and filters.q.lower().startswith("idx:"):
        page.term.masked = page.items[0].id_number_masked if page.items else ""
    context = {
        "form": form,
        "page": page,
        "query": urlencode(pairs),
        "query_pairs": pairs,
        "after": request.GET.get("after", ""),
        "can_edit": can(request.user, "person.edit"),
        "can_import": can(request.user, "person.import"),
        "can_export": can(request.user, "person.export"),
        "can_reveal": can(request.user, "person.reveal"),
    }
    if request.htmx:
        return render(request, "registry/partials/person_table.html", context)
    if page.term.kind in ("id", "certificate"):
        # the box is left empty: the note above the table says which (masked) number was searched
        data = request.GET.copy()
        data["q"] = ""
        context["form"] = PersonFilterForm(data, areas=selectors.area_choices(request.user))
    return render(request, "registry/person_list.html", context)


@requires("person.view")
def person_count(request: HttpRequest) -> HttpResponse:
    count = selectors.person_count(request.user, _filter_form(request).to_filters())
    return render(request, "registry/partials/count.html", {"count": count})


@requires("person.export")
def person_export_view(request: HttpRequest) -> HttpResponse:
    full = request.GET.get("full") == "1"
    content = person_export(actor=request.user, filters=_filter_form(request).to_filters(), full_numbers=full)
    name = f"残疾人名单-{timezone.localdate():%Y%m%d}.xlsx"
    return _no_store(xlsx_response(content, name))


@requires("person.edit")
@require_POST
def id_hint(request: HttpRequest) -> HttpResponse:
    """As the ID number is typed: its birth date, sex and age, or the reason it is wrong (HTMX)."""
    raw = request.POST.get("id_number", "")
    context: dict[str, object] = {"raw": raw.strip()}
    if len(raw.strip()) >= 15:
        try:
            ident = parse_id_number(raw)
        except IdNumberError as error:
            context["error"] = error.reason
        else:
            context["ident"] = ident
            context["sex"] = Sex(ident.sex).label
            context["age"] = ident.age_on(timezone.localdate())
            context["registered"], context["existing"] = selectors.id_number_registered(request.user, ident.number)
    return _no_store(render(request, "registry/partials/id_hint.html", context))


def _guardian(request: HttpRequest, form: PersonForm) -> int | bool | None:
    """The guardian's person id from the typed ID number; None when none was typed; False (with a form error)
    when the number is not a person the user may see."""
    raw = form.cleaned_data.get("guardian_id_number") or ""
    if not raw.strip():
        return None
    guardian = selectors.person_by_id_number(request.user, raw)
    if guardian is None:
        form.add_error("guardian_id_number", _("档案中没有此身份证号，或此人不在您负责的区域内"))
        return False
    return guardian.pk


@requires("person.edit")
def person_create_view(request: HttpRequest) -> HttpResponse:
    communities = selectors.community_choices(request.user)
    form = PersonForm(request.POST or None, communities=communities)
    form.fields["id_number"].widget.attrs.update(
        {
            "hx-post": reverse("registry:id_hint"),
            "hx-trigger": "input changed delay:300ms, load",
            "hx-target": "#id-hint",
            "hx-sync": "this:replace",
        }
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                actor=request.user, data=form.person_input(), certificate=form.certificate_input()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("已登记 %(name)s。") % {"name": person.name})
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "creating": True})


@requires("person.view")
def person_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_detail(request.user, pk)
    household, members = selectors.person_household(person)
    user = request.user
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "household": household,
            "members": members,
            "can_edit": can(user, "person.edit"),
            "can_reveal": can(user, "person.reveal"),
            "can_certify": can(user, "certificate.manage"),
            "can_bank": can(user, "bank_account.manage"),
        },
    )


@requires("person.edit")
def person_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)
    initial = {
        name: getattr(person, name)
        for name in (
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
    }
    if person.guardian_id:
        initial["guardian_id_number"] = ""  # never echo the guardian's full number: left empty keeps the link
    form = PersonForm(request.POST or None, initial=initial, communities=[], editing=True)
    if request.method == "POST" and form.is_valid() and (guardian := _guardian(request, form)) is not False:
        if guardian is None and not form.cleaned_data["guardian_id_number"]:
            guardian = person.guardian_id
        try:
            services.person_update(actor=request.user, person=person, changes=form.changes(guardian))
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person, "creating": False})


@requires("person.reveal")
@require_POST
def person_reveal_id_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)
    number = services.person_reveal_id(actor=request.user, person=person)
    return _no_store(render(request, "registry/partials/revealed.html", {"number": number}))


@requires("person.reveal")
@require_POST
def bank_account_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(BankAccount.objects.visible_to(request.user).select_related("person"), pk=pk)
    number = services.bank_account_reveal(actor=request.user, account=account)
    return _no_store(render(request, "registry/partials/revealed.html", {"number": number}))


# --- small action forms on the person page ----------------------------------------------------------------


def _action(
    request: HttpRequest,
    person: Person,
    form: object,
    title: str,
    perform: Callable[[dict], object],
    done: str,
) -> HttpResponse:
    """GET: the small form; POST: call the service and go back to the person page, or show its refusal."""
    if request.method == "POST" and form.is_valid():  # type: ignore[attr-defined]
        try:
            perform(form.cleaned_data)  # type: ignore[attr-defined]
        except DomainError as error:
            form.add_domain_error(error)  # type: ignore[attr-defined]
        else:
            messages.success(request, done)
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/action_form.html", {"form": form, "title": title, "person": person})


@requires("person.edit")
def person_death_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)
    return _action(
        request,
        person,
        DeathForm(request.POST or None),
        _("记录死亡"),
        lambda d: services.person_record_death(
            actor=request.user, person=person, date_of_death=d["effective"], reason=d["reason"]
        ),
        _("已记录死亡。"),
    )


@requires("person.edit")
def person_move_out_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)
    return _action(
        request,
        person,
        MoveOutForm(request.POST or None),
        _("迁出本区"),
        lambda d: services.person_move_out(
            actor=request.user, person=person, moved_on=d["effective"], destination=d["destination"], reason=d["reason"]
        ),
        _("已记录迁出。"),
    )


@requires("person.edit")
def person_move_in_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)
    form = MoveInForm(request.POST or None, communities=selectors.community_choices(request.user))
    return _action(
        request,
        person,
        form,
        _("迁入 / 变更居住社区"),
        lambda d: services.person_move_in(
            actor=request.user, person=person, community=d["community"], moved_on=d["effective"], reason=d["reason"]
        ),
        _("已记录迁入。"),
    )


@requires("person.edit")
def person_low_income_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)
    return _action(
        request,
        person,
        LowIncomeForm(request.POST or None),
        _("变更低保状态"),
        lambda d: services.low_income_set(
            actor=request.user, person=person, status=d["status"], effective=d["effective"], reason=d["reason"]
        ),
        _("已变更低保状态。"),
    )


@requires("certificate.manage")
def person_reassess_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)
    form = ReassessForm(request.POST or None)
    return _action(
        request,
        person,
        form,
        _("重新评定 / 换发残疾人证"),
        lambda d: services.person_reassess(
            actor=request.user, person=person, certificate=form.certificate_input(), reason=d["reason"]
        ),
        _("已记录新的残疾人证。"),
    )


@requires("certificate.manage")
def certificate_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.visible_to(request.user).select_related("person"), pk=pk)
    person = certificate.person
    return _action(
        request,
        person,
        CancelCertificateForm(request.POST or None),
        _("注销残疾人证"),
        lambda d: services.certificate_cancel(
            actor=request.user, certificate=certificate, cancelled_on=d["effective"], reason=d["reason"]
        ),
        _("残疾人证已注销。"),
    )


@requires("bank_account.manage")
def bank_account_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)
    return _action(
        request,
        person,
        BankAccountForm(request.POST or None),
        _("添加银行账户"),
        lambda d: services.bank_account_add(
            actor=request.user,
            person=person,
            bank_name=d["bank_name"],
            account_number=d["account_number"],
            holder_name=d["holder_name"],
            holder_relation=d["holder_relation"],
            make_default=d["make_default"],
        ),
        _("已添加银行账户。"),
    )


def _account_action(request: HttpRequest, pk: int, perform: Callable[[BankAccount], object], done: str) -> HttpResponse:
    account = get_object_or_404(BankAccount.objects.visible_to(request.user).select_related("person"), pk=pk)
    try:
        perform(account)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("registry:person_detail", pk=account.person_id)


@requires("bank_account.manage")
@require_POST
def bank_account_default_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(
        request,
        pk,
        lambda a: services.bank_account_set_default(actor=request.user, account=a),
        _("已设为默认发放账户。"),
    )


@requires("bank_account.manage")
@require_POST
def bank_account_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(
        request, pk, lambda a: services.bank_account_deactivate(actor=request.user, account=a), _("账户已停用。")
    )


# --- households -------------------------------------------------------------------------------------------


@requires("person.view")
def household_list_view(request: HttpRequest) -> HttpResponse:
    multi = request.GET.get("multi") == "1"
    after = request.GET.get("after")
    households, next_after = selectors.household_list(request.user, multi_only=multi, after=after)
    return render(
        request, "registry/household_list.html", {"households": households, "next_after": next_after, "multi": multi}
    )


@requires("person.view")
def household_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_detail(request.user, pk)
    form = MemberAddForm()
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": selectors.household_members(household, include_left=True),
            "form": form,
            "can_edit": can(request.user, "person.edit"),
        },
    )


@requires("person.edit")
def household_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a household with this person as its head, in the person's community."""
    person = selectors.person_get(request.user, pk)
    form = HouseholdForm(request.POST or None, initial={"address": person.address})
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(
                actor=request.user,
                community=person.community,
                head=person,
                number=form.cleaned_data["number"],
                address=form.cleaned_data["address"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("已建户。"))
            return redirect("registry:household_detail", pk=household.pk)
    return render(
        request, "registry/action_form.html", {"form": form, "title": _("以本人为户主建户"), "person": person}
    )


@requires("person.edit")
@require_POST
def household_add_member_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_detail(request.user, pk)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        person = selectors.person_by_id_number(request.user, form.cleaned_data["id_number"])
        if person is None:
            form.add_error("id_number", _("档案中没有此身份证号，或此人不在您负责的区域内：请先登记此人"))
        else:
            try:
                services.household_add_member(
                    actor=request.user, household=household, person=person, relation=form.cleaned_data["relation"]
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("已添加成员 %(name)s。") % {"name": person.name})
                return redirect("registry:household_detail", pk=household.pk)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": selectors.household_members(household, include_left=True),
            "form": form,
            "can_edit": True,
        },
        status=400,
    )


@requires("person.edit")
def household_remove_member_view(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    household = selectors.household_detail(request.user, pk)
    member = get_object_or_404(
        HouseholdMember.objects.select_related("person", "household__community"), pk=member_pk, household=household
    )
    form = RemoveMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_remove_member(
                actor=request.user,
                member=member,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(name)s已移出此户。") % {"name": member.person.name})
            return redirect("registry:household_detail", pk=household.pk)
    return render(
        request,
        "registry/action_form.html",
        {"form": form, "title": _("移出户成员：%(name)s") % {"name": member.person.name}, "person": member.person},
    )


# --- review list (动态管理) -------------------------------------------------------------------------------


def _review_filters(request: HttpRequest) -> reviews.ReviewFilters:
    return reviews.review_filters_from(request.GET)


@requires("person.view")
def review_list_view(request: HttpRequest) -> HttpResponse:
    filters = _review_filters(request)
    qs = reviews.reviews(request.user, filters)
    after = request.GET.get("after", "")
    if after.isdigit():
        qs = qs.filter(pk__lt=int(after))
    items = list(qs[: reviews.PAGE + 1])
    next_after = items[reviews.PAGE - 1].pk if len(items) > reviews.PAGE else None
    query = urlencode(
        {k: v for k, v in (("status", filters.status), ("kind", filters.kind), ("run", filters.run or "")) if v != ""}
    )
    return render(
        request,
        "registry/review_list.html",
        {
            "items": items[: reviews.PAGE],
            "next_after": next_after,
            "filters": filters,
            "query": query,
            "statuses": ReviewStatus.choices,
            "kinds": ReviewKind.choices,
            "can_edit": can(request.user, "person.edit"),
            "can_export": can(request.user, "person.export"),
        },
    )


@requires("person.export")
def review_export_view(request: HttpRequest) -> HttpResponse:
    content = reviews.reviews_export(actor=request.user, filters=_review_filters(request))
    return _no_store(xlsx_response(content, f"动态变化待核-{timezone.localdate():%Y%m%d}.xlsx"))


@require_POST
@requires("person.edit")
def review_handle_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(StatusReview.objects.visible_to(request.user).select_related("person"), pk=pk)
    try:
        reviews.review_handle(actor=request.user, review=review, note=request.POST.get("note", ""))
        messages.success(request, _("已标记为已处理：%(name)s") % {"name": review.person.name})
    except DomainError as error:
        messages.error(request, error.message)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/registry/reviews/") else reverse("registry:review_list"))
