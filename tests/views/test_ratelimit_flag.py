"""PANEL_RATELIMIT_ENABLED: on by default; off only for the load benchmarks."""

from __future__ import annotations

import dataclasses

import pytest

from panel_service import create_app
from panel_service.config import Config

FORGED = "/v/AAAAAAAAAAAAAAAA.AAAAAA.AAAAAAAAAAAAAAAA"


def test_the_flag_reads_from_the_environment():
    assert Config.from_env({}).RATELIMIT_ENABLED is True
    assert Config.from_env({"PANEL_RATELIMIT_ENABLED": "false"}).RATELIMIT_ENABLED is False


@pytest.mark.parametrize(("enabled", "limited"), [(True, True), (False, False)])
def test_the_flag_turns_the_limits_on_and_off(config, engine, enabled, limited):
    app = create_app(dataclasses.replace(config, RATELIMIT_ENABLED=enabled))
    client = app.test_client()
    # A fresh address per case, so one case's failed look-ups never count in the other.
    environ = {"REMOTE_ADDR": f"198.51.100.{10 + enabled}"}
    codes = [client.get(FORGED, environ_base=environ).status_code for _ in range(12)]
    app.extensions["panel_engine"].dispose()
    assert codes[0] == 404
    assert (429 in codes) is limited
