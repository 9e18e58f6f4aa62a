from django.contrib import admin
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A front door: what the catalogue holds, what is most reused, and where to go next."""
    from platforms.models import Adoption, Organisation, Platform

    published = Platform.objects.published()
    context = {
        "platform_count": published.count(),
        "organisation_count": Organisation.objects.active().count(),
        "adoption_count": Adoption.objects.filter(platform__in=published).count(),
        # Only platforms someone reuses, never a retired one: a headline, not a padded list.
        "most_reused": published.exclude(phase="retired")
        .for_listing()
        .filter(reuse_count__gt=0)
        .order_by("-reuse_count", "sort_name")[:10],
    }
    return render(request, "catalogue/home.html", context)


admin.site.site_header = "Cross-government platform catalogue"
admin.site.site_title = "Platform catalogue"
admin.site.index_title = "Register and maintain platforms"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]
