from django.contrib import admin
from django.urls import include, path

from config import health

# Django's own error pages, in JSON under /api/ (campaigns/api/errors.py).
handler400 = "campaigns.api.errors.bad_request"
handler403 = "campaigns.api.errors.permission_denied"
handler404 = "campaigns.api.errors.page_not_found"
handler500 = "campaigns.api.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include("campaigns.api.urls")),
    path("", include("campaigns.urls")),
]
