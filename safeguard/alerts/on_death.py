"""When a death is recorded (``registry.on_death``), inside its transaction: the work items are
closed by then, so nothing escalates; alert emails not yet sent are withdrawn."""

from safeguard.alerts.services import alert_emails_withdraw


def withdraw_alert_emails(person_id: int, actor) -> int:
    return alert_emails_withdraw(person_id=person_id, reason="The person has died")
