"""The API: version 1 under /api/v1/, its OpenAPI schema and the documentation that reads it."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import discovery, interop, views

app_name = "api"

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("capabilities", views.CapabilityViewSet, basename="capability")
router.register("standards", views.StandardViewSet, basename="standard")
router.register("platforms", views.PlatformViewSet, basename="platform")
router.register("adoptions", views.AdoptionViewSet, basename="adoption")
router.register("dependencies", views.DependencyViewSet, basename="dependency")
router.register("search", discovery.SearchViewSet, basename="search")
router.register("imports", interop.ImportViewSet, basename="import")

urlpatterns = [
    path("v1/auth/token/", views.ObtainTokenView.as_view(), name="token"),
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
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Last: any other path under /api/ ending in a slash (without one, APPEND_SLASH redirects).
    re_path(r"^(?P<path>.*/)$", views.not_found, name="not-found"),
]
