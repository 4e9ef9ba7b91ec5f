"""schemathesis against our OpenAPI schema: every operation, authenticated as an owner, in-process on the WSGI app
with a real database. No server errors and no response that the schema does not describe.

Generated ids and foreign keys are pointed at real rows of the caller's organization (half of the time), so the
cases reach the success paths and not only the 404s; each test has its own database, so deletes are harmless.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.campaigns.api.rows import add_rows
from tests.factories import UserFactory

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Body and query fields that name rows: a generated number would almost always be "does not exist".
FOREIGN_KEYS = {
    "organization": "organizations",
    "campaign": "campaigns",
    "ad_group": "ad-groups",
    "user": "memberships",
}
MAX_EXAMPLES = 12


def load_schema() -> schemathesis.BaseSchema:
    """The schema the app serves at /api/schema/, made by the same generator: the endpoint answers only a signed-in
    user, and at collection there is no database to hold a token (generated without touching the database)."""
    config = schemathesis.Config.from_dict(
        {
            "generation": {"mode": "positive", "max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    )
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)), config=config)
    loaded.app, loaded.location = get_wsgi_application(), "/api/schema/"
    return loaded


# Loaded at collection so that each operation is its own test, with its own database.
schema = load_schema()


@pytest.fixture
def in_process():
    """As Django's test client does: a request's start and end must not close the test's connection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def account(in_process, organization, owner, other_organization):
    """A small account like the demo's: two of everything, an owner's token and the ids to aim at."""
    cache.clear()  # throttle counters from earlier tests
    rows = add_rows(organization, 2, owner)
    add_rows(other_organization, 1, UserFactory(username="competidor-owner"))
    ids = {prefix: [row.pk for row in found] for prefix, found in rows.items()}
    ids["organizations"] = [organization.pk]
    ids["memberships"] = [m.user_id for m in rows["memberships"]]  # "user" fields take user ids
    return {"token": AuthToken.objects.create(user=owner)[1], "ids": ids}


def aim_at_rows(case: schemathesis.Case, ids: dict[str, list[int]]) -> None:
    """Point even generated ids at real rows (chosen by the generated value, so hypothesis can still shrink)."""
    resource = case.operation.path.removeprefix("/api/").split("/")[0]
    if "id" in (case.path_parameters or {}) and resource in ids:
        candidates = ids[resource]
        generated = case.path_parameters["id"]
        if isinstance(generated, int) and generated % 2 == 0:
            case.path_parameters["id"] = candidates[generated // 2 % len(candidates)]
    for container in (case.query, case.body if isinstance(case.body, dict) else None):
        if not container:
            continue
        for field, prefix in FOREIGN_KEYS.items():
            value = container.get(field)
            if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
                container[field] = ids[prefix][value % len(ids[prefix])]


@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    max_examples=MAX_EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@pytest.mark.backend_independent  # the API's documents are the same on any database: PostgreSQL's stage checks them
@pytest.mark.django_db
def test_every_operation_conforms_to_the_schema(case, account):
    aim_at_rows(case, account["ids"])
    case.call_and_validate(headers={"Authorization": f"Token {account['token']}"}, checks=CHECKS)


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    """drf-spectacular validates the schema and fails on any warning (an unguessable view, a clashing enum)."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.0.3\n")
