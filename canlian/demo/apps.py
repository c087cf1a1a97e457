from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo district: `seed_demo` and `demo_logins`. Sits above every domain app and imports them."""

    name = "canlian.demo"
    label = "demo"
    verbose_name = "演示数据"
