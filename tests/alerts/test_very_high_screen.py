"""A screen rated very high raises an urgent item at once and tells the SPO: both emails reach
the fake Notify server within one dispatch."""

import pytest

from safeguard.alerts.models import Alert, EmailReason
from safeguard.core.models import WorkItem
from safeguard.notify.dispatch import Dispatcher
from tests.alerts.helpers import TUESDAY_11AM
from tests.assessments.helpers import answers

pytestmark = pytest.mark.django_db


def test_a_very_high_screen_alerts_the_practitioner_and_the_spo(
    fake_notify, person, staff, registries, monkeypatch, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from safeguard.assessments import rules, services

    registries.work_item_rules.replace(rules.VERY_HIGH_RISK_TO_SELF)
    monkeypatch.setattr(timezone, "now", lambda: TUESDAY_11AM)
    with django_capture_on_commit_callbacks(execute=True):
        services.screen_record(
            person_id=person.pk,
            version=2,
            answers=answers(ssh_thoughts="with_plan"),
            actor=staff["practitioner"],
        )
    item = WorkItem.objects.get(rule="very_high_risk_to_self", status="open")
    assert item.priority == "urgent"
    alert = Alert.objects.get(work_item=item)
    reasons = sorted((e.staff.username, e.reason) for e in alert.emails.all())
    assert reasons == [("pp", EmailReason.PRACTITIONER), ("spo", EmailReason.SPO_AT_ONCE)]

    Dispatcher(clock=lambda: TUESDAY_11AM).run()
    sent = sorted(n["recipient"] for n in fake_notify.state.notifications if n["type"] == "email")
    assert sent == ["pp@justice.example", "spo@justice.example"]
