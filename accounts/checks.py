"""System checks of the account security settings (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_proxy_addresses(app_configs=None, **kwargs) -> list[Warning]:
    """``accounts.W001``: behind a TLS proxy (``BEHIND_TLS_PROXY``) with ``NUM_PROXIES`` = 0 every
    client has the proxy's address, so the login lockout (per username and address) and the
    per-address throttles would treat everyone as one client: anyone could lock a user out."""
    if getattr(settings, "BEHIND_TLS_PROXY", False) and settings.NUM_PROXIES <= 0:
        return [
            Warning(
                "BEHIND_TLS_PROXY is set but NUM_PROXIES is 0: every client would have the proxy's address, "
                "so anyone's failed logins would lock everyone out of that username and one throttle would "
                "hold for all clients.",
                hint="Set NUM_PROXIES to the number of proxies in front of Django that append to "
                "X-Forwarded-For (1 behind deploy/nginx.conf).",
                id="accounts.W001",
            )
        ]
    return []
