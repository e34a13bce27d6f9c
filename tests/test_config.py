"""Configuration from PANEL_* variables, and what production refuses."""

from __future__ import annotations

import pytest

from panel_service import create_app
from panel_service.config import DEMO_SECRET_KEY, Config, ConfigError

STRONG = "k" * 40


def test_defaults_describe_the_city_panel():
    config = Config.from_env({})
    assert (config.PANEL_SIZE, config.MAJORITY, config.GOVERNMENT_QUOTA, config.VOTING_HOURS) == (
        5,
        3,
        2,
        72,
    )
    assert config.TIMEZONE == "Asia/Shanghai" and config.ENV == "development"
    assert config.SECRET_KEY == DEMO_SECRET_KEY


def test_values_come_from_the_environment():
    config = Config.from_env(
        {"PANEL_PANEL_SIZE": "7", "PANEL_MAJORITY": "4", "PANEL_SECRET_KEY_FALLBACKS": "a, b"}
    )
    assert (config.PANEL_SIZE, config.MAJORITY, config.SECRET_KEY_FALLBACKS) == (7, 4, ["a", "b"])


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PANEL_ENV": "production"}, "required in production"),
        ({"PANEL_ENV": "production", "PANEL_SECRET_KEY": DEMO_SECRET_KEY}, "not the demo key"),
        ({"PANEL_ENV": "production", "PANEL_SECRET_KEY": "short"}, "at least 32"),
        ({"PANEL_MAJORITY": "2"}, "strict majority"),
        ({"PANEL_MAJORITY": "6"}, "strict majority"),
        ({"PANEL_PANEL_SIZE": "five"}, "must be an integer"),
        ({"PANEL_ENV": "staging"}, "PANEL_ENV"),
        ({"PANEL_VOTING_HOURS": "0"}, "positive"),
    ],
)
def test_unsafe_settings_are_refused(environ, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(environ)


def test_production_starts_with_a_real_secret(tmp_path, signing_key_file):
    config = Config.from_env(
        {
            "PANEL_ENV": "production",
            "PANEL_SECRET_KEY": STRONG,
            "PANEL_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
            "PANEL_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15",
            "PANEL_AUDIT_SIGNING_KEY_FILE": signing_key_file,
        }
    )
    app = create_app(config)
    assert app.config["SECRET_KEY"] == STRONG
    app.extensions["panel_engine"].dispose()


def test_production_refuses_to_start_without_the_checkpoint_signing_key(tmp_path):
    environ = {
        "PANEL_ENV": "production",
        "PANEL_SECRET_KEY": STRONG,
        "PANEL_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15",
    }
    with pytest.raises(ConfigError, match="PANEL_AUDIT_SIGNING_KEY_FILE is required"):
        Config.from_env(environ)
    missing = {**environ, "PANEL_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "nope.pem")}
    with pytest.raises(ConfigError, match="is not a file"):
        Config.from_env(missing)


def test_production_app_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.setenv("PANEL_ENV", "production")
    monkeypatch.delenv("PANEL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()
