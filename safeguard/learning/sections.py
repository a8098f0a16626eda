"""The person page's learning sections (``settings.SAFEGUARD_PERSON_SECTIONS``):

- ``deceased_banner_section`` (top, listed first): once a death is recorded, a banner saying the
  record is read-only, with a link to the review. One query.
- ``record_death_section`` (main, listed last): the link to record a death, for casework roles.
  No query of its own (it reuses the banner's).
- ``practitioner_training_section`` (main): to managers, the practitioner's suicide-prevention
  training when the person's risk to self is high. At most three queries.
"""

from safeguard.assessments.models import RiskToSelf
from safeguard.learning.models import DeathNotification
from safeguard.people.sections import Section

HIGH_RISK_TO_SELF = (RiskToSelf.HIGH, RiskToSelf.VERY_HIGH)
_MISSING = object()


def _notification(person):
    cached = getattr(person, "_learning_death_notification", _MISSING)
    if cached is _MISSING:
        cached = (
            DeathNotification.objects.filter(person=person)
            .select_related("review__reviewer")
            .first()
        )
        person._learning_death_notification = cached
    return cached


def deceased_banner_section(request, person, today):
    notification = _notification(person)
    if notification is None:
        return None
    return Section(
        template="learning/_deceased_banner.html",
        context={"notification": notification, "review": notification.review},
        position="top",
    )


def record_death_section(request, person, today):
    if _notification(person) is not None or not request.user.can_change_cases:
        return None
    return Section(
        template="learning/_record_death.html", context={"person": person}, printable=False
    )
