"""What the domain raises when it says no: a code from ``enums.Refusal``, never a sentence.

The views word every code through one table (``views/wording.py``), in Chinese or English.
"""

from __future__ import annotations

from .enums import Refusal


class Refused(Exception):
    """The operation may not happen now; ``code`` says why."""

    def __init__(self, code: Refusal, **params):
        super().__init__(str(code))
        self.code = Refusal(code)
        self.params = params


class Invalid(Exception):
    """Field-by-field problems with input: each field's ``Refusal`` code."""

    def __init__(self, errors: dict[str, Refusal]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = {field: Refusal(code) for field, code in errors.items()}
