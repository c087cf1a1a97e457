"""WSGI entry point. Refuses to serve with production settings that are not safe."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")
application = get_wsgi_application()

from canlian.common.checks import production_errors  # noqa: E402

if problems := production_errors():
    raise ImproperlyConfigured("Refusing to start: " + " ".join(problems))
