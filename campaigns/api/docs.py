"""The API's docs page for signed-in users; a signed-out visitor gets the sign-in page (a browser) or a JSON 401
(anything else), where drf-spectacular's HTML renderer answered a bare text "401 Unauthorized"."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated


class ApiDocsView(SpectacularSwaggerSplitView):
    # DRF finalizes any HttpResponse, not only its own Response (a redirect to the sign-in page here)
    def handle_exception(self, exc: Exception) -> HttpResponse:  # type: ignore[override]
        if not isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return super().handle_exception(exc)
        # A browser opening the page asks for HTML first; its start-up script (?script) and API clients do not.
        wants_page = "script" not in self.request.GET and "text/html" in self.request.headers.get("Accept", "")
        if wants_page:
            return redirect_to_login(self.request.get_full_path())
        answer = super().handle_exception(exc)  # the API's error body and its WWW-Authenticate header
        response = JsonResponse(answer.data, status=answer.status_code)
        if "WWW-Authenticate" in answer:
            response["WWW-Authenticate"] = answer["WWW-Authenticate"]
        return response
