"""Every change feedback makes: links sent to a person, office tablets, the person's own
answers, paper forms entered by staff, files loaded in bulk, and "you said, we did" actions.

Answers are anonymous. A link is sent to a person (through the gate: a change to their case,
refused once they have died), but the response made when they send their answers names no
one unless they asked to be contacted. The answering session holds the answers only until they
are sent, and the response holds only the day, never the time."""

import datetime as dt
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from safeguard.core import bounds
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, require_capability
from safeguard.core.errors import IllegalTransition, StaleEdit
from safeguard.core.forms import DATE_INPUT_FORMATS
from safeguard.core.models import PDU, Region
from safeguard.engagement.checkins import link_message_enqueue, link_recipient, token_hash
from safeguard.feedback import selectors, surveys
from safeguard.feedback.audit import FeedbackEvent, YouSaidWeDidEvent
from safeguard.feedback.models import (
    ActionStatus,
    FeedbackAnswer,
    FeedbackComment,
    FeedbackResponse,
    Office,
    OfficeTablet,
    SessionKind,
    Source,
    SurveySession,
    SurveyVersion,
    YouSaidWeDid,
)
from safeguard.notify.models import MessageKind
from safeguard.people.deaths import not_deceased
from safeguard.people.gate import person_change

LINK_DAYS = 14
TABLET_DAYS = 90
TABLET_SESSION_MINUTES = 60
MAX_IMPORT_ROWS = 10000
EARLIEST_ANSWER = dt.date(2000, 1, 1)
DEFAULT_SURVEY = "people_on_probation"


def survey_row(code: str, version: int | None = None) -> SurveyVersion:
    """The stored version (the current one unless ``version``), checked against its file."""
    survey = surveys.current(code) if version is None else surveys.survey_version(code, version)
    if survey is None:
        raise ValidationError({"survey": [f"There is no survey called {code!r}"]})
    row = SurveyVersion.objects.filter(code=code, version=survey.version).first()
    if row is None:  # a version added to the data since the last migration
        row, _ = SurveyVersion.objects.get_or_create(
            code=code,
            version=survey.version,
            defaults={
                "content_hash": survey.content_hash,
                "definition": surveys.read_definition(code, survey.version),
            },
        )
    if row.content_hash != survey.content_hash:
        raise ValidationError({"survey": ["The stored survey does not match its file"]})
    return row


def survey_of(row: SurveyVersion) -> surveys.Survey:
    return surveys.survey_version(row.code, row.version)


def feedback_link(token: str) -> str:
    return f"{settings.SAFEGUARD_PUBLIC_URL}/feedback/s/{token}/"


# ---- a link sent to the person -----------------------------------------------------------


def feedback_link_send(
    *,
    person_id: int,
    channel: str,
    actor,
    office_id: int | None = None,
    survey: str = DEFAULT_SURVEY,
    audit_channel: str = Channel.WEB,
    now=None,
) -> SurveySession:
    """Queue a single-use survey link to the person by text (``sms``) or ``email``."""
    now = now or timezone.now()
    if channel not in ("sms", "email"):
        raise ValidationError({"channel": ["Choose text message or email"]})
    row = survey_row(survey)
    with person_change(
        actor=actor, person_id=person_id, channel=audit_channel, refresh_work=False
    ) as change:
        person = change.person
        office = None
        if office_id:
            office = Office.objects.filter(pk=office_id, pdu_id=person.pdu_id).first()
            if office is None:
                raise ValidationError({"office": ["Choose an office in the person's PDU"]})
        recipient = link_recipient(person, channel)
        token = secrets.token_urlsafe(32)
        session = SurveySession.objects.create(
            kind=SessionKind.LINK,
            token_hash=token_hash(token),
            survey=row,
            person=person,
            pdu_id=person.pdu_id,
            office=office,
            channel=channel,
            created_by=actor,
            expires_at=now + timedelta(days=LINK_DAYS),
        )
        link_message_enqueue(
            person=person,
            record=session,
            kind=MessageKind.FEEDBACK,
            template_prefix="feedback_link",
            channel=channel,
            recipient=recipient,
            link=feedback_link(token),
            now=now,
            topic=f"feedback:{session.pk}",
        )
        change.record(FeedbackEvent.LINK_SENT, record=session, new={"channel": channel})
    session.token = token  # kept only in memory, for the caller
    return session


