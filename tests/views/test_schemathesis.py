"""schemathesis against /api/v1/openapi.json, in process: no 5xx, every answer as documented."""

from __future__ import annotations

import subprocess

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from panel_service import create_app

from .. import procs

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzzed_app(config, engine, pool, department, api_key):
    """The app with a panel to draw from; rate limits off (they have their own tests)."""
    config.RATELIMIT_ENABLED = False
    app = create_app(config)
    yield app
    app.extensions["panel_engine"].dispose()


@pytest.fixture
def operations(fuzzed_app):
    """Every operation the API documents, loaded from its own /api/v1/openapi.json."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in found} >= {"/appeals", "/appeals/{reference}", "/departments"}
    return found


def _fuzz(operation, mode, check):
    @settings(
        max_examples=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        check(case)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_the_api_never_fails_and_answers_as_documented(operations, api_key, mode):
    headers = {"Authorization": f"Bearer {api_key}"}
    for operation in operations:
        _fuzz(operation, mode, lambda case: case.call_and_validate(headers=headers, checks=CHECKS))


def test_without_a_key_every_operation_but_the_spec_is_401(operations):
    def check(case):
        response = case.call()
        if case.operation.path == "/openapi.json":
            assert response.status_code == 200
        else:
            assert response.status_code == 401, (case.method, case.formatted_path)
            assert response.json()["error"] == "unauthorized"

    for operation in operations:
        _fuzz(operation, GenerationMode.POSITIVE, check)


@pytest.mark.slow
def test_schemathesis_checks_all_against_a_live_server_finds_no_failure(fuzzed_app, api_key):
    """The issue's run: `schemathesis run --checks all` (4.x) over HTTP, with a valid key."""
    with procs.serve(fuzzed_app) as base:
        result = subprocess.run(
            [str(procs.BIN / "schemathesis"), "run", f"{base}/api/v1/openapi.json",
             "--checks", "all", "--max-examples", "30", "--seed", "12345",
             "--generation-database", "none", "--workers", "1", "--no-color",
             "--request-timeout", "10", "-H", f"Authorization: Bearer {api_key}"],
            capture_output=True, text=True, timeout=600, cwd=procs.PROJECT_ROOT,
        )  # fmt: skip
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert "0 failures" in summary or "No issues found" in summary, summary
