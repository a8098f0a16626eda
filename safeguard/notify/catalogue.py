"""Every GOV.UK Notify template Safeguard uses, declared here and nowhere else.

Each template has the id it has in Notify, the personalisation fields it needs and the text it
holds there, so that the text can be pasted into Notify (``manage.py notify_templates``), shown to
staff before anything is sent and rendered by the fake Notify server exactly as Notify would.

The words are for people who may be neurodivergent, anxious or find reading hard: short
sentences, no jargon, nothing about offences, the day and time in full, and what to do if the
time does not suit. Ids can be replaced per environment with ``NOTIFY_TEMPLATE_IDS`` (JSON).
"""

import re
from dataclasses import dataclass

from django.conf import settings

SMS = "sms"
EMAIL = "email"
PLACEHOLDER = re.compile(r"\(\(([a-z_]+)\)\)")

CRISIS_LINE = "If you need to talk to someone now, call Samaritans free on 116 123, day or night."


class MissingPersonalisation(ValueError):
    pass


@dataclass(frozen=True)
class Template:
    key: str
    channel: str
    default_id: str
    name: str
    fields: tuple[str, ...]
    body: str
    subject: str = ""
    # Fields that must not outlive the message (a check-in link): scrubbed once it is final.
    secret_fields: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return getattr(settings, "NOTIFY_TEMPLATE_IDS", {}).get(self.key, self.default_id)

    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.subject + self.body))

    def check(self, personalisation: dict) -> None:
        missing = [f for f in self.fields if f not in (personalisation or {})]
        if missing:
            raise MissingPersonalisation(f"{self.key} needs {', '.join(missing)}")

    def render(self, personalisation: dict) -> tuple[str, str]:
        """(subject, body) with every ((field)) filled in, as Notify does."""
        self.check(personalisation)

        def fill(text):
            return PLACEHOLDER.sub(lambda m: str(personalisation.get(m.group(1), "")), text)

        return fill(self.subject), fill(self.body)


_REMINDER_FIELDS = ("first_name", "day", "time", "where", "practitioner")

TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in [
        Template(
            key="appointment_reminder_sms",
            channel=SMS,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b01",
            name="Appointment reminder (text)",
            fields=_REMINDER_FIELDS,
            body=(
                "Hello ((first_name)). This is a reminder of your probation appointment on "
                "((day)) at ((time)). ((where)) If you cannot come, please contact "
                "((practitioner)) as soon as you can."
            ),
        ),
        Template(
            key="appointment_reminder_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b02",
            name="Appointment reminder (email)",
            fields=_REMINDER_FIELDS,
            subject="Your probation appointment on ((day))",
            body=(
                "Hello ((first_name)),\n\n"
                "This is a reminder of your probation appointment.\n\n"
                "When: ((day)) at ((time))\n\n"
                "((where))\n\n"
                "Who: ((practitioner))\n\n"
                "If you cannot come, or you need help with the cost of travel, please contact "
                "your probation practitioner as soon as you can.\n\n" + CRISIS_LINE
            ),
        ),
        Template(
            key="appointment_moved_sms",
            channel=SMS,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b03",
            name="Appointment moved (text)",
            fields=_REMINDER_FIELDS,
            body=(
                "Hello ((first_name)). Your probation appointment has changed. The new time is "
                "((day)) at ((time)). ((where)) If this time is hard for you, please contact "
                "((practitioner))."
            ),
        ),
        Template(
            key="appointment_moved_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b04",
            name="Appointment moved (email)",
            fields=_REMINDER_FIELDS,
            subject="Your probation appointment has changed",
            body=(
                "Hello ((first_name)),\n\n"
                "Your probation appointment has changed.\n\n"
                "The new time is ((day)) at ((time)).\n\n"
                "((where))\n\n"
                "Who: ((practitioner))\n\n"
                "If this time is hard for you, please contact your probation practitioner."
            ),
        ),
        Template(
            key="appointment_cancelled_sms",
            channel=SMS,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b05",
            name="Appointment cancelled (text)",
            fields=("first_name", "day", "time", "practitioner"),
            body=(
                "Hello ((first_name)). Your probation appointment on ((day)) at ((time)) is "
                "cancelled. You do not need to come. ((practitioner)) will tell you about your "
                "next appointment."
            ),
        ),
        Template(
            key="appointment_cancelled_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b06",
            name="Appointment cancelled (email)",
            fields=("first_name", "day", "time", "practitioner"),
            subject="Your probation appointment on ((day)) is cancelled",
            body=(
                "Hello ((first_name)),\n\n"
                "Your probation appointment on ((day)) at ((time)) is cancelled. "
                "You do not need to come.\n\n"
                "((practitioner)) will tell you about your next appointment."
            ),
        ),
        Template(
            key="appointments_summary_sms",
            channel=SMS,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b07",
            name="Upcoming appointments (text)",
            fields=("first_name", "period", "appointments"),
            body=(
                "Hello ((first_name)). Your probation appointments in the next ((period)):\n"
                "((appointments))"
            ),
        ),
        Template(
            key="appointments_summary_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b08",
            name="Upcoming appointments (email)",
            fields=("first_name", "period", "appointments"),
            subject="Your probation appointments in the next ((period))",
            body=(
                "Hello ((first_name)),\n\n"
                "These are your probation appointments in the next ((period)):\n\n"
                "((appointments))\n\n"
                "If a time is hard for you, please contact your probation practitioner."
            ),
        ),
        Template(
            key="check_in_link_sms",
            channel=SMS,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b09",
            name="Check-in link (text)",
            fields=("first_name", "link", "expires"),
            secret_fields=("link",),
            body=(
                "Hello ((first_name)). It is time for your probation check-in. It takes about 5 "
                "minutes. Open this link: ((link)) The link works until ((expires)). "
                "If you need help now, call Samaritans free on 116 123."
            ),
        ),
        Template(
            key="check_in_link_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b10",
            name="Check-in link (email)",
            fields=("first_name", "link", "expires"),
            secret_fields=("link",),
            subject="Your probation check-in",
            body=(
                "Hello ((first_name)),\n\n"
                "It is time for your probation check-in. It takes about 5 minutes.\n\n"
                "Open this link: ((link))\n\n"
                "The link works until ((expires)). It only works once.\n\n" + CRISIS_LINE
            ),
        ),
        # The person's own safety plan, by a single-use link (safeguard.engagement.plan_links).
        Template(
            key="safety_plan_link_sms",
            channel=SMS,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b13",
            name="Safety plan link (text)",
            fields=("first_name", "link", "expires"),
            secret_fields=("link",),
            body=(
                "Hello ((first_name)). Here is the safety plan you made with your probation "
                "practitioner: ((link)) The link works once, until ((expires)). Save or print "
                "the page when you open it. If you need help now, call Samaritans free on "
                "116 123."
            ),
        ),
        Template(
            key="safety_plan_link_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b14",
            name="Safety plan link (email)",
            fields=("first_name", "link", "expires"),
            secret_fields=("link",),
            subject="Your safety plan",
            body=(
                "Hello ((first_name)),\n\n"
                "Here is the safety plan you made with your probation practitioner.\n\n"
                "Open this link: ((link))\n\n"
                "The link works once, until ((expires)). Save or print the page when you "
                "open it.\n\n" + CRISIS_LINE
            ),
        ),
        # A feedback survey, by a single-use link (safeguard.feedback). Nothing about the
        # person's case: the survey is anonymous unless they ask to be contacted.
        Template(
            key="feedback_link_sms",
            channel=SMS,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b15",
            name="Feedback survey link (text)",
            fields=("first_name", "link", "expires"),
            secret_fields=("link",),
            body=(
                "Hello ((first_name)). Please tell us what probation is like for you. It takes "
                "about 5 minutes and your answers are anonymous: ((link)) The link works "
                "until ((expires))."
            ),
        ),
        Template(
            key="feedback_link_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b16",
            name="Feedback survey link (email)",
            fields=("first_name", "link", "expires"),
            secret_fields=("link",),
            subject="Tell us what probation is like for you",
            body=(
                "Hello ((first_name)),\n\n"
                "Please tell us what probation is like for you, so that we can make it "
                "better. It takes about 5 minutes.\n\n"
                "Your answers are anonymous unless you ask us to contact you. They do not "
                "affect your order or licence.\n\n"
                "Open this link: ((link))\n\n"
                "The link works until ((expires)). It only works once.\n\n" + CRISIS_LINE
            ),
        ),
        # ---- to staff: alerts about urgent work (safeguard.alerts) --------------------------
        # No personal data: no name, no CRN, nothing about what happened. The link names the
        # work item by its id; the page behind it needs a sign-in and the right to see the case.
        Template(
            key="urgent_work_alert_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b11",
            name="Urgent work waiting (email to staff)",
            fields=("link",),
            subject="An urgent item is waiting in Safeguard",
            body=(
                "An urgent item is waiting in Safeguard.\n\n"
                "Open it here: ((link))\n\n"
                'Sign in to see what it is, then select "Acknowledge" so that others know '
                "it is being dealt with."
            ),
        ),
        Template(
            key="urgent_work_escalation_email",
            channel=EMAIL,
            default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b12",
            name="Urgent work not acknowledged (email to staff)",
            fields=("link", "waited"),
            subject="An urgent item in Safeguard has not been acknowledged",
            body=(
                "An urgent item in Safeguard has not been acknowledged for ((waited)).\n\n"
                "Open it here: ((link))\n\n"
                "Sign in to see what it is and make sure someone deals with it now."
            ),
        ),
    ]
}


