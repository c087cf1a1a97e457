"""Demo places: 龙子湖区 (340302) with 8 streets/towns and 60 communities/villages.

The street and community codes follow the official 9- and 12-digit pattern but are demo codes.
"""

from __future__ import annotations

from canlian.demo.context import DemoContext
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region

DISTRICT_CODE = "340302"
STREETS = [
    ("东风街道", ["东风", "淮河", "南山", "新村", "东海", "宏业", "锦绣", "临淮"]),
    ("延安街道", ["延安", "胜利", "宝兴", "青年", "永安", "红旗", "朝阳", "金山"]),
    ("治淮街道", ["治淮", "淮滨", "新淮", "涂山", "凤凰", "港湾", "荣盛"]),
    ("东升街道", ["东升", "兴业", "光彩", "和平", "银湖", "翰林", "湖畔", "幸福"]),
    ("解放街道", ["解放", "宏图", "华夏", "团结", "龙华", "新华", "友谊"]),
    ("曹山街道", ["曹山", "东盛", "龙湖", "文苑", "春晓", "湖东", "博览"]),
    ("长淮卫镇", ["长淮", "卫东", "新河", "刘郢", "前进", "沿淮", "淝河", "双墩"]),
    ("李楼乡", ["李楼", "王岗", "曹店", "郑圩", "徐岗", "梅桥", "庙台"]),
]


def build(ctx: DemoContext) -> None:
    district = Region.objects.get(code=DISTRICT_CODE)
    streets, communities = [], []
    for i, (street_name, community_stems) in enumerate(STREETS, start=1):
        street, _ = Region.objects.get_or_create(
            code=f"{DISTRICT_CODE}{i:03d}",
            defaults={"name": street_name, "level": RegionLevel.STREET, "parent": district},
        )
        streets.append(street)
        rural = street_name.endswith(("镇", "乡"))
        for j, stem in enumerate(community_stems, start=1):
            community, _ = Region.objects.get_or_create(
                code=f"{street.code}{j:03d}",
                defaults={
                    "name": f"{stem}{'村' if rural else '社区'}", "level": RegionLevel.COMMUNITY, "parent": street
                },
            )
            communities.append(community)
    ctx.data.update(district=district, streets=streets, communities=communities)
    ctx.say(f"行政区划：1 个区，{len(streets)} 个街道/乡镇，{len(communities)} 个社区/村")
