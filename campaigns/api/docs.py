"""The API's docs pages (Swagger UI and ReDoc, from drf-spectacular-sidecar's files) for signed-in users; a
signed-out visitor gets the sign-in page (a browser) or a JSON 401 (anything else), where drf-spectacular's HTML
renderer answered a bare text "401 Unauthorized"."""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.views import APIView


class SignInFirst(APIView):
    """For a docs view: a browser is sent to the sign-in page, anything else gets the API's JSON 401."""

    def handle_exception(self, exc: Exception) -> HttpResponse:  # type: ignore[override]  # a redirect or JSON
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


class ApiDocsView(SignInFirst, SpectacularSwaggerSplitView):
    pass


@method_decorator(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}), name="dispatch")
class ApiRedocView(SignInFirst, SpectacularRedocView):
    """ReDoc draws with styled-components, which writes <style> elements at run time and offers no nonce from a
    prebuilt bundle, and builds its search index in a worker made from a blob: this one page allows inline styles
    and blob workers (scripts stay our own files). It shows only our schema. Its footer's logo, an image from
    Redocly's CDN, is refused: the page makes no request outside the site."""
