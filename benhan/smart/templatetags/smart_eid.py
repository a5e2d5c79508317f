from __future__ import annotations

from django import template

from benhan.smart.eid import config

register = template.Library()


@register.simple_tag
def eid_name() -> str:
    """The e-ID provider's name when login through it is configured, else empty (no button)."""
    cfg = config()
    return cfg.name if cfg else ""
