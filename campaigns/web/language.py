"""The UI language per person: the switcher saves it, and every signed-in request speaks it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from campaigns.models import UserPreference

SESSION_KEY = "user_language"  # (user id, language) read once per session, so a request costs no query


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect to ``next``), and for a signed-in user their saved preference."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        UserPreference.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = [request.user.pk, language]
    return response


def saved_language(request: HttpRequest) -> str | None:
    """The signed-in user's saved language (None without one), from the session or else the database."""
    if not request.user.is_authenticated:
        return None
    cached = request.session.get(SESSION_KEY)
    if not cached or cached[0] != request.user.pk:
        preference = UserPreference.objects.filter(user=request.user).values_list("language", flat=True).first()
        cached = [request.user.pk, preference]
        request.session[SESSION_KEY] = cached
    return cached[1]


class UserLanguageMiddleware:
    """After authentication: a signed-in user's saved language wins over the cookie and the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = saved_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
