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


ALIYUN = {
    "PANEL_SMS_BACKENDS": "aliyun,twilio",
    "PANEL_ALIYUN_ACCESS_KEY_ID": "LTAI5tExample", "PANEL_ALIYUN_ACCESS_KEY_SECRET": "s" * 30,
    "PANEL_ALIYUN_SIGN_NAME": "12345热线",
    "PANEL_ALIYUN_TEMPLATE_INVITATION": "SMS_1", "PANEL_ALIYUN_TEMPLATE_REMINDER": "SMS_2",
    "PANEL_ALIYUN_TEMPLATE_REPLACEMENT_INVITATION": "SMS_3",
    "PANEL_ALIYUN_TEMPLATE_WITHDRAWN_NOTICE": "SMS_4",
    "PANEL_TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "PANEL_TWILIO_AUTH_TOKEN": "t" * 32,
    "PANEL_TWILIO_FROM": "+15005550006",
}  # fmt: skip
PRODUCTION = {"PANEL_ENV": "production", "PANEL_SECRET_KEY": STRONG,
              "PANEL_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15"}  # fmt: skip


def test_the_mainland_defaults():
    config = Config.from_env({})
    assert (config.VOTING_WORKDAYS, config.VOTING_DEADLINE_TIME, config.REMINDER_TIME) == (
        3, "18:00", "09:00",
    )
    assert config.SMS_QUIET_HOURS == "21:00-08:00" and config.sms_backends == ["console"]


def test_providers_are_listed_in_order_with_their_settings():
    config = Config.from_env(ALIYUN)
    assert config.sms_backends == ["aliyun", "twilio"]
    assert config.sms_timeout == 10  # the longest of the two, for the worker's lease check


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"PANEL_ALIYUN_ACCESS_KEY_SECRET": ""}, "PANEL_ALIYUN_ACCESS_KEY_SECRET"),
        ({"PANEL_ALIYUN_SIGN_NAME": ""}, "PANEL_ALIYUN_SIGN_NAME"),
        ({"PANEL_ALIYUN_TEMPLATE_REMINDER": ""}, "PANEL_ALIYUN_TEMPLATE_REMINDER"),
        ({"PANEL_ALIYUN_PROTOCOL": "ftp"}, "https or http"),
        ({"PANEL_ALIYUN_TIMEOUT": "0"}, "between 1 and 60"),
        ({"PANEL_SMS_BACKENDS": "aliyun,aliyun"}, "each once"),
        ({"PANEL_SMS_BACKENDS": "aliyun,yunpian"}, "among"),
        ({"PANEL_SMS_QUIET_HOURS": "9pm-8am"}, "21:00-08:00"),
        ({"PANEL_VOTING_DEADLINE_TIME": "6pm"}, "time of day"),
        ({"PANEL_VOTING_WORKDAYS": "-1"}, "between 0"),
        ({"PANEL_SMS_COOLDOWN": "0"}, "positive"),
    ],
)
def test_incomplete_or_wrong_provider_settings_are_refused(changes, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env({**ALIYUN, **changes})


def test_production_refuses_aliyun_without_a_receipt_secret_or_over_http(signing_key_file):
    production = {**PRODUCTION, "PANEL_AUDIT_SIGNING_KEY_FILE": signing_key_file}
    with pytest.raises(ConfigError, match="PANEL_ALIYUN_RECEIPT_SECRET"):
        Config.from_env({**ALIYUN, **production})
    with pytest.raises(ConfigError, match="https in production"):
        Config.from_env({**ALIYUN, **production, "PANEL_ALIYUN_PROTOCOL": "http",
                         "PANEL_ALIYUN_RECEIPT_SECRET": "x" * 40})  # fmt: skip
    config = Config.from_env({**ALIYUN, **production, "PANEL_ALIYUN_RECEIPT_SECRET": "x" * 40})
    assert config.is_production


def test_the_hours_mode_keeps_its_reminder_check():
    with pytest.raises(ConfigError, match="PANEL_REMINDER_HOURS"):
        Config.from_env({"PANEL_VOTING_WORKDAYS": "0", "PANEL_REMINDER_HOURS": "80"})
    assert Config.from_env({"PANEL_REMINDER_HOURS": "80"}).VOTING_WORKDAYS == 3  # unused there