# ---- office tablets ------------------------------------------------------------------------


def feedback_tablet_set_up(*, office_id: int, actor, survey: str = DEFAULT_SURVEY, now=None):
    """A tablet address for an office: anyone holding the tablet can answer, anonymously."""
    require_capability(actor, Capability.SET_UP_FEEDBACK_TABLETS)
    now = now or timezone.now()
    office = selectors.offices_in_scope(actor).filter(pk=office_id).first()
    if office is None:
        raise ValidationError({"office": ["Choose an office in your area"]})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        tablet = OfficeTablet.objects.create(
            token_hash=token_hash(token),
            office=office,
            survey=survey_row(survey),
            created_by=actor,
            expires_at=now + timedelta(days=TABLET_DAYS),
        )
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=Channel.WEB,
            detail=f"feedback tablet {tablet.pk} set up at office {office.code}",
            event=FeedbackEvent.TABLET_SET_UP,
            changes={"record": f"officetablet:{tablet.pk}"},
        )
    tablet.token = token
    return tablet


def feedback_tablet_stop(*, tablet_id: int, actor) -> OfficeTablet:
    require_capability(actor, Capability.SET_UP_FEEDBACK_TABLETS)
    with transaction.atomic():
        tablet = (
            selectors.tablets_in_scope(actor).select_for_update(of=("self",)).filter(pk=tablet_id)
        ).first()
        if tablet is None:
            from django.http import Http404

            raise Http404
        if tablet.active:
            tablet.active = False
            tablet.save(update_fields=["active"])
            access_log_record(
                actor=actor,
                action=Action.CHANGE_PERSON,
                channel=Channel.WEB,
                detail=f"feedback tablet {tablet.pk} stopped",
                event=FeedbackEvent.TABLET_STOPPED,
                changes={"record": f"officetablet:{tablet.pk}"},
            )
    return tablet


def tablet_by_token(token: str, *, now=None) -> OfficeTablet | None:
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    return (
        OfficeTablet.objects.select_related("office", "survey")
        .filter(token_hash=token_hash(token), active=True, expires_at__gt=now)
        .first()
    )


def tablet_session_start(token: str, *, now=None) -> SurveySession | None:
    """A fresh anonymous session on the tablet, for the next person."""
    now = now or timezone.now()
    tablet = tablet_by_token(token, now=now)
    if tablet is None:
        return None
    session_token = secrets.token_urlsafe(32)
    session = SurveySession.objects.create(
        kind=SessionKind.TABLET,
        token_hash=token_hash(session_token),
        survey=tablet.survey,
        tablet=tablet,
        pdu_id=tablet.office.pdu_id,
        office=tablet.office,
        expires_at=now + timedelta(minutes=TABLET_SESSION_MINUTES),
    )
    session.token = session_token
    return session


# ---- the person's side: no sign-in ---------------------------------------------------------


def _usable_sessions(now):
    return (
        SurveySession.objects.filter(completed_on__isnull=True, expires_at__gt=now)
        .exclude(tablet__active=False)
        .filter(not_deceased("person_id") | Q(person__isnull=True))
    )


