"""The rules a region code obeys, shared by the services, the forms and the import.

Codes nest by prefix and grow by three digits per level: a street is its district's 6 digits plus 3,
a community its street's 9 digits plus 3. Area scoping everywhere relies on that, so a code that
breaks it is refused wherever it enters.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from canlian.common.idcard import normalise_code
from canlian.regions.choices import CHILD_LEVEL, CODE_LENGTH, RegionLevel

NAME_MAX_LENGTH = 64
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


def normalise_region_code(raw: object) -> str:
    """A code as typed or read from a cell: spaces dropped, full-width digits made ASCII, "340302001.0" fixed."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return normalise_code(str(raw))


def level_for_code(code: str) -> RegionLevel | None:
    """The level a code's length stands for (6 district, 9 street, 12 community)."""
    return LEVEL_BY_LENGTH.get(len(code)) if code.isdigit() else None


def code_problem(code: str, *, parent_code: str, parent_level: str) -> str | None:
    """Why `code` cannot be a child of the given parent, or None when it can."""
    level = CHILD_LEVEL.get(RegionLevel(parent_level))
    if level is None:
        return _("社区/村下不能再设下级区划")
    length = CODE_LENGTH[level]
    if not code:
        return _("区划代码为空")
    if not code.isdigit() or len(code) != length:
        return _("%(level)s的区划代码应为 %(n)d 位数字，实为“%(code)s”（%(len)d 位）") % {
            "level": level.label, "n": length, "code": code, "len": len(code)}
    if not code.startswith(parent_code):
        return _("区划代码应以上级代码 %(parent)s 开头") % {"parent": parent_code}
    if code[len(parent_code):] == "000":
        return _("区划代码最后 3 位不能是 000")
    return None


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a region's name, or None."""
    if not name:
        return _("名称为空")
    if len(name) > NAME_MAX_LENGTH:
        return _("名称最长 %(n)d 个字，实为 %(len)d 个") % {"n": NAME_MAX_LENGTH, "len": len(name)}
    return None
