"""Screens of the rule editor: versions per year, the editor with live check, preview count and test person,
publishing, and the field reference."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from canlian.accounts.permissions import requires
from canlian.accounts.scoping import area_prefix
from canlian.common.exceptions import DomainError
from canlian.programmes import services
from canlian.programmes.choices import RuleStatus
from canlian.programmes.forms import RuleForm
from canlian.programmes.models import Programme, RuleVersion
from canlian.programmes.rules import RuleContext, RuleSyntaxError, compile_rule
from canlian.programmes.schema import facts_for, registry_schema
from canlian.registry.models import Person, area_code_q
from canlian.registry.selectors import classify_search

MAX_TEST_MATCHES = 10


def _ref_date(raw: str, year: int) -> object:
    from datetime import date

    from django.utils import timezone

    today = timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return today if today.year == year else date(year, 1, 1)


@requires("rule.manage")
def rule_edit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Edit a draft (?rule=id) or start a new draft from the year's published text (or the last year's)."""
    programme = get_object_or_404(Programme, code=code)
    draft = None
    if request.GET.get("rule", "").isdigit():
        draft = get_object_or_404(RuleVersion, pk=int(request.GET["rule"]), programme=programme, year=year,
                                  status=RuleStatus.DRAFT)
    base = draft or (
        RuleVersion.objects.filter(programme=programme, year=year).order_by("-version").first()
        or RuleVersion.objects.filter(programme=programme, year__lt=year).order_by("-year", "-version").first()
    )
    initial = {"eligibility": base.eligibility, "note": draft.note if draft else "",
               **RuleForm.initial_from(base.amount_spec)} if base else {}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.rule_draft_save(
                actor=request.user, programme=programme, year=year, eligibility=form.cleaned_data["eligibility"],
                amount_spec=form.amount_spec(), note=form.cleaned_data["note"], draft=draft,
            )
        except DomainError as error:
            form.add_error(error.field if error.field in ("eligibility",) else None, error.message)
        else:
            messages.success(request, _("草稿已保存（第 %(v)d 版）。") % {"v": draft.version})
            return redirect(f"{request.path}?rule={draft.pk}")
    check = _check(form["eligibility"].value() or "", request.user, year, programme.code)
    return render(request, "programmes/rule_edit.html", {
        "p": programme, "year": year, "form": form, "draft": draft, "check": check, "base": base,
        "reference": registry_schema().reference(),
    })


def _check(text: str, user: object, year: int, code: str) -> dict[str, object]:
    """Compile `text`; on success the number of people in the user's area who meet it today (or on 1 Jan)."""
    if not text.strip():
        return {"error": None, "count": None, "empty": True}
    try:
        rule = compile_rule(text, registry_schema())
    except RuleSyntaxError as error:
        return {"error": error, "count": None}
    prefix = area_prefix(user)
    ref = _ref_date("", year)
    count = None if prefix is None else Person.objects.filter(
        area_code_q(prefix), rule.to_q(RuleContext.on(ref, programme=code))
    ).count()
    return {"error": None, "count": count, "ref_date": ref, "normalized": rule.normalized}


@requires("rule.manage")
@require_POST
def rule_check(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """HTMX: the live check under the textarea (errors with position and caret, or the preview count)."""
    programme = get_object_or_404(Programme, code=code)
    check = _check(request.POST.get("eligibility", ""), request.user, year, programme.code)
    return render(request, "programmes/partials/rule_check.html", {"check": check})


@requires("rule.manage")
@require_POST
def rule_test_person(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """HTMX: explain the rule being edited for a person found by ID number or name in the user's area."""
    programme = get_object_or_404(Programme, code=code)
    text, query = request.POST.get("eligibility", ""), request.POST.get("person", "").strip()
    ref = _ref_date(request.POST.get("ref_date", ""), year)
    context: dict[str, object] = {"query": query, "ref_date": ref}
    prefix = area_prefix(request.user)
    try:
        rule = compile_rule(text, registry_schema())
    except RuleSyntaxError as error:
        context["error"] = str(error)
        return render(request, "programmes/partials/rule_test.html", context)
    term = classify_search(query)
    people = Person.objects.none()
    if prefix is not None and term.kind in ("id", "certificate"):
        people = Person.objects.filter(area_code_q(prefix), id_number_hash=term.value)
    elif prefix is not None and term.kind == "name" and term.value:
        people = Person.objects.filter(area_code_q(prefix), name=term.value)
    ctx = RuleContext.on(ref, programme=programme.code)
    context["results"] = [
        {"person": p, "explanation": rule.explain(facts_for(p), ctx)} for p in people[:MAX_TEST_MATCHES]
    ]
    return render(request, "programmes/partials/rule_test.html", context)


@requires("rule.manage")
@require_POST
def rule_publish(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RuleVersion.objects.select_related("programme"), pk=pk)
    try:
        services.rule_publish(actor=request.user, rule=rule, note=request.POST.get("note", "").strip())
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(f"{request.POST.get('back') or rule.programme.get_absolute_url()}")
    messages.success(request, _("已发布 %(y)d 年度第 %(v)d 版规则。") % {"y": rule.year, "v": rule.version})
    return redirect(f"{rule.programme.get_absolute_url()}?year={rule.year}")


@requires("programme.view")
def rule_reference(request: HttpRequest) -> HttpResponse:
    """The fields and functions a rule may use (the schema's reference), as a page next to docs/rules.md."""
    return render(request, "programmes/rule_reference.html", {"reference": registry_schema().reference()})
