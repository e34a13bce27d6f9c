"""Alibaba Cloud SMS codes and what each means for a text (no SDK import: receipts and the
registry read these without loading the SDK)."""

from __future__ import annotations

from ....enums import DeliveryStatus, SmsFault

# The provider's codes and what each means for the text (unknown codes are transient).
FAULTS: dict[str, SmsFault] = {
    # The number itself: marked failing, the seat goes to a substitute.
    "isv.MOBILE_NUMBER_ILLEGAL": SmsFault.NUMBER,
    "isv.BLACK_KEY_CONTROL_LIMIT": SmsFault.NUMBER,  # the number is on the blacklist
    # Rate limits and flow control: retried with backoff; the provider is fine.
    "isv.BUSINESS_LIMIT_CONTROL": SmsFault.THROTTLED,
    "Throttling": SmsFault.THROTTLED,
    "Throttling.User": SmsFault.THROTTLED,
    "Throttling.Api": SmsFault.THROTTLED,
    # Our account or configuration, not the panelist: the text waits, the provider is put
    # aside (and texts go to the next one) until an operator fixes it.
    **dict.fromkeys(
        (
            "isv.AMOUNT_NOT_ENOUGH",
            "isv.OUT_OF_SERVICE",
            "isv.PRODUCT_UN_SUBSCRIPT",
            "isv.PRODUCT_UNSUBSCRIBE",
            "isv.ACCOUNT_NOT_EXISTS",
            "isv.ACCOUNT_ABNORMAL",
            "isv.SMS_TEMPLATE_ILLEGAL",
            "isv.SMS_SIGNATURE_ILLEGAL",
            "isv.SMS_SIGN_ILLEGAL",
            "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
            "isv.SMS_CONTENT_ILLEGAL",
            "isv.INVALID_PARAMETERS",
            "isv.TEMPLATE_MISSING_PARAMETERS",
            "isv.INVALID_JSON_PARAM",
            "isv.PARAM_LENGTH_LIMIT",
            "isv.PARAM_NOT_SUPPORT_URL",
            "isv.MOBILE_COUNT_OVER_LIMIT",
            "isv.DAY_LIMIT_CONTROL",
            "isv.DENY_IP_RANGE",
            "isp.RAM_PERMISSION_DENY",
            "InvalidAccessKeyId.NotFound",
            "InvalidAccessKeyId.Inactive",
            "SignatureDoesNotMatch",
            "IncompleteSignature",
            "Forbidden.RAM",
            "InvalidCredentials",
        ),
        SmsFault.ACCOUNT,
    ),
    # The provider's own trouble: retried with backoff, counted against its health.
    "isp.SYSTEM_ERROR": SmsFault.TRANSIENT,
    "isv.SYSTEM_ERROR": SmsFault.TRANSIENT,
    "ServiceUnavailable": SmsFault.TRANSIENT,
    "InternalError": SmsFault.TRANSIENT,
}
# Delivery-report codes that condemn the number; carriers' other codes are retried.
PERMANENT_RECEIPT_CODES = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.BLACK_KEY_CONTROL_LIMIT"}
SEND_STATUS = {3: DeliveryStatus.DELIVERED, 2: DeliveryStatus.UNDELIVERED}  # 1: waiting


def fault_of(code: str | None) -> SmsFault:
    """What a provider code means; no code at all means the outcome is unknown."""
    if not code or code == "None":
        return SmsFault.UNKNOWN
    return FAULTS.get(code, SmsFault.TRANSIENT)


def is_permanent_code(code: str | None) -> bool:
    """Whether a delivery report's error code condemns the number."""
    return code in PERMANENT_RECEIPT_CODES
