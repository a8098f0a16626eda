"""Escalations are shown by who holds them ("Head of PDU"), never as "Level 2"."""

from functools import cache

from django import template

from safeguard.referrals.catalogue import escalation_ladder

register = template.Library()


@cache
def _labels() -> dict[int, str]:
    return {level: entry["label"] for level, entry in escalation_ladder().items()}


@register.filter
def escalation_holder(level) -> str:
    """``{{ escalation.level|escalation_holder }}``: the role that holds that step of the
    ladder, as people say it ("Senior probation officer", "Head of PDU")."""
    try:
        return _labels()[int(level)]
    except (KeyError, TypeError, ValueError):
        return "Not known"