# ---- wording styles of the messages to people on probation --------------------------------
# "standard" is the templates above. "easy_read" is for people whose communication needs ask
# for it (a learning disability, help with reading): one idea a sentence, the most important
# words first, no idioms. "discreet" is for someone who may not be safe if another person sees
# the message (a domestic abuse victim, ADVV, or on request): it never says "probation" and
# never names the practitioner, so it has no ((practitioner)) field and its ((where)) is
# written discreetly too (``safeguard.engagement.wording``).
STANDARD = "standard"
EASY_READ = "easy_read"
DISCREET = "discreet"
STYLES = (STANDARD, EASY_READ, DISCREET)
DISCREET_WORDS_NEVER_USED = ("probation", "offender", "offence", "licence", "court", "prison")

_STYLED = [
    # easy read
    Template(
        key="appointment_reminder_sms_easy_read",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b21",
        name="Appointment reminder (text, easy read)",
        fields=_REMINDER_FIELDS,
        body=(
            "Hello ((first_name)). You have a probation appointment. Day: ((day)). "
            "Time: ((time)). ((where)) Can you not come? Please phone ((practitioner)) today."
        ),
    ),
    Template(
        key="appointment_reminder_email_easy_read",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b22",
        name="Appointment reminder (email, easy read)",
        fields=_REMINDER_FIELDS,
        subject="Your probation appointment is on ((day))",
        body=(
            "Hello ((first_name)),\n\n"
            "You have a probation appointment.\n\n"
            "Day: ((day))\n\n"
            "Time: ((time))\n\n"
            "((where))\n\n"
            "You will see: ((practitioner))\n\n"
            "Can you not come? Please phone your probation practitioner today.\n\n"
            "Do you need money for the bus or train? Ask your probation practitioner.\n\n"
            + CRISIS_LINE
        ),
    ),
    Template(
        key="appointment_moved_sms_easy_read",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b23",
        name="Appointment moved (text, easy read)",
        fields=_REMINDER_FIELDS,
        body=(
            "Hello ((first_name)). Your probation appointment has a new time. Day: ((day)). "
            "Time: ((time)). ((where)) Is this time hard for you? Please phone "
            "((practitioner))."
        ),
    ),
    Template(
        key="appointment_moved_email_easy_read",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b24",
        name="Appointment moved (email, easy read)",
        fields=_REMINDER_FIELDS,
        subject="Your probation appointment has a new time",
        body=(
            "Hello ((first_name)),\n\n"
            "Your probation appointment has a new time.\n\n"
            "Day: ((day))\n\n"
            "Time: ((time))\n\n"
            "((where))\n\n"
            "You will see: ((practitioner))\n\n"
            "Is this time hard for you? Please phone your probation practitioner."
        ),
    ),
    Template(
        key="appointment_cancelled_sms_easy_read",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b25",
        name="Appointment cancelled (text, easy read)",
        fields=("first_name", "day", "time", "practitioner"),
        body=(
            "Hello ((first_name)). Your probation appointment on ((day)) at ((time)) is "
            "cancelled. Do not come. ((practitioner)) will tell you your next appointment."
        ),
    ),
    Template(
        key="appointment_cancelled_email_easy_read",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b26",
        name="Appointment cancelled (email, easy read)",
        fields=("first_name", "day", "time", "practitioner"),
        subject="Your probation appointment is cancelled",
        body=(
            "Hello ((first_name)),\n\n"
            "Your probation appointment on ((day)) at ((time)) is cancelled.\n\n"
            "Do not come.\n\n"
            "((practitioner)) will tell you your next appointment."
        ),
    ),
    # discreet: no "probation", no practitioner's name
    Template(
        key="appointment_reminder_sms_discreet",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b31",
        name="Appointment reminder (text, discreet)",
        fields=("first_name", "day", "time", "where"),
        body=(
            "Hello ((first_name)). A reminder of your appointment on ((day)) at ((time)). "
            "((where)) If you cannot come, please call the office as soon as you can."
        ),
    ),
    Template(
        key="appointment_reminder_email_discreet",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b32",
        name="Appointment reminder (email, discreet)",
        fields=("first_name", "day", "time", "where"),
        subject="Your appointment on ((day))",
        body=(
            "Hello ((first_name)),\n\n"
            "A reminder of your appointment.\n\n"
            "When: ((day)) at ((time))\n\n"
            "((where))\n\n"
            "If you cannot come, please call the office as soon as you can.\n\n" + CRISIS_LINE
        ),
    ),
    Template(
        key="appointment_moved_sms_discreet",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b33",
        name="Appointment moved (text, discreet)",
        fields=("first_name", "day", "time", "where"),
        body=(
            "Hello ((first_name)). Your appointment has changed. The new time is ((day)) at "
            "((time)). ((where)) If this time is hard for you, please call the office."
        ),
    ),
    Template(
        key="appointment_moved_email_discreet",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b34",
        name="Appointment moved (email, discreet)",
        fields=("first_name", "day", "time", "where"),
        subject="Your appointment has changed",
        body=(
            "Hello ((first_name)),\n\n"
            "Your appointment has changed.\n\n"
            "The new time is ((day)) at ((time)).\n\n"
            "((where))\n\n"
            "If this time is hard for you, please call the office."
        ),
    ),
    Template(
        key="appointment_cancelled_sms_discreet",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b35",
        name="Appointment cancelled (text, discreet)",
        fields=("first_name", "day", "time"),
        body=(
            "Hello ((first_name)). Your appointment on ((day)) at ((time)) is cancelled. "
            "You do not need to come. We will tell you about the next one."
        ),
    ),
    Template(
        key="appointment_cancelled_email_discreet",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b36",
        name="Appointment cancelled (email, discreet)",
        fields=("first_name", "day", "time"),
        subject="Your appointment on ((day)) is cancelled",
        body=(
            "Hello ((first_name)),\n\n"
            "Your appointment on ((day)) at ((time)) is cancelled. You do not need to come.\n\n"
            "We will tell you about the next one."
        ),
    ),
    Template(
        key="appointments_summary_sms_discreet",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b37",
        name="Upcoming appointments (text, discreet)",
        fields=("first_name", "period", "appointments"),
        body="Hello ((first_name)). Your appointments in the next ((period)):\n((appointments))",
    ),
    Template(
        key="appointments_summary_email_discreet",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b38",
        name="Upcoming appointments (email, discreet)",
        fields=("first_name", "period", "appointments"),
        subject="Your appointments in the next ((period))",
        body=(
            "Hello ((first_name)),\n\n"
            "These are your appointments in the next ((period)):\n\n"
            "((appointments))\n\n"
            "If a time is hard for you, please call the office."
        ),
    ),
    Template(
        key="check_in_link_sms_discreet",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b39",
        name="Check-in link (text, discreet)",
        fields=("first_name", "link", "expires"),
        secret_fields=("link",),
        body=(
            "Hello ((first_name)). It is time for your check-in. It takes about 5 minutes. "
            "Open this link: ((link)) The link works until ((expires))."
        ),
    ),
    Template(
        key="check_in_link_email_discreet",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b40",
        name="Check-in link (email, discreet)",
        fields=("first_name", "link", "expires"),
        secret_fields=("link",),
        subject="Your check-in",
        body=(
            "Hello ((first_name)),\n\n"
            "It is time for your check-in. It takes about 5 minutes.\n\n"
            "Open this link: ((link))\n\n"
            "The link works until ((expires)). It only works once.\n\n" + CRISIS_LINE
        ),
    ),
    Template(
        key="safety_plan_link_sms_discreet",
        channel=SMS,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b41",
        name="Safety plan link (text, discreet)",
        fields=("first_name", "link", "expires"),
        secret_fields=("link",),
        body=(
            "Hello ((first_name)). Here is the plan you made: ((link)) The link works once, "
            "until ((expires))."
        ),
    ),
    Template(
        key="safety_plan_link_email_discreet",
        channel=EMAIL,
        default_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b42",
        name="Safety plan link (email, discreet)",
        fields=("first_name", "link", "expires"),
        secret_fields=("link",),
        subject="The plan you made",
        body=(
            "Hello ((first_name)),\n\n"
            "Here is the plan you made.\n\n"
            "Open this link: ((link))\n\n"
            "The link works once, until ((expires)).\n\n" + CRISIS_LINE
        ),
    ),
]
TEMPLATES.update({t.key: t for t in _STYLED})


def template(key: str) -> Template:
    return TEMPLATES[key]


def template_for(purpose: str, channel: str) -> Template:
    """``template_for("appointment_reminder", "sms")``."""
    return TEMPLATES[f"{purpose}_{channel}"]


def styled_key(purpose: str, channel: str, style: str = STANDARD) -> str:
    """The key of ``purpose`` on ``channel`` in ``style``: the standard wording when that style
    has no version of it (a discreet one always exists for every message to a person)."""
    key = f"{purpose}_{channel}"
    if style != STANDARD and f"{key}_{style}" in TEMPLATES:
        return f"{key}_{style}"
    return key


def by_id() -> dict[str, Template]:
    return {t.id: t for t in TEMPLATES.values()}
