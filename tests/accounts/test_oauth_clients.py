"""OAuth2 client credentials: `benhan client create`, POST /oauth2/token, scope narrowing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from benhan.accounts.clients import create_client
from benhan.accounts.scopes import scope_covers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings) -> None:
    # Client secrets are hashed like passwords; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token(client_id: str, secret: str, scope: str | None = None):
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope is not None:
        data["scope"] = scope
    return Client().post("/oauth2/token", data)


def test_the_command_prints_a_client_id_and_secret_that_obtain_a_token() -> None:
    out = io.StringIO()
    call_command("oauth_client", "create", "--name", "HIS tỉnh", "--scope", "system/*.read", "--facility", "25001", stdout=out)
    fields = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    assert fields["facilities"] == "25001"
    response = token(fields["client_id"], fields["client_secret"], "system/*.read")
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer" and response.json()["scope"] == "system/*.read"


def test_a_token_works_on_fhir_and_is_bounded_by_the_profiles_facility() -> None:
    client = create_client("lab", "system/*.*", ["00001"])
    access = token(client.client_id, client.client_secret, "system/Patient.cruds").json()["access_token"]
    api = Client(headers={"Authorization": f"Bearer {access}"})
    created = api.post("/fhir/Patient", b'{"resourceType":"Patient"}', content_type="application/fhir+json")
    assert created.status_code == 201
    obs = b'{"resourceType":"Observation","status":"final","code":{"text":"x"}}'
    assert api.post("/fhir/Observation", obs, content_type="application/fhir+json").status_code == 403


def test_a_scope_beyond_the_profile_is_refused_invalid_scope() -> None:
    client = create_client("reader", "system/*.read", None)
    response = token(client.client_id, client.client_secret, "system/*.write")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_no_scope_requested_grants_what_the_profile_allows() -> None:
    client = create_client("reader", "system/*.read system/Patient.write", None)
    assert token(client.client_id, client.client_secret).json()["scope"].split() == ["system/*.read", "system/Patient.write"]


def test_a_wrong_secret_gets_no_token() -> None:
    client = create_client("reader", "system/*.read", None)
    assert token(client.client_id, "wrong").status_code == 401


def test_the_command_refuses_a_scope_that_is_not_smart() -> None:
    with pytest.raises(Exception, match="not a SMART scope"):
        call_command("oauth_client", "create", "--name", "x", "--scope", "everything", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("allowed", "requested", "covered"),
    [
        ("system/*.read", "system/Patient.read", True),
        ("system/*.read", "system/Patient.rs", True),
        ("system/*.rs", "system/Patient.read", True),
        ("system/*.read", "system/Patient.write", False),
        ("system/Patient.*", "system/Observation.read", False),
        ("user/*.*", "system/Patient.read", False),
        ("system/*.cruds", "system/Encounter.cud", True),
        ("openid", "openid", True),
    ],
)
def test_scope_narrowing(allowed: str, requested: str, covered: bool) -> None:
    assert scope_covers(allowed, requested) is covered
