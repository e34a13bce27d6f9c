"""Clients of the providers the service talks to; ``sms/`` holds one per SMS provider."""
