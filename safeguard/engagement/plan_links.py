"""Sending a person their own safety plan by a single-use link, by text or email.

The same machinery as a check-in link (``checkins.py``): 32 random bytes in the link, only
their SHA-256 stored, the link in the Notify outbox only until the message is final (a secret
field). The link works once: the first opening shows the plan and uses it up, so that a phone
shared with someone else does not keep showing it. It also expires."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.assessments.models import SafetyPlan, SafetyPlanStatus
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.engagement.audit import SafetyPlanLinkEvent
from safeguard.engagement.checkins import link_message_enqueue, link_recipient, token_hash
from safeguard.engagement.models import SafetyPlanLink, SafetyPlanLinkStatus
from safeguard.notify.models import MessageKind
from safeguard.people.deaths import not_deceased
from safeguard.people.gate import person_change

LINK_HOURS = 72


def safety_plan_link(token: str) -> str:
    return f"{settings.SAFEGUARD_PUBLIC_URL}/safety-plan/{token}"


def safety_plan_link_send(
    *, person_id: int, channel: str, actor, audit_channel: str = Channel.WEB, now=None
) -> SafetyPlanLink:
    """Queue a link to the person's current safety plan, by text (``sms``) or ``email``."""
    now = now or timezone.now()
    if channel not in ("sms", "email"):
        raise ValidationError({"channel": ["Choose text message or email"]})
    with person_change(actor=actor, person_id=person_id, channel=audit_channel) as change:
        person = change.person
        plan = SafetyPlan.objects.filter(person=person, status=SafetyPlanStatus.ACTIVE).first()
        if plan is None:
            raise ValidationError({"channel": ["Write a safety plan with the person first"]})
        recipient = link_recipient(person, channel)
        token = secrets.token_urlsafe(32)
        link = SafetyPlanLink.objects.create(
            person=person,
            plan=plan,
            token_hash=token_hash(token),
            channel=channel,
            created_by=actor,
            expires_at=now + timedelta(hours=LINK_HOURS),
        )
        link_message_enqueue(
            person=person,
            record=link,
            kind=MessageKind.SAFETY_PLAN,
            template_prefix="safety_plan_link",
            channel=channel,
            recipient=recipient,
            link=safety_plan_link(token),
            now=now,
            topic=f"safety_plan_link:{link.pk}",
        )
        change.record(
            SafetyPlanLinkEvent.SENT,
            record=link,
            new={"channel": channel, "plan_version": plan.version},
        )
    link.token = token  # kept only in memory, for the caller
    return link


def _usable(token: str, now):
    return SafetyPlanLink.objects.filter(
        token_hash=token_hash(token),
        status=SafetyPlanLinkStatus.SENT,
        expires_at__gt=now,
        plan__status=SafetyPlanStatus.ACTIVE,
    ).filter(not_deceased("person_id"))


def safety_plan_link_valid(token: str, *, now=None) -> bool:
    """Whether the link would still open a plan (without using it up)."""
    if not token or len(token) > 100:
        return False
    return _usable(token, now or timezone.now()).exists()


def safety_plan_open(token: str, *, now=None) -> SafetyPlan | None:
    """The plan this link shows, using the link up; None if unknown, used, expired, the plan
    replaced since, or the person has died (all alike, to the person)."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            _usable(token, now).select_for_update().select_related("plan__person", "person").first()
        )
        if link is None:
            return None
        link.status = SafetyPlanLinkStatus.OPENED
        link.opened_at = now
        link.save(update_fields=["status", "opened_at"])
        access_log_record(
            actor=None,
            action=Action.VIEW_PERSON,
            channel=Channel.WEB,
            person=link.person,
            detail=f"safety plan link {link.pk} opened by the person",
            event=SafetyPlanLinkEvent.OPENED,
            changes={"record": f"safetyplanlink:{link.pk}"},
        )
    return link.plan
