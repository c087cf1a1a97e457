"""python manage.py seed_demo --persons N --year Y --seed S: a deterministic, realistic demo district.

Each domain app contributes a builder, run in dependency order; later issues append theirs to BUILDERS.
"""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from canlian.demo import applications as applications_demo
from canlian.demo import payments as payments_demo
from canlian.demo import programmes, regions, users
from canlian.demo import registry as registry_demo
from canlian.demo import screening as screening_demo
from canlian.demo.context import DemoContext
from canlian.regions.models import Region

BUILDERS = [
    regions.build, users.build, registry_demo.build, programmes.build, screening_demo.build, applications_demo.build,
    payments_demo.build,
]


class Command(BaseCommand):
    help = "Create the demo district (regions, one user per role, and each module's demo records)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--persons", type=int, default=3000, help="number of certified persons")
        parser.add_argument("--year", type=int, default=2024, help="the demo year")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same district)")
        parser.add_argument("--force", action="store_true", help="allow with DEBUG off")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when demo data exists")

    def handle(self, *args: object, **opts: object) -> None:
        if not settings.DEBUG and not opts["force"]:
            raise CommandError("seed_demo 只用于演示和测试：DEBUG 关闭时需加 --force")
        if opts["if_empty"] and Region.objects.filter(code__startswith=regions.DISTRICT_CODE, level="street").exists():
            self.stdout.write("演示数据已存在，跳过。")
            return
        ctx = DemoContext(
            rng=random.Random(opts["seed"]), year=opts["year"], persons=opts["persons"], stdout=self.stdout
        )
        started = time.perf_counter()
        with transaction.atomic():
            for build in BUILDERS:
                build(ctx)
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成，用时 {time.perf_counter() - started:.1f} 秒"))
