"""The SMS providers' settings: which providers, and what each needs before it may send.

Kept apart from ``config`` because the providers' rules (Twilio's and Alibaba Cloud's keys,
templates, timeouts, the receipt secret) grow with each provider; ``config`` raises what
``sms_settings_problem`` finds.
"""

from __future__ import annotations

SMS_BACKENDS = ("console", "file", "twilio", "aliyun")
# One Alibaba Cloud template code per message kind: PANEL_ALIYUN_TEMPLATE_<KIND>.
ALIYUN_TEMPLATE_SETTINGS = (
    "ALIYUN_TEMPLATE_INVITATION",
    "ALIYUN_TEMPLATE_REMINDER",
    "ALIYUN_TEMPLATE_REPLACEMENT_INVITATION",
    "ALIYUN_TEMPLATE_WITHDRAWN_NOTICE",
)


def sms_settings_problem(config) -> str | None:
    """What is wrong with the providers' settings of ``config`` (a Config), or None."""
    names = config.sms_backends
    if any(name not in SMS_BACKENDS for name in names) or len(set(names)) != len(names):
        return (
            f"PANEL_SMS_BACKENDS (or PANEL_SMS_BACKEND) must name providers among "
            f"{', '.join(SMS_BACKENDS)}, each once"
        )
    if "aliyun" in names:
        problem = _aliyun_problem(config)
        if problem:
            return problem
    if config.SMS_FAILOVER_AFTER < 1 or config.SMS_COOLDOWN < 1:
        return "PANEL_SMS_FAILOVER_AFTER and PANEL_SMS_COOLDOWN must be positive"
    if "twilio" in names:
        if not (config.TWILIO_ACCOUNT_SID and config.TWILIO_AUTH_TOKEN):
            return "the twilio backend needs PANEL_TWILIO_ACCOUNT_SID and PANEL_TWILIO_AUTH_TOKEN"
        if not (config.TWILIO_FROM or config.TWILIO_MESSAGING_SERVICE_SID):
            return (
                "the twilio backend needs PANEL_TWILIO_FROM or "
                "PANEL_TWILIO_MESSAGING_SERVICE_SID"
            )
    if not 0 < config.TWILIO_TIMEOUT <= 60:
        return "PANEL_TWILIO_TIMEOUT must be between 1 and 60 seconds"
    return None


def _aliyun_problem(config) -> str | None:
    # Secrets come from the environment only, like every setting; none has a default.
    missing = [
        f"PANEL_{name}"
        for name in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "ALIYUN_SIGN_NAME")
        + ALIYUN_TEMPLATE_SETTINGS
        if not getattr(config, name)
    ]
    if missing:
        return f"the aliyun SMS backend needs {', '.join(missing)}"
    if config.ALIYUN_PROTOCOL not in {"https", "http"}:
        return "PANEL_ALIYUN_PROTOCOL must be https or http"
    if not 0 < config.ALIYUN_TIMEOUT <= 60:
        return "PANEL_ALIYUN_TIMEOUT must be between 1 and 60 seconds"
    if config.ALIYUN_POLL_AFTER < 60:
        return "PANEL_ALIYUN_POLL_AFTER must be at least 60 seconds"
    if config.is_production:
        if config.ALIYUN_PROTOCOL != "https":
            return "PANEL_ALIYUN_PROTOCOL must be https in production"
        if len(config.ALIYUN_RECEIPT_SECRET) < 32:
            return (
                "PANEL_ALIYUN_RECEIPT_SECRET of 32+ random characters is required in "
                "production (it guards the receipt URL)"
            )
    return None
