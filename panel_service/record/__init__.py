"""The record of every step: the audit trail's hash chains, one per appeal and one for
membership.

May import: nothing but the foundations.
"""