def session_by_token(token: str, *, now=None) -> SurveySession | None:
    """The session this link opens, or None if unknown, used or expired (all alike). Opening
    it does not use it up: only sending the answers does."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    return (
        _usable_sessions(now)
        .select_related("survey", "tablet")
        .filter(token_hash=token_hash(token))
        .first()
    )


def clean_answer(survey: surveys.Survey, question_id: str, raw) -> str:
    """The value to keep for one page's answer ("" for a question left unanswered)."""
    question = survey.by_id.get(question_id)
    if question is None:
        raise ValidationError({"answer": ["Unknown question"]})
    value = (raw or "").strip() if isinstance(raw, str) else ""
    if question.type == surveys.TEXT:
        if len(value) > surveys.TEXT_MAX_LENGTH:
            raise ValidationError(
                {question_id: [f"Write {surveys.TEXT_MAX_LENGTH} characters or fewer"]}
            )
        if problem := bounds.text_error(value):
            raise ValidationError({question_id: [problem]})
        return value
    if value and value not in question.values:
        raise ValidationError({question_id: ["Choose one of the answers"]})
    return value


def session_answer(*, session_id: int, question: str, value, now=None) -> SurveySession | None:
    """Keep one page's answer. None if the session stopped working meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        session = (
            _usable_sessions(now).select_for_update(of=("self",)).filter(pk=session_id).first()
        )
        if session is None:
            return None
        cleaned = clean_answer(survey_of(session.survey), question, value)
        draft = dict(session.draft)
        if cleaned:
            draft[question] = cleaned
        else:
            draft.pop(question, None)
        session.draft = draft
        session.save(update_fields=["draft"])
    return session


def session_submit(*, session_id: int, now=None) -> FeedbackResponse | None:
    """Send the answers: the response is made, the session's answers are cleared and its link
    stops working. None if it had stopped working already."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        session = (
            _usable_sessions(now)
            .select_for_update(of=("self",))
            .select_related("survey")
            .filter(pk=session_id)
            .first()
        )
        if session is None:
            return None
        survey = survey_of(session.survey)
        draft = session.draft
        if not any(draft.get(q.id) for q in survey.questions):
            raise ValidationError({"answers": ["Answer at least one question before sending"]})
        contact = draft.get(survey.contact.id) == "yes" and session.person_id is not None
        response = FeedbackResponse.objects.create(
            survey=session.survey,
            source=Source.LINK if session.kind == SessionKind.LINK else Source.TABLET,
            pdu_id=session.pdu_id,
            office_id=session.office_id,
            answered_on=today,
            sex=_about(draft, "sex"),
            age_band=_about(draft, "age_band"),
            contact_requested=contact,
            person_id=session.person_id if contact else None,
        )
        _write_answers([(response, draft)], survey)
        # The session forgets whom it was for, so nothing ties the person to having answered
        # on that day (unless they asked to be contacted, when the response names them).
        session.draft = {}
        session.completed_on = today
        session.person = None
        session.save(update_fields=["draft", "completed_on", "person"])
        # Names no one and no response: only that a survey was answered, and how.
        access_log_record(
            actor=None,
            action=Action.CHANGE_PERSON,
            channel=Channel.WEB,
            detail=f"a feedback survey was answered ({session.kind})",
            event=FeedbackEvent.ANSWERED,
        )
    return response


def _about(answers: dict, key: str) -> str:
    value = answers.get(key) or ""
    return "" if value == "prefer_not_to_say" else value


def _write_answers(pairs, survey: surveys.Survey) -> None:
    """The answer and comment rows of new responses, in two INSERTs."""
    choice_ids = {q.id for q in survey.choice_questions}
    text_ids = {q.id for q in survey.text_questions}
    answers, comments = [], []
    for response, values in pairs:
        for key, value in values.items():
            if key in choice_ids and value:
                answers.append(FeedbackAnswer(response=response, question=key, answer=value))
            elif key in text_ids and value:
                comments.append(FeedbackComment(response=response, question=key, text=value))
    FeedbackAnswer.objects.bulk_create(answers, batch_size=2000)
    FeedbackComment.objects.bulk_create(comments, batch_size=2000)


# ---- loading many responses: a file, the API, a paper form ---------------------------------


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    loaded: int = 0
    already_loaded: int = 0
    errors: list[RowError] = field(default_factory=list)


