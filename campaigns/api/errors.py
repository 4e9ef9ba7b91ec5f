"""Every API error is JSON: hostile bodies (nested too deep, too large) and Django's own 400/403/404/500 pages.

DRF answers its own exceptions in JSON; what it does not know (a RecursionError from the JSON scanner, Django's
RequestDataTooBig when the body passes DATA_UPLOAD_MAX_MEMORY_SIZE) reached Django's HTML error pages, or a 500.
The handlers below keep HTML for the marketer's pages and answer JSON under /api/ (config/urls.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


def too_big_detail() -> str:
    return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes, the most the API reads."


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": too_big_detail()}, status=400)
    return drf_exception_handler(exc, context)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    detail = too_big_detail() if isinstance(exception, RequestDataTooBig) else "Bad request."
    return JsonResponse({"detail": detail}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not _is_api(request):
        return defaults.server_error(request)
    return JsonResponse({"detail": "Server error."}, status=500)
