"""The API: version 1 under /api/v1/, its OpenAPI schema and the documentation that reads it."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from api import discovery, insights, interop, views

app_name = "api"


class RedocView(SpectacularRedocView):
    """Redoc with its fonts served by the app: no request leaves for a third-party host."""

    template_name = "api/redoc.html"


router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("capabilities", views.CapabilityViewSet, basename="capability")
router.register("standards", views.StandardViewSet, basename="standard")
router.register("platforms", views.PlatformViewSet, basename="platform")
router.register("adoptions", views.AdoptionViewSet, basename="adoption")
router.register("dependencies", views.DependencyViewSet, basename="dependency")
router.register("search", discovery.SearchViewSet, basename="search")
router.register("imports", interop.ImportViewSet, basename="import")

_similar_draft = views.PlatformViewSet.as_view(
    {"post": "similar_draft"},
    **views.PlatformViewSet.similar_draft.kwargs,  # its permissions and throttles, as routed
    basename="platform",
    detail=False,
)
_platform_writes = views.PlatformViewSet.as_view(
    {"put": "update", "patch": "partial_update", "delete": "destroy"},
    basename="platform",
    detail=True,
)


@csrf_exempt  # as every DRF view: authentication is by token or session, checked by DRF
def _similar_or_platform(request):
    """``platforms/similar/`` is the similar-draft action (POST; other reads answer 405 as
    before), but a change to it is a change to the platform whose slug is "similar" (a 404
    unless there is one), which the action's route would otherwise hide."""
    if request.method in ("PUT", "PATCH", "DELETE"):
        return _platform_writes(request, slug="similar")
    return _similar_draft(request)


urlpatterns = [
    path("v1/platforms/similar/", _similar_or_platform),
    path("v1/auth/token/", views.ObtainTokenView.as_view(), name="token"),
    path("v1/insights/", include(insights.urlpatterns)),
    path(
        "v1/platforms/<slug:slug>/original/",
        interop.OriginalDocumentView.as_view(),
        name="platform-original",
    ),
    path("v1/", include(router.urls)),
    path("v1/catalogue.jsonld", interop.CatalogueJSONLDView.as_view(), name="catalogue-jsonld"),
    # Any resource and extension, so that a wrong one is a 404 naming the right ones.
    re_path(
        r"^v1/exports/(?P<resource>[\s\S]*)\.(?P<extension>[^/.]*)\Z",
        interop.ExportView.as_view(),
        name="export",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from ?script, not inline (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    # Redoc styles itself with <style> elements it writes at run time (styled-components) and
    # runs its search index in a worker it builds from a blob: this page alone allows inline styles
    # and blob: workers; scripts stay 'self' only.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(
            RedocView.as_view(url_name="api:schema")
        ),
        name="redoc",
    ),
    # Last: any other path under /api/ ending in a slash (without one, APPEND_SLASH redirects).
    re_path(r"^(?P<path>.*/)$", views.not_found, name="not-found"),
]
