"""API tokens for scripts (django-rest-knox): a new expiring token per login, revoked by logout or logout-all.

Login runs under django-axes (failed attempts counted per username+address, then 429) and the "auth" throttle.
Each script request is then checked by campaigns/api/authentication.py."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.api.authentication import TokenAuthentication
from campaigns.services.api_tokens import forget_expired_tokens

TOKEN = inline_serializer("ApiToken", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()})


class TokenLoginView(knox_views.LoginView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_scope = "auth"

    @extend_schema(request=AuthTokenSerializer, responses={200: TOKEN}, summary="Log in: a new expiring token")
    def post(self, request: Request, format: str | None = None) -> Response:
        # axes marks a locked-out attempt on the request it is given and its middleware answers 429; the
        # middleware sees Django's request, not DRF's wrapper, so that is the one authenticate() must get.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = request.user = serializer.validated_data["user"]
        forget_expired_tokens(user)
        return super().post(request, format=format)


class TokenLogoutView(knox_views.LogoutView):
    authentication_classes = (TokenAuthentication,)  # knox's views name knox's own

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token of this request")
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format=format)


class TokenLogoutAllView(knox_views.LogoutAllView):
    authentication_classes = (TokenAuthentication,)

    @extend_schema(request=None, responses={204: None}, summary="Revoke every token of this user")
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format=format)