def _parse_date(raw) -> dt.date | None:
    if isinstance(raw, dt.date):
        return raw
    raw = (raw or "").strip() if isinstance(raw, str) else ""
    for fmt in DATE_INPUT_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a date, not a time
        except ValueError:
            continue
    return None


def _row_problem(row, survey, pdus, offices, today):
    """(field, message) for the first problem with a row, or (None, cleaned) for a good one."""
    if not isinstance(row, dict):
        return "row", "Each response must be an object", None
    answers = row.get("answers")
    if not isinstance(answers, dict) or not answers:
        return "answers", "Give the answers to at least one question", None
    cleaned = {}
    for key, value in answers.items():
        question = survey.by_id.get(key) if isinstance(key, str) else None
        if question is None or question.id == survey.contact.id:
            return f"answers.{key}", f"{key!r} is not a question of this survey", None
        if not isinstance(value, str):
            return f"answers.{key}", "The answer must be text", None
        try:
            cleaned[key] = clean_answer(survey, key, value)
        except ValidationError:
            if question.type == surveys.TEXT:
                return (
                    f"answers.{key}",
                    "The text is too long or holds characters that are not allowed",
                    None,
                )
            allowed = ", ".join(question.values)
            return f"answers.{key}", f"{value!r} is not an answer: use {allowed}", None
    if not any(cleaned.get(q.id) for q in survey.questions):
        return "answers", "Give the answers to at least one question", None
    for key in ("sex", "age_band"):
        value = row.get(key)
        if value in (None, ""):
            continue
        question = survey.by_id.get(key)
        if question is None or not isinstance(value, str) or value not in question.values:
            return (
                key,
                f"{value!r} is not one of {', '.join(question.values) if question else ''}",
                None,
            )
        cleaned[key] = value
    pdu_code = row.get("pdu")
    pdu = None
    if pdu_code not in (None, ""):
        if not isinstance(pdu_code, str) or pdu_code.strip().upper() not in pdus:
            return "pdu", f"{pdu_code!r} is not the code of a PDU in your area", None
        pdu = pdus[pdu_code.strip().upper()]
    office_code = row.get("office")
    office = None
    if office_code not in (None, ""):
        office = offices.get(office_code.strip().upper()) if isinstance(office_code, str) else None
        if office is None:
            return "office", f"{office_code!r} is not the code of an office in your area", None
        if pdu is not None and office.pdu_id != pdu.pk:
            return "office", "The office is not in that PDU", None
        pdu = pdu or office.pdu
    raw_date = row.get("answered_on")
    answered_on = today
    if raw_date not in (None, ""):
        answered_on = _parse_date(raw_date)
        if answered_on is None:
            return "answered_on", f"{raw_date!r} is not a date like 2026-01-31 or 31/01/2026", None
        if answered_on > today:
            return "answered_on", "The date is in the future", None
        if answered_on < EARLIEST_ANSWER:
            return "answered_on", "The date is before 2000", None
    row_id = row.get("id")
    if row_id not in (None, "") and (not isinstance(row_id, str | int) or len(str(row_id)) > 100):
        return "id", "The id must be text of 100 characters or fewer", None
    return None, None, (cleaned, pdu, office, answered_on, row_id)


