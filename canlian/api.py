"""The REST API under /api/v1/: one NinjaAPI that mounts each app's router.

Token auth (Authorization: Bearer …); OpenAPI at /api/v1/openapi.json. The interactive docs page is
off: it would load scripts from a CDN, which the intranet does not reach.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from canlian.accounts.api_auth import TokenAuth
from canlian.common.exceptions import DomainError

api = NinjaAPI(
    title="Canlian API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url=None,
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.message, "code": exc.code, "field": exc.field}, status=exc.status
    )


def _mount() -> None:
    from canlian.accounts.api import router as accounts_router
    from canlian.applications.api import router as applications_router
    from canlian.payments.api import router as payments_router
    from canlian.programmes.api import router as programmes_router
    from canlian.regions.api import router as regions_router
    from canlian.registry.api import router as registry_router

    api.add_router("/accounts/", accounts_router)
    api.add_router("/regions/", regions_router)
    api.add_router("/programmes/", programmes_router)
    api.add_router("/registry/", registry_router)
    api.add_router("/applications/", applications_router)
    api.add_router("/payments/", payments_router)


_mount()
