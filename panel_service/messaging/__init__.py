"""Texts and webhooks, written to the outbox with what causes them and sent by the worker.

``outbox`` (queue, claim, fence, retry), ``worker`` (the loop: sweep deadlines, send, record),
``keeper`` (the worker's pass for the public record: epochs, beacon draws, checkpoints),
``delivery`` (what a send or a provider's receipt means), ``webhooks`` (outcome webhooks),
``messages`` (the texts), ``clients/sms/`` (one client per SMS provider, chosen by
configuration in its ``__init__``).

May import: access, appeals, membership, panel, record.
"""
