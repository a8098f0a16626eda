"""Work-item rules about messages (run by `safeguarding_scan`)."""

from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from safeguard.core.models import WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people, link_to
from safeguard.notify.models import Message, MessageStatus
from safeguard.people.models import Person

FAILURE_LOOKBACK_DAYS = 90


def _contact_details_failed(today):
    since = timezone.make_aware(
        datetime.combine(today - timedelta(days=FAILURE_LOOKBACK_DAYS), time.min)
    )
    # Only while the failed number or address is still the one recorded: changing the
    # person's contact details clears the item.
    failed = Message.objects.filter(
        person=OuterRef("pk"),
        status=MessageStatus.PERMANENT_FAILURE,
        completed_at__gte=since,
    ).filter(
        Q(channel="sms", recipient=OuterRef("mobile"))
        | Q(channel="email", recipient=OuterRef("email"))
    )
    return candidates_about_people(Person.objects.filter(Exists(failed)), person="", due_on=today)


CONTACT_DETAILS_FAILED = WorkItemRule(
    code="contact_details_failed",
    title="Reminders are not reaching this person",
    subject_type="person",
    candidates=_contact_details_failed,
    priority=WorkItemPriority.SOON,
    link=link_to("people:edit_details"),
    action="Notify could not deliver to the mobile number or email address recorded. Check "
    "and update the person's contact details.",
)
