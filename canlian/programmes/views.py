from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import can, requires
from canlian.common.exceptions import DomainError
from canlian.programmes import selectors, services
from canlian.programmes.choices import Field, RuleStatus
from canlian.programmes.forms import BudgetsForm, ProgrammeForm, TargetsForm
from canlian.programmes.models import Programme, RuleVersion
from canlian.regions.models import Region


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and services.MIN_YEAR <= int(raw) <= services.MAX_YEAR:
        return int(raw)
    years = selectors.years_with_data()
    return years[0] if years else timezone.localdate().year


def _year_choices(year: int) -> list[int]:
    this_year = timezone.localdate().year
    return sorted(set(selectors.years_with_data()) | {year, this_year, this_year + 1}, reverse=True)


@requires("programme.view")
def programme_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    field = request.GET.get("field") or None
    rows = selectors.programme_overview(user=request.user, year=year, field=field)
    context = {
        "rows": rows, "year": year, "years": _year_choices(year), "fields": Field.choices, "field": field,
        "can_manage": can(request.user, "programme.manage"),
    }
    template = "programmes/partials/table.html" if request.htmx else "programmes/list.html"
    return render(request, template, context)


@requires("programme.view")
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    year = _year(request)
    row = selectors.programme_year(user=request.user, code=code, year=year)
    rules = list(RuleVersion.objects.filter(programme=row.programme, year=year).select_related("published_by"))
    return render(request, "programmes/detail.html", {
        "row": row, "p": row.programme, "year": year, "years": _year_choices(year),
        "rules": rules, "published": next((r for r in rules if r.status == RuleStatus.PUBLISHED), None),
        "can_rule": can(request.user, "rule.manage"), "can_screen": can(request.user, "screening.run"),
        "can_manage": can(request.user, "programme.manage"),
        "can_target": can(request.user, "target.manage"),
        "can_budget": can(request.user, "budget.manage"),
    })


@requires("programme.manage")
def programme_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    programme = get_object_or_404(Programme, code=code) if code else None
    form = ProgrammeForm(request.POST or None, instance=programme)
    if programme is not None:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if programme is None:
                programme = services.programme_create(actor=request.user, **data)
            else:
                data.pop("code")
                programme = services.programme_update(actor=request.user, programme=programme, **data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("项目已保存。"))
            return redirect("programmes:detail", code=programme.code)
    return render(request, "programmes/edit.html", {"form": form, "programme": programme})


@requires("target.manage")
def targets_edit(request: HttpRequest, code: str) -> HttpResponse:
    year = _year(request)
    row = selectors.programme_year(user=request.user, code=code, year=year)
    streets = list(Region.objects.visible_to(request.user).streets().filter(is_active=True))
    initial = {None: row.target} | {t.street_id: t.quantity for t in row.street_targets}
    form = TargetsForm(request.POST or None, streets=streets, initial_targets=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_set(actor=request.user, programme=row.programme, year=year,
                                quantity=form.cleaned_data["total"])
            for street, quantity in form.street_values():
                services.target_set(actor=request.user, programme=row.programme, year=year, street=street,
                                    quantity=quantity)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(y)d 年目标任务已保存。") % {"y": year})
            return redirect(f"{row.programme.get_absolute_url()}?year={year}")
    return render(request, "programmes/targets_edit.html", {"form": form, "row": row, "year": year})


@requires("budget.manage")
def budgets_edit(request: HttpRequest, code: str) -> HttpResponse:
    year = _year(request)
    row = selectors.programme_year(user=request.user, code=code, year=year)
    form = BudgetsForm(request.POST or None, sources=list(row.programme.funding_sources), initial_budgets=row.budgets)
    if request.method == "POST" and form.is_valid():
        try:
            for source in form.sources:
                services.budget_set(actor=request.user, programme=row.programme, year=year, source=source,
                                    amount=form.cleaned_data[source])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(y)d 年预算已保存。") % {"y": year})
            return redirect(f"{row.programme.get_absolute_url()}?year={year}")
    return render(request, "programmes/budgets_edit.html", {"form": form, "row": row, "year": year})
