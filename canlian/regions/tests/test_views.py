"""Region pages: the tree, search, detail, create/edit/deactivate, and who sees what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.regions.models import Region
from canlian.regions.tests.factories import CommunityFactory, StreetFactory


def test_tree_shows_district_streets_and_communities_with_counts(areas, users, client_for):
    html = client_for(users.a[Role.DISTRICT_OFFICER]).get(reverse("regions:list")).content.decode()
    assert html.index("龙子湖区") < html.index("甲街道") < html.index("甲一社区") < html.index("乙街道")
    assert "下级 2 个" in html  # 龙子湖区 has two streets, 甲街道 two communities
    assert reverse("regions:detail", args=["340302901001"]) in html
    assert "导入区划" in html


def test_tree_is_one_query_however_large(areas, users, client_for, django_assert_max_num_queries):
    for n in range(10, 30):
        street = StreetFactory(code=f"340302{n:03d}", parent=areas.district)
        for m in range(1, 6):
            CommunityFactory(code=f"{street.code}{m:03d}", parent=street)
    client = client_for(users.a[Role.DISTRICT_OFFICER])
    client.get(reverse("regions:list"))  # warm the session
    # session, user, the user's area (page header), the tree, and the session's save (3): 7 at any size
    with django_assert_max_num_queries(7):
        response = client.get(reverse("regions:list"))
    assert response.content.decode().count('class="tree-node') == 1 + 22 + 3 + 100  # district, streets, communities


def test_search_lists_matches_flat(areas, users, client_for):
    client = client_for(users.a[Role.DISTRICT_OFFICER])
    html = client.get(reverse("regions:list"), {"q": "甲"}).content.decode()
    assert "甲街道" in html and "甲一社区" in html and "乙一社区" not in html
    html = client.get(reverse("regions:list"), {"q": "340302902"}).content.decode()
    assert "乙街道" in html and "乙一社区" in html and "甲街道" not in html
    html = client.get(reverse("regions:list"), {"level": "street"}).content.decode()
    assert "甲街道" in html and "甲一社区" not in html
    Region.objects.filter(pk=areas.community_a2.pk).update(is_active=False)
    html = client.get(reverse("regions:list"), {"status": "inactive"}).content.decode()
    assert "甲二社区" in html and "甲一社区" not in html


def test_street_officer_sees_only_their_street(areas, users, client_for):
    client = client_for(users.a[Role.STREET_OFFICER])
    html = client.get(reverse("regions:list")).content.decode()
    assert "甲街道" in html and "甲一社区" in html
    assert "乙街道" not in html and "乙一社区" not in html and "龙子湖区</a>" not in html
    assert "导入区划" not in html
    assert "乙街道" not in client.get(reverse("regions:list"), {"q": "乙"}).content.decode()
    assert client.get(reverse("regions:detail", args=["340302902"])).status_code == 404
    assert client.get(reverse("regions:detail", args=["340302902001"])).status_code == 404
    assert client.get(reverse("regions:detail", args=["340302"])).status_code == 404
    assert client.get(reverse("regions:detail", args=["340302901001"])).status_code == 200
    for name in ("edit", "create"):
        assert client.get(reverse(f"regions:{name}", args=["340302902"])).status_code == 403
        assert client.get(reverse(f"regions:{name}", args=["340302901"])).status_code == 403
    assert client.post(reverse("regions:deactivate", args=["340302902001"])).status_code == 403


def test_community_coordinator_sees_only_their_community(areas, users, client_for):
    client = client_for(users.a[Role.COMMUNITY_COORDINATOR])
    html = client.get(reverse("regions:list")).content.decode()
    assert "甲一社区" in html and "甲二社区" not in html and "甲街道</a>" not in html
    assert client.get(reverse("regions:detail", args=["340302901002"])).status_code == 404


def test_detail_lists_children_and_actions_for_managers(areas, users, client_for):
    client = client_for(users.a[Role.DISTRICT_OFFICER])
    html = client.get(reverse("regions:detail", args=["340302901"])).content.decode()
    assert "甲一社区" in html and "甲二社区" in html and "下级社区/村（2）" in html
    assert reverse("regions:create", args=["340302901"]) in html
    assert reverse("regions:edit", args=["340302901"]) in html
    assert reverse("regions:deactivate", args=["340302901"]) in html
    street_html = client_for(users.a[Role.STREET_OFFICER]).get(reverse("regions:detail", args=["340302901"]))
    assert reverse("regions:edit", args=["340302901"]) not in street_html.content.decode()


def test_create_community_through_the_form(areas, users, client_for):
    client = client_for(users.a[Role.DISTRICT_OFFICER])
    form = client.get(reverse("regions:create", args=["340302901"])).content.decode()
    assert 'value="340302901"' in form and "12 位数字" in form
    response = client.post(reverse("regions:create", args=["340302901"]), {"code": "340302901003", "name": "甲三社区"})
    assert response.status_code == 302 and response["Location"] == reverse("regions:detail", args=["340302901"])
    assert Region.objects.get(code="340302901003").parent == areas.street_a
    response = client.post(reverse("regions:create", args=["340302901"]), {"code": "34030290100", "name": "短"})
    assert response.status_code == 200
    assert "社区/村的区划代码应为 12 位数字" in response.content.decode()
    response = client.post(reverse("regions:create", args=["340302901"]), {"code": "340302901001", "name": "重复"})
    assert "已被“甲一社区”使用" in response.content.decode()
    assert client.get(reverse("regions:create", args=["340302901001"])).status_code == 404


def test_edit_and_deactivate_through_the_pages(areas, users, client_for):
    client = client_for(users.a[Role.DISTRICT_OFFICER])
    response = client.post(reverse("regions:edit", args=["340302901002"]), {"name": "甲二新社区"})
    assert response.status_code == 302
    assert Region.objects.get(code="340302901002").name == "甲二新社区"
    response = client.post(reverse("regions:deactivate", args=["340302901002"]), follow=True)
    assert "已停用“甲二新社区”" in response.content.decode()
    assert not Region.objects.get(code="340302901002").is_active
    response = client.post(reverse("regions:deactivate", args=["340302901"]), follow=True)
    assert "请先停用它们" in response.content.decode()
    assert client.get(reverse("regions:deactivate", args=["340302901002"])).status_code == 405
    client.post(reverse("regions:reactivate", args=["340302901002"]))
    assert Region.objects.get(code="340302901002").is_active


@pytest.mark.parametrize("role", [Role.LEADER, Role.FINANCE, Role.AUDITOR])
def test_district_roles_without_manage_can_browse_but_not_edit(areas, users, client_for, role):
    client = client_for(users.a[role])
    assert client.get(reverse("regions:list")).status_code == 200
    assert client.get(reverse("regions:detail", args=["340302902"])).status_code == 200
    assert client.get(reverse("regions:edit", args=["340302902"])).status_code == 403
