"""Texts and webhooks, written to the outbox with what causes them and sent by the worker.

``outbox`` (queue and claim; quiet hours), ``fence`` (the claim that guards a send),
``results`` (sent, retried, waiting, given up), ``content`` (what a text says: its kind and
parameters), ``worker`` (the loop: sweep deadlines, send, record), ``keeper`` (its pass for the
public record: epochs, beacon draws, checkpoints), ``sending`` (the SMS
path: route, look up a lost answer, send, poll receipts), ``providers`` (their order,
health and failover), ``delivery`` (what a send or a provider's receipt means),
``webhooks`` (outcome webhooks), ``messages`` (the texts and the templates to register),
``clients/sms/`` (one client per SMS provider, chosen by configuration in its ``__init__``).

May import: access, appeals, membership, panel, record.
"""
