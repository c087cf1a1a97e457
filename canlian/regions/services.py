"""Writes to the region tree: create, rename, deactivate and reactivate streets and communities.

Districts are preloaded (migration 0002) and not edited here. Codes never change once created: every
record located in a region is scoped by its code prefix, so a new code is a new region.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.accounts.models import User
from canlian.accounts.permissions import require
from canlian.accounts.scoping import in_scope
from canlian.audit.services import record, snapshot
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.regions.choices import CHILD_LEVEL, RegionLevel
from canlian.regions.models import Region
from canlian.regions.rules import code_problem, name_problem, normalise_region_code

AUDIT_FIELDS = ("code", "name", "level", "parent", "is_active")


def _check_manage(actor: User, region: Region) -> None:
    """Role may manage regions, the region lies in the actor's area, and it is not a district."""
    require(actor, "region.manage")
    if not in_scope(actor, region.code):
        raise PermissionDenied(_("“%(name)s”不在您负责的区域内") % {"name": region.name})
    if region.level == RegionLevel.DISTRICT:
        raise DomainError(_("区/县由系统预置，不能在此修改或停用"))


@transaction.atomic
def region_create(*, actor: User, parent: Region, code: str, name: str) -> Region:
    """A new street under a district or a new community under a street, inside the actor's area."""
    require(actor, "region.manage")
    if not in_scope(actor, parent.code):
        raise PermissionDenied(_("只能在本人负责的区域内新建区划"))
    if not parent.is_active:
        raise DomainError(_("上级区划“%(name)s”已停用，不能在其下新建") % {"name": parent.name})
    code = normalise_region_code(code)
    name = name.strip()
    if problem := code_problem(code, parent_code=parent.code, parent_level=parent.level):
        raise DomainError(problem, field="code")
    if problem := name_problem(name):
        raise DomainError(problem, field="name")
    existing = Region.objects.filter(code=code).first()
    if existing is not None:
        raise Conflict(_("区划代码 %(code)s 已被“%(name)s”使用") % {"code": code, "name": existing.name})
    region = Region(code=code, name=name, level=CHILD_LEVEL[RegionLevel(parent.level)], parent=parent)
    region.full_clean()
    region.save()
    record(actor=actor, action="region.create", obj=region, after=snapshot(region, AUDIT_FIELDS))
    return region


@transaction.atomic
def region_update(*, actor: User, region: Region, name: str) -> Region:
    """Rename a street or community (the code stays: it is what scoping is built on)."""
    _check_manage(actor, region)
    name = name.strip()
    if problem := name_problem(name):
        raise DomainError(problem, field="name")
    if name == region.name:
        return region
    before = snapshot(region, ("name",))
    region.name = name
    region.full_clean()
    region.save(update_fields=["name", "updated_at"])
    record(actor=actor, action="region.update", obj=region, before=before, after=snapshot(region, ("name",)))
    return region


@transaction.atomic
def region_deactivate(*, actor: User, region: Region) -> Region:
    """Stop using a street or community: it is kept (records still point to it) but offered nowhere.

    Refused while active communities or active accounts still belong to it, so nobody is left in an
    area that no longer exists.
    """
    _check_manage(actor, region)
    region = Region.objects.select_for_update().get(pk=region.pk)
    if not region.is_active:
        raise Conflict(_("“%(name)s”已是停用状态") % {"name": region.name})
    children = region.children.filter(is_active=True).count()
    if children:
        raise DomainError(
            _("“%(name)s”下还有 %(n)d 个启用的下级区划，请先停用它们") % {"name": region.name, "n": children}
        )
    accounts = User.objects.filter(area=region, is_active=True).count()
    if accounts:
        raise DomainError(_("还有 %(n)d 个启用的账号属于“%(name)s”，请先调整这些账号的所属区域") % {
            "n": accounts, "name": region.name})
    region.is_active = False
    region.save(update_fields=["is_active", "updated_at"])
    record(actor=actor, action="region.deactivate", obj=region, before={"is_active": True}, after={"is_active": False})
    return region


@transaction.atomic
def region_reactivate(*, actor: User, region: Region) -> Region:
    """Use a deactivated street or community again; its parent must be active."""
    _check_manage(actor, region)
    region = Region.objects.select_for_update(of=("self",)).select_related("parent").get(pk=region.pk)
    if region.is_active:
        raise Conflict(_("“%(name)s”已是启用状态") % {"name": region.name})
    if region.parent is not None and not region.parent.is_active:
        raise DomainError(_("上级区划“%(name)s”已停用，请先启用上级") % {"name": region.parent.name})
    region.is_active = True
    region.save(update_fields=["is_active", "updated_at"])
    record(actor=actor, action="region.reactivate", obj=region, before={"is_active": False}, after={"is_active": True})
    return region