def import_key(survey_code: str, row_id, cleaned, pdu, office, answered_on, occurrence: int):
    """What makes a re-loaded row the same row: its own ``id`` if it has one, else its content
    and how many identical rows came before it in the same load."""
    if row_id not in (None, ""):
        basis = ["id", survey_code, str(row_id)]
    else:
        basis = [
            "content",
            survey_code,
            cleaned,
            pdu.code if pdu else "",
            office.code if office else "",
            answered_on.isoformat(),
            occurrence,
        ]
    canonical = json.dumps(basis, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def feedback_responses_import(
    *,
    survey: str,
    rows,
    actor,
    source: str = Source.IMPORT,
    channel: str = Channel.WEB,
    capability: Capability = Capability.IMPORT_FEEDBACK,
) -> ImportReport:
    """Load responses. ``rows`` is a list of ``(row number, {"answers": {...}, "pdu",
    "office", "answered_on", "sex", "age_band", "id"})``. Every bad row is reported with its
    number and reason; the good rows are loaded together; a row loaded before (by its ``id``,
    else by its content and place among identical rows) is counted, not added again."""
    require_capability(actor, capability)
    row_of_survey = survey_row(survey) if isinstance(survey, str) else None
    if row_of_survey is None:
        raise ValidationError({"survey": ["Name the survey"]})
    definition = survey_of(row_of_survey)
    rows = list(rows)
    report = ImportReport()
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError({"responses": [f"Send {MAX_IMPORT_ROWS} rows or fewer at once"]})
    pdus = {p.code.upper(): p for p in selectors.pdus_in_scope(actor)}
    offices = {o.code.upper(): o for o in selectors.offices_in_scope(actor)}
    today = timezone.localdate()
    seen: dict[str, int] = {}
    good: dict[str, tuple] = {}
    for number, row in rows:
        field_name, message, parsed = _row_problem(row, definition, pdus, offices, today)
        if field_name:
            report.errors.append(RowError(row=number, field=field_name, message=message))
            continue
        cleaned, pdu, office, answered_on, row_id = parsed
        if source == Source.PAPER:
            row_id = f"paper-{uuid.uuid4()}"  # two identical paper forms are two people
        basis = json.dumps([cleaned, pdu and pdu.pk, office and office.pk, str(answered_on)])
        occurrence = seen.get(basis, 0)
        seen[basis] = occurrence + 1
        key = import_key(definition.code, row_id, cleaned, pdu, office, answered_on, occurrence)
        if key in good:
            report.already_loaded += 1
            continue
        good[key] = (cleaned, pdu, office, answered_on)
    with transaction.atomic():
        existing = set(
            FeedbackResponse.objects.filter(import_key__in=list(good)).values_list(
                "import_key", flat=True
            )
        )
        new = [
            (
                FeedbackResponse(
                    survey=row_of_survey,
                    source=source,
                    pdu=pdu,
                    office=office,
                    answered_on=answered_on,
                    sex=_about(cleaned, "sex"),
                    age_band=_about(cleaned, "age_band"),
                    import_key=key,
                    entered_by=actor,
                ),
                cleaned,
            )
            for key, (cleaned, pdu, office, answered_on) in good.items()
            if key not in existing
        ]
        report.already_loaded += len(good) - len(new)
        created = FeedbackResponse.objects.bulk_create([r for r, _ in new], batch_size=1000)
        if any(r.pk is None for r in created):  # a database that does not return ids
            keys = [r.import_key for r in created]
            by_key = dict(
                FeedbackResponse.objects.filter(import_key__in=keys).values_list("import_key", "pk")
            )
            for r in created:
                r.pk = by_key[r.import_key]
        _write_answers(
            [(r, cleaned) for r, (_, cleaned) in zip(created, new, strict=True)], definition
        )
        report.loaded = len(created)
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            detail=f"feedback ({source}): {report.loaded} loaded, {report.already_loaded} "
            f"already loaded, {len(report.errors)} rejected",
            event=FeedbackEvent.PAPER_ENTERED if source == Source.PAPER else FeedbackEvent.IMPORTED,
        )
    return report


def feedback_paper_enter(
    *,
    answers: dict,
    pdu_code: str,
    office_code: str = "",
    answered_on=None,
    sex: str = "",
    age_band: str = "",
    actor,
    survey: str = DEFAULT_SURVEY,
) -> FeedbackResponse:
    """One paper form typed in by staff: the import's rules, with errors named by field."""
    row = {
        "answers": {k: v for k, v in answers.items() if v},
        "pdu": pdu_code,
        "office": office_code,
        "answered_on": answered_on.isoformat() if isinstance(answered_on, dt.date) else answered_on,
        "sex": sex,
        "age_band": age_band,
    }
    report = feedback_responses_import(
        survey=survey,
        rows=[(1, row)],
        actor=actor,
        source=Source.PAPER,
        capability=Capability.ENTER_FEEDBACK,
    )
    if report.errors:
        raise ValidationError({e.field.split(".")[-1]: [e.message] for e in report.errors})
    return report


