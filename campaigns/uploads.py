"""The upload size limit, enforced from the request's Content-Length before any code reads the body.

Under WSGI the body Django reads is capped at Content-Length (a body without one reads as empty), so refusing on
the declared length bounds every upload: a 300 MB file costs neither memory, nor disk, nor a worker's minutes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

MB = 1024 * 1024


def upload_limit_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * MB


def too_large_message(length: int) -> str:
    return (
        f"The upload is {length / MB:,.1f} MB; the limit is {settings.IMPORT_MAX_UPLOAD_MB} MB. Split the "
        "report into shorter date ranges, or ask the administrator to raise IMPORT_MAX_UPLOAD_MB."
    )


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= upload_limit_bytes():
            return self.get_response(request)
        message = too_large_message(length)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return HttpResponse(
            f"<!doctype html><title>Upload too large</title><h1>Upload too large</h1>"
            f'<p>{escape(message)}</p><p><a href="javascript:history.back()">Back</a></p>',
            status=413,
        )
