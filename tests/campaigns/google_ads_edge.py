"""The Google Ads network edge, replaced: the OAuth token endpoint (HTTP) and the gRPC channel.

Everything between our code and these two is the real ``google-ads`` library: the client, its interceptors (which
add the developer token and raise ``GoogleAdsException``), the service clients and the protobuf serialization. The
fake channel records each call as the bytes that would have gone on the wire, parsed back into the library's types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import grpc
import pytest

VERSION = "v26"
FAILURE_KEY = f"google.ads.googleads.{VERSION}.errors.googleadsfailure-bin"


@dataclass
class Call:
    method: str  # e.g. "GoogleAdsService/Mutate"
    request: object  # the request parsed back from its wire bytes
    metadata: dict[str, str]


@dataclass
class GoogleAdsEdge:
    calls: list[Call] = field(default_factory=list)
    token_requests: list[bytes] = field(default_factory=list)
    responses: dict[str, object] = field(default_factory=dict)  # method -> response message (or a RefusedCall)

    def types(self, module: str) -> object:
        import importlib

        return importlib.import_module(f"google.ads.googleads.{VERSION}.services.types.{module}")


class _Call(grpc.Call):
    """What a finished unary call answers, beyond its result."""

    request_id = "fake-request-1"

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.OK

    def details(self) -> str:
        return ""

    def trailing_metadata(self) -> tuple:
        return (("request-id", self.request_id),)

    def initial_metadata(self) -> tuple:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> None:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: object) -> bool:
        return False


class RefusedCall(grpc.RpcError, _Call):
    """Google's answer to a bad request: INVALID_ARGUMENT with a GoogleAdsFailure in the trailing metadata."""

    def __init__(self, messages: list[str], request_id: str = "fake-request-7") -> None:
        from google.ads.googleads.v26.errors.types import errors

        self.failure = errors.GoogleAdsFailure(errors=[errors.GoogleAdsError(message=m) for m in messages])
        self.request_id = request_id

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.INVALID_ARGUMENT

    def details(self) -> str:
        return "Request contains an invalid argument."

    def trailing_metadata(self) -> tuple:
        return ((FAILURE_KEY, type(self.failure).serialize(self.failure)), *super().trailing_metadata())

    def exception(self, timeout: float | None = None) -> BaseException:
        return self

    def result(self, timeout: float | None = None) -> object:
        raise self

    def traceback(self, timeout: float | None = None) -> None:
        return None


class _Channel(grpc.Channel):
    def __init__(self, edge: GoogleAdsEdge) -> None:
        self.edge = edge

    def unary_unary(self, method, request_serializer=None, response_deserializer=None, *args, **kwargs):
        edge, name = self.edge, method.rsplit(".", 1)[-1]  # ".../v26.services.GoogleAdsService/Mutate"

        class Stub:
            def with_call(self, request, timeout=None, metadata=None, **kwargs):
                wire = request_serializer(request)
                service, rpc = name.split("/")
                module = edge.types({"GoogleAdsService": "google_ads_service"}[service])
                parsed = getattr(module, f"{rpc}GoogleAdsRequest").deserialize(wire)
                edge.calls.append(Call(name, parsed, dict(metadata or ())))
                answer = edge.responses.get(name) or getattr(module, f"{rpc}GoogleAdsResponse")()
                if isinstance(answer, RefusedCall):
                    raise answer
                response = response_deserializer(type(answer).serialize(answer))
                return response, _Call()

            def __call__(self, request, **kwargs):
                return self.with_call(request, **kwargs)[0]

        return Stub()

    def unary_stream(self, *args, **kwargs):
        raise AssertionError("no streaming calls expected")

    stream_unary = stream_stream = unary_stream

    def subscribe(self, callback, try_to_connect=False):
        return None

    def unsubscribe(self, callback):
        return None

    def close(self) -> None:
        return None


@pytest.fixture
def google_ads_edge(monkeypatch: pytest.MonkeyPatch) -> GoogleAdsEdge:
    """Replace Google's OAuth endpoint and gRPC channel; returns what reached them."""
    from google.ads.googleads import oauth2
    from google.api_core import grpc_helpers

    edge = GoogleAdsEdge()

    class TokenResponse:
        status = 200
        headers = {"content-type": "application/json"}
        data = json.dumps({"access_token": "fake-access-token", "expires_in": 3600, "token_type": "Bearer"}).encode()

    class TokenEndpoint:
        def __init__(self, **kwargs: object) -> None:
            pass

        def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
            edge.token_requests.append(body)
            return TokenResponse()

    monkeypatch.setattr(oauth2, "Request", TokenEndpoint)
    monkeypatch.setattr(grpc_helpers, "create_channel", lambda *args, **kwargs: _Channel(edge))
    return edge