# ---- "you said, we did" ----------------------------------------------------------------------


def _clean_action(data: dict, survey: surveys.Survey) -> dict:
    errors = {}
    theme = data.get("theme") or ""
    if theme not in {q.id for q in survey.questions}:
        errors["theme"] = ["Choose the survey question this is about"]
    for key, label, limit in (
        ("you_said", "what people said", 500),
        ("we_did", "what was done", 1000),
    ):
        value = (data.get(key) or "").strip()
        if not value:
            errors[key] = [f"Enter {label}"]
        elif len(value) > limit:
            errors[key] = [f"Write {limit} characters or fewer"]
        elif problem := bounds.text_error(value):
            errors[key] = [problem]
    due_on = data.get("due_on")
    if not isinstance(due_on, dt.date):
        errors["due_on"] = ["Enter the date it will be done by"]
    elif problem := bounds.date_error(due_on, "event"):
        errors["due_on"] = [problem]
    status = data.get("status") or ActionStatus.PLANNED
    if status not in ActionStatus.values:
        errors["status"] = ["Choose planned, in progress or done"]
    if errors:
        raise ValidationError(errors)
    return {
        "theme": theme,
        "you_said": data["you_said"].strip(),
        "we_did": data["we_did"].strip(),
        "due_on": due_on,
        "status": status,
    }


def you_said_we_did_record(
    *, data: dict, actor, pdu_code: str = "", region_code: str = "", channel=Channel.WEB
) -> YouSaidWeDid:
    """Record an action for a PDU (``pdu_code``) or a whole region (``region_code``)."""
    require_capability(actor, Capability.RECORD_YOU_SAID_WE_DID)
    cleaned = _clean_action(data, surveys.current(DEFAULT_SURVEY))
    pdu = region = None
    if pdu_code:
        pdu = selectors.pdus_in_scope(actor).filter(code=pdu_code).first()
        if pdu is None:
            raise ValidationError({"area": ["Choose a PDU in your area"]})
    elif region_code:
        regions = Region.objects.filter(code=region_code)
        if not selectors.sees_everywhere(actor):
            regions = regions.filter(pk__in=selectors.pdus_in_scope(actor).values("region_id"))
            if actor.role != "regional_lead":
                regions = regions.none()
        region = regions.first()
        if region is None:
            raise ValidationError({"area": ["Choose a region you lead"]})
    else:
        raise ValidationError({"area": ["Choose the PDU or region"]})
    with transaction.atomic():
        action = YouSaidWeDid.objects.create(**cleaned, pdu=pdu, region=region, created_by=actor)
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            detail=f"you said, we did {action.pk} recorded",
            event=YouSaidWeDidEvent.RECORDED,
            changes={"record": f"yousaidwedid:{action.pk}", "new": {"status": action.status}},
        )
    return action


def you_said_we_did_update(
    *, action_id: int, data: dict, version: int, actor, channel=Channel.WEB
) -> YouSaidWeDid:
    require_capability(actor, Capability.RECORD_YOU_SAID_WE_DID)
    cleaned = _clean_action(data, surveys.current(DEFAULT_SURVEY))
    with transaction.atomic():
        action = (
            selectors.actions_in_scope(actor)
            .select_for_update(of=("self",))
            .filter(pk=action_id)
            .first()
        )
        if action is None:
            from django.http import Http404

            raise Http404
        if action.version != version:
            raise StaleEdit
        if action.status == ActionStatus.DONE and cleaned["status"] != ActionStatus.DONE:
            raise IllegalTransition("A finished action cannot be reopened: record a new one")
        old = {"status": action.status}
        for key, value in cleaned.items():
            setattr(action, key, value)
        action.version += 1
        action.save()
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            detail=f"you said, we did {action.pk} updated",
            event=YouSaidWeDidEvent.UPDATED,
            changes={
                "record": f"yousaidwedid:{action.pk}",
                "old": old,
                "new": {"status": action.status},
            },
        )
    return action


