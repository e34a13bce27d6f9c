"""Who may get in: staff, department and admin accounts; the hotline platform's API keys
and idempotency records; panelists' signed one-time links.

May import: nothing but the foundations.
"""
