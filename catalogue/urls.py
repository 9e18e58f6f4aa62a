from django.contrib import admin
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For the container's health check: the app answers and the database is reachable."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


admin.site.site_header = "Cross-government platform catalogue"
admin.site.site_title = "Platform catalogue"
admin.site.index_title = "Register and maintain platforms"
# The index with the headline figures (platforms/selectors/dashboard.py). A name of its own:
# django.contrib.admin comes first in INSTALLED_APPS, so its admin/index.html would win.
admin.site.index_template = "admin/catalogue_index.html"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    # The public catalogue pages (GOV.UK Design System): /, /search/, /platforms/{slug}/...
    path("", include("catalogue.web.urls")),
]

handler404 = "catalogue.web.views.page_not_found"
handler500 = "catalogue.web.views.server_error"
