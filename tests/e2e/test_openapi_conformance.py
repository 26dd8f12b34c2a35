"""Schemathesis: the emulator's control API against the control API's own OpenAPI spec.

Checks run: not_a_server_error, status_code_conformance, content_type_conformance and
response_schema_conformance. Skipped, on purpose:
- positive_data_acceptance: schema-valid bodies may still name organisations or
  container-registry profiles that do not exist; the real API answers those with a
  400 field error, and so does the emulator.
- the behavioural checks (ignored_auth, use_after_free, …): outside "does the emulator
  answer in the documented shapes", which is what this suite is for; auth is covered
  by the emulator's own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from doover_tui.emulator.app import Emulator, EmulatorConfig
from tests.emulator_fixtures import AUTH, TOKEN

SPEC = Path(__file__).resolve().parents[3] / "shared" / "doover-api" / "control-openapi-subset.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

EMULATOR = Emulator(EmulatorConfig(token=TOKEN, simulate=False))


def _known_ids() -> dict[str, str]:
    db = EMULATOR.db
    device, tunnel = next((body["device"]["id"], body["id"]) for body in db.list_objects("tunnel"))
    return {
        "device": device,
        "tunnel": tunnel,
        "application": db.list_objects("application")[0]["id"],
        "user": EMULATOR.control.user_id,
    }


KNOWN = _known_ids()

schema = schemathesis.openapi.from_path(SPEC)
schema.app = EMULATOR.asgi
schema.config.generation.update(modes=[GenerationMode.POSITIVE], max_examples=12, with_security_parameters=False)
schema.config.phases.update(phases=["examples", "fuzzing"])


@schema.hook
def map_path_parameters(ctx: Any, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Use ids that exist, so the 200 responses are exercised, not only 404s."""
    if not path_parameters:
        return path_parameters
    path: str = ctx.operation.path
    if "parent_lookup_device" in path_parameters:
        path_parameters["parent_lookup_device"] = KNOWN["device"]
    if "id" in path_parameters:
        kind = (
            "tunnel"
            if "tunnels" in path
            else "application"
            if "applications" in path
            else "user"
            if "users" in path
            else "device"
        )
        path_parameters["id"] = KNOWN[kind]
    return path_parameters


@schema.hook
def map_headers(ctx: Any, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop generated X-Doover-Organisation values: random ids are (correctly) refused with 403 everywhere."""
    if headers:
        headers.pop("X-Doover-Organisation", None)
    return headers


@schema.hook
def map_query(ctx: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop generated page numbers: past the last page is (correctly) a 404 every time."""
    if query:
        query.pop("page", None)
    return query


@pytest.fixture(scope="module", autouse=True)
def close_emulator() -> Iterator[None]:
    yield
    EMULATOR.close()


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_control_api_matches_its_openapi_spec(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)