def published_actions(*, pdu_code: str = ""):
    """What the public page shows: every action, or a PDU's and its region's."""
    actions = YouSaidWeDid.objects.select_related("pdu", "region").order_by(
        "status", "due_on", "id"
    )
    if pdu_code:
        pdu = PDU.objects.filter(code=pdu_code).first()
        if pdu is None:
            return actions.none(), None
        from django.db.models import Q

        return actions.filter(Q(pdu=pdu) | Q(region_id=pdu.region_id)), pdu
    return actions, None


ROW_COLUMNS = ("pdu", "office", "answered_on", "sex", "age_band", "id")


def parse_feedback_csv(raw: bytes, survey: surveys.Survey) -> tuple[list[tuple[int, dict]], list]:
    """Read an uploaded CSV into rows with their line numbers (the header is line 1): a column
    per question, and the optional columns ``ROW_COLUMNS``. Problems with the file as a whole
    are reported against line 1."""
    import csv
    import io

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(1, "file", "The file is not a CSV file saved as UTF-8 text")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        return [], [RowError(1, "file", "The file is empty")]
    except csv.Error as exc:
        return [], [RowError(1, "file", f"The file could not be read as CSV: {exc}")]
    questions = {q.id for q in survey.questions}
    unknown = [h for h in header if h and h not in questions and h not in ROW_COLUMNS]
    if unknown or not questions & set(header):
        return [], [
            RowError(
                1,
                "file",
                "The first line must name the columns: the survey's questions "
                f"({', '.join(sorted(questions))}) and optionally {', '.join(ROW_COLUMNS)}"
                + (f" (not known: {', '.join(unknown)})" if unknown else ""),
            )
        ]
    rows, errors = [], []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                errors.append(
                    RowError(line, "file", f"Only {MAX_IMPORT_ROWS} rows can be loaded at once")
                )
                break
            cells = dict(zip(header, values, strict=False))
            row = {k: cells[k].strip() for k in ROW_COLUMNS if cells.get(k, "").strip()}
            row["answers"] = {
                k: v.strip() for k, v in cells.items() if k in questions and v.strip()
            }
            rows.append((line, row))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "file", f"The line could not be read: {exc}"))
    return rows, errors


# ---- a person who asked to be contacted ----------------------------------------------------


def contact_requests_for(user):
    """Responses whose person asked to be contacted, among the people ``user`` may see."""
    from safeguard.people.selectors import visibility

    return (
        FeedbackResponse.objects.filter(contact_requested=True, person__isnull=False)
        .filter(visibility(user, via="person"))
        .select_related("person", "pdu", "office", "contacted_by")
        .order_by("contacted_at", "-answered_on", "-id")
    )


def feedback_contact_record(
    *, response_id: int, note: str, actor, channel: str = Channel.WEB, now=None
) -> FeedbackResponse:
    """Someone got in touch with a person who asked to be contacted about their answers."""
    from safeguard.people.gate import case_record_change

    now = now or timezone.now()
    with case_record_change(
        FeedbackResponse.objects.filter(contact_requested=True),
        pk=response_id,
        actor=actor,
        channel=channel,
        refresh_work=False,
    ) as (change, response):
        note = (note or "").strip()
        if not note:
            raise ValidationError({"note": ["Say how you got in touch"]})
        if len(note) > 500 or bounds.text_error(note):
            raise ValidationError({"note": ["Write 500 characters or fewer, in plain text"]})
        if response.contacted_at:
            raise IllegalTransition("Someone has already got in touch about these answers")
        response.contacted_at = now
        response.contacted_by = actor
        response.contact_note = note
        response.save(update_fields=["contacted_at", "contacted_by", "contact_note"])
        change.record(FeedbackEvent.CONTACTED, record=response)
    return response
