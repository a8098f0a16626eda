"""Multi-agency meetings: recording, scoping, limited access, audit, attendance figures against a
hand-computed data set, exports read back, and query counts that do not grow with rows."""

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from safeguard.core.models import AccessLogEntry
from safeguard.meetings import services
from safeguard.meetings.models import Meeting, MeetingAction, MeetingAttendance, MeetingType
from safeguard.meetings.selectors import attendance_figures, visible_meetings
from safeguard.meetings.views import meetings_section
from safeguard.referrals.models import Agency
from tests.factories import PersonFactory, exclude, restrict

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def d(date):
    return date.strftime("%d/%m/%Y")


@pytest.fixture
def agencies(org):
    """Agencies in the home region: the police (MAPPA Responsible Authority), a mental health
    trust (duty to co-operate), one local panel; one far away."""
    region = org["team"].pdu.region
    return {
        "police": Agency.objects.get(name="Kent Police"),
        "mental_health": Agency.objects.get(
            name="Kent and Medway NHS and Social Care Partnership Trust"
        ),
        "panel": Agency.objects.filter(region=region, kind="panel").order_by("name").first(),
        "far": Agency.objects.filter(region__code="NE", kind="police").order_by("name").first(),
    }


def create(org, agencies, *, people=("mine",), invited=("police", "mental_health"), **kw):
    fields = {
        "meeting_type_code": "MARAC",
        "held_on": TODAY - dt.timedelta(days=3),
        "pdu_id": org["team"].pdu_id,
        "chair": "DI Example, Kent Police",
        "notes": "",
        "person_ids": [org["people"][k].pk for k in people],
        "invited_agency_ids": [agencies[k].pk for k in invited],
        "actor": org["staff"]["practitioner"],
    }
    fields.update(kw)
    return services.meeting_create(**fields)


def nothing_written():
    return not (
        Meeting.objects.exists()
        or MeetingAttendance.objects.exists()
        or MeetingAction.objects.exists()
        or AccessLogEntry.objects.filter(action="change_person").exists()
    )


# ---- recording a meeting --------------------------------------------------------------------


def test_the_form_offers_agencies_of_the_region_grouped_by_kind(client, org, agencies):
    client.force_login(org["staff"]["practitioner"])
    html = client.get("/meetings/new/").content.decode()
    assert "Kent Police" in html and agencies["panel"].name in html
    assert agencies["far"].name not in html
    assert "Multi-agency panel" in html and "Police" in html  # group headings
    assert 'id="id_agencies"' in html  # the error summary's link target exists


def test_recording_a_meeting_through_the_form(client, org, agencies):
    mine, colleagues = org["people"]["mine"], org["people"]["colleagues"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        "/meetings/new/",
        {
            "meeting_type": "MARM",
            "held_on": d(TODAY - dt.timedelta(days=1)),
            "pdu": org["team"].pdu_id,
            "chair": "Adult social care manager",
            "people": f"{mine.crn.lower()}\n\n {colleagues.crn}\n{mine.crn}",
            "agencies": [agencies["police"].pk, agencies["panel"].pk],
            "notes": "Self-neglect; refusing care",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.meeting_type.code == "MARM" and meeting.pdu == org["team"].pdu
    assert set(meeting.people.all()) == {mine, colleagues}
    assert dict(meeting.attendance.values_list("agency_id", "attended")) == {
        agencies["police"].pk: False,
        agencies["panel"].pk: False,
    }
    assert meeting.attendance_recorded_at is None
    logged = AccessLogEntry.objects.filter(action="change_person")
    assert sorted(logged.values_list("person__crn", flat=True)) == [mine.crn, colleagues.crn]
    assert all(e.detail.startswith(f"meeting {meeting.pk}:") for e in logged)
    page = client.get(response["Location"]).content.decode()
    assert "Multi-agency risk management meeting (MARM)" in page and mine.full_name in page


def test_a_planned_meeting_can_be_recorded_ahead(org, agencies):
    meeting = create(org, agencies, held_on=TODAY + dt.timedelta(days=14))
    assert meeting.held_on > TODAY


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"meeting_type": ""}, "Choose the type of meeting"),
        ({"meeting_type": "TEA_PARTY"}, "Choose the type of meeting"),
        ({"held_on": "31/02/2026"}, "Enter a real date"),
        ({"held_on": d(TODAY + dt.timedelta(days=800))}, "within a year from today"),
        ({"people": ""}, "Enter the CRN of at least one person discussed"),
        ({"people": "A000001\nnot-a-crn"}, "NOT-A-CRN is not a CRN"),
        ({"people": "bad\nA000004"}, "A000004: no person with this CRN is visible to you"),
        ({"people": "A000001\nA000004"}, "A000004: no person with this CRN is visible to you"),
        ({"people": "Z999999"}, "Z999999: no person with this CRN is visible to you"),
        ({"agencies": []}, "Choose at least one agency invited to the meeting"),
        ({"agencies": "far"}, "Choose agencies from the list"),
        ({"pdu": "far"}, "Choose a probation delivery unit from the list"),
    ],
)
def test_bad_input_shows_the_error_summary_and_writes_nothing(
    client, org, agencies, far_team, change, message
):
    data = {
        "meeting_type": "MARAC",
        "held_on": d(TODAY),
        "pdu": org["team"].pdu_id,
        "people": "A000001",
        "agencies": [agencies["police"].pk],
    }
    data.update(change)
    if change.get("agencies") == "far":
        data["agencies"] = [agencies["police"].pk, agencies["far"].pk]
    if change.get("pdu") == "far":
        data["pdu"] = far_team.pdu_id
    client.force_login(org["staff"]["practitioner"])
    response = client.post("/meetings/new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert "<title>Error:" in html
    assert nothing_written()


def test_an_unseen_crn_is_logged_as_refused(client, org, agencies):
    client.force_login(org["staff"]["practitioner"])
    client.post(
        "/meetings/new/",
        {
            "meeting_type": "MARAC",
            "held_on": d(TODAY),
            "pdu": org["team"].pdu_id,
            "people": "A000004",
            "agencies": [agencies["police"].pk],
        },
    )
    refused = AccessLogEntry.objects.get(action="refused")
    assert refused.crn == "A000004" and refused.actor == org["staff"]["practitioner"]


def test_service_refuses_bad_input_naming_the_field_and_writes_nothing(org, agencies):
    cases = [
        ({"meeting_type_code": "NOPE"}, "meeting_type"),
        ({"held_on": "yesterday"}, "held_on"),
        ({"pdu_id": 999999}, "pdu"),
        ({"invited_agency_ids": [agencies["far"].pk]}, "agencies"),
        ({"invited_agency_ids": ["x"]}, "agencies"),
        ({"person_ids": []}, "people"),
        ({"chair": "x" * 121}, "chair"),
    ]
    for change, field in cases:
        with pytest.raises(ValidationError) as caught:
            create(org, agencies, **change)
        assert field in caught.value.message_dict, (change, caught.value.message_dict)
    # Someone the actor may not see: the gate's 404, as for someone who does not exist.
    with pytest.raises(Http404):
        create(org, agencies, person_ids=[org["people"]["far"].pk])
    assert nothing_written()


@pytest.mark.parametrize("staff_key", ["national", "inspector", "admin", "no_role"])
def test_read_only_roles_cannot_record_meetings(client, org, agencies, staff_key):
    staff = org["staff"][staff_key]
    with pytest.raises(PermissionDenied):
        create(org, agencies, actor=staff)
    client.force_login(staff)
    assert client.get("/meetings/new/").status_code == 403
    assert nothing_written()


# ---- scoping and limited access -------------------------------------------------------------


@pytest.mark.parametrize(
    ("staff_key", "visible"),
    [
        ("practitioner", True),
        ("spo", True),
        # A team in the same PDU: the meeting is about another team's case, so it is hidden.
        ("other_team_pp", False),
        ("head", True),
        ("regional", True),
        ("national", True),
        ("inspector", True),
        ("admin", True),
        ("far_regional", False),
        ("no_role", False),
    ],
)
def test_a_meeting_is_visible_within_the_scope_of_its_pdu(
    client, org, agencies, staff_key, visible
):
    meeting = create(org, agencies)
    staff = org["staff"][staff_key]
    assert visible_meetings(staff).filter(pk=meeting.pk).exists() is visible
    client.force_login(staff)
    detail = client.get(f"/meetings/{meeting.pk}/")
    if staff_key == "no_role":  # no capabilities at all: refused before anything is looked up
        assert detail.status_code == client.get("/meetings/").status_code == 403
        return
    assert detail.status_code == (200 if visible else 404)
    listing = client.get("/meetings/").content.decode()
    assert (f"/meetings/{meeting.pk}/" in listing) is visible


def test_a_meeting_in_another_region_is_not_found_and_the_refusal_logged(client, org, far_team):
    far_meeting = Meeting.objects.create(
        meeting_type=MeetingType.objects.get(code="MAPPA_L2"),
        held_on=TODAY,
        pdu=far_team.pdu,
        created_by=org["staff"]["far_regional"],
    )
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    assert client.get(f"/meetings/{far_meeting.pk}/").status_code == 404
    assert client.get("/meetings/99999999/").status_code == 404
    refused = AccessLogEntry.objects.filter(action="refused", actor=pp).order_by("pk")
    assert [e.detail for e in refused] == [
        f"meeting {far_meeting.pk}: not found or not visible",
        "meeting 99999999: not found or not visible",
    ]
    # Writes to it are refused the same way.
    assert (
        client.post(f"/meetings/{far_meeting.pk}/attendance/", {"attended": []}).status_code == 404
    )
    with pytest.raises(Http404):
        services.meeting_record_attendance(
            meeting_id=far_meeting.pk, attended_agency_ids=[], version=1, actor=pp
        )


def _meeting_is_hidden_from(client, staff, meeting, hidden, agencies):
    """``staff`` cannot tell the meeting exists: 404 on its page and on every change (the same
    as a meeting that does not exist), and the list neither shows nor counts it."""
    client.force_login(staff)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    listing = client.get("/meetings/").content.decode()
    assert f"/meetings/{meeting.pk}/" not in listing
    assert hidden.crn not in listing and "cannot see" not in listing
    posts = {
        f"/meetings/{meeting.pk}/attendance/": {"attended": [agencies["police"].pk], "version": 1},
        f"/meetings/{meeting.pk}/actions/": {
            "owner_agency": agencies["police"].pk,
            "description": "Visit",
            "due_on": d(TODAY + dt.timedelta(days=3)),
        },
    }
    for action in meeting.actions.all():
        posts[f"/meetings/{meeting.pk}/actions/{action.pk}/done/"] = {
            "completed_on": d(TODAY),
            "version": action.version,
        }
    before = (
        sorted(meeting.attendance.values_list("agency_id", "attended")),
        sorted(meeting.actions.values_list("pk", "status", "version")),
        Meeting.objects.get(pk=meeting.pk).version,
    )
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert before == (
        sorted(meeting.attendance.values_list("agency_id", "attended")),
        sorted(meeting.actions.values_list("pk", "status", "version")),
        Meeting.objects.get(pk=meeting.pk).version,
    )


def test_a_meeting_about_an_excluded_person_is_hidden_entirely(client, org, agencies):
    """The issue's finding: a MARAC about someone on demo.practitioner's exclusion list showed
    its notes, chair and actions to them, and let them change it."""
    hidden = org["people"]["colleagues"]
    meeting = create(org, agencies, people=("mine", "colleagues"))
    services.meeting_add_action(
        meeting_id=meeting.pk,
        owner_agency_id=agencies["police"].pk,
        description="Police to share the DASH risk assessment",
        due_on=TODAY + dt.timedelta(days=7),
        person_id=hidden.pk,
        actor=org["staff"]["colleague"],
    )
    exclude(hidden, org["staff"]["practitioner"])
    _meeting_is_hidden_from(client, org["staff"]["practitioner"], meeting, hidden, agencies)
    # From the person page of the person they can see, the meeting is not listed either.
    html = client.get(f"/people/{org['people']['mine'].crn}/").content.decode()
    assert f"/meetings/{meeting.pk}/" not in html
    # The colleague who is not excluded sees both people and the action.
    client.force_login(org["staff"]["colleague"])
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert hidden.crn in html and org["people"]["mine"].crn in html
    assert "cannot see" not in html


def test_a_meeting_about_a_restricted_case_is_hidden_from_the_national_lead(client, org, agencies):
    hidden = org["people"]["colleagues"]
    meeting = create(org, agencies, people=("mine", "colleagues"))
    restrict(hidden, org["staff"]["colleague"])
    national = org["staff"]["national"]
    client.force_login(national)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert f"/meetings/{meeting.pk}/" not in client.get("/meetings/").content.decode()


def test_a_meeting_about_another_teams_case_is_hidden_from_a_practitioner(client, org, agencies):
    meeting = create(org, agencies)
    other = org["people"]["same_pdu"]  # in another team of the meeting's PDU
    meeting.people.add(other)
    _meeting_is_hidden_from(client, org["staff"]["practitioner"], meeting, other, agencies)


def test_reading_a_meeting_is_logged_once(client, org, agencies):
    meeting = create(org, agencies, people=("mine", "colleagues"))
    head = org["staff"]["head"]
    client.force_login(head)
    client.get(f"/meetings/{meeting.pk}/")
    entries = AccessLogEntry.objects.filter(actor=head)
    assert [(e.action, e.detail) for e in entries] == [("list_people", f"meeting {meeting.pk}")]
    client.get("/meetings/")
    assert entries.filter(action="list_people", detail="meetings list page=1").exists()


def test_the_person_page_section_lists_meetings_in_scope(org, agencies, far_team):
    mine = org["people"]["mine"]
    meeting = create(org, agencies)
    far_meeting = Meeting.objects.create(
        meeting_type=MeetingType.objects.get(code="MAPPA_L3"),
        held_on=TODAY,
        pdu=far_team.pdu,
        created_by=org["staff"]["far_regional"],
    )
    far_meeting.people.add(mine)  # a panel elsewhere: not in the practitioner's scope
    request = SimpleNamespace(user=org["staff"]["practitioner"])
    section = meetings_section(request, mine, TODAY)
    assert [m.pk for m in section.context["meetings"]] == [meeting.pk]
    html = render_to_string(section.template, {"section": section.context})
    assert f"/meetings/{meeting.pk}/" in html and f"/meetings/{far_meeting.pk}/" not in html
    assert f"/meetings/new/?crn={mine.crn}" in html


def test_the_new_meeting_form_is_prefilled_from_the_person_page(client, org):
    client.force_login(org["staff"]["practitioner"])
    html = client.get("/meetings/new/?crn=A000001").content.decode()
    assert ">A000001</textarea>" in html


# ---- attendance and actions ----------------------------------------------------------------


def test_recording_attendance_is_idempotent_and_audited(client, org, agencies):
    meeting = create(org, agencies, invited=("police", "mental_health", "panel"))
    client.force_login(org["staff"]["practitioner"])
    url = f"/meetings/{meeting.pk}/attendance/"
    chosen = {"attended": [agencies["police"].pk, agencies["panel"].pk]}
    assert client.post(url, {**chosen, "version": 1}).status_code == 302
    assert client.post(url, {**chosen, "version": 2}).status_code == 302
    expected = {
        agencies["police"].pk: True,
        agencies["mental_health"].pk: False,
        agencies["panel"].pk: True,
    }
    assert dict(meeting.attendance.values_list("agency_id", "attended")) == expected
    assert MeetingAttendance.objects.count() == 3
    meeting.refresh_from_db()
    assert meeting.attendance_recorded_at is not None
    log = AccessLogEntry.objects.filter(detail__contains="attendance recorded")
    assert log.count() == 2 and "2 of 3 agencies attended" in log.first().detail
    # Nobody came after all: every invited agency is set to not attended.
    services.meeting_record_attendance(
        meeting_id=meeting.pk,
        attended_agency_ids=[],
        version=meeting.version,
        actor=org["staff"]["practitioner"],
    )
    assert not meeting.attendance.filter(attended=True).exists()


def test_attendance_from_a_stale_page_does_not_reset_what_someone_else_recorded(
    client, org, agencies
):
    meeting = create(org, agencies, invited=("police", "mental_health"))
    client.force_login(org["staff"]["practitioner"])
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'name="version" value="1"' in page
    services.meeting_record_attendance(
        meeting_id=meeting.pk,
        attended_agency_ids=[agencies["police"].pk, agencies["mental_health"].pk],
        version=1,
        actor=org["staff"]["colleague"],
    )
    stale = client.post(f"/meetings/{meeting.pk}/attendance/", {"attended": [], "version": 1})
    assert stale.status_code == 200 and b"govuk-error-summary" in stale.content
    assert b"Someone else changed this record" in stale.content
    assert meeting.attendance.filter(attended=True).count() == 2
    missing = client.post(f"/meetings/{meeting.pk}/attendance/", {"attended": []})
    assert missing.status_code == 200 and b"govuk-error-summary" in missing.content
    assert meeting.attendance.filter(attended=True).count() == 2


def test_attendance_refuses_an_agency_not_invited_and_a_meeting_not_yet_held(org, agencies):
    pp = org["staff"]["practitioner"]
    meeting = create(org, agencies)
    with pytest.raises(ValidationError) as caught:
        services.meeting_record_attendance(
            meeting_id=meeting.pk, attended_agency_ids=[agencies["panel"].pk], version=1, actor=pp
        )
    assert caught.value.message_dict == {
        "attended": [f"{agencies['panel'].name} was not invited to this meeting"]
    }
    planned = create(org, agencies, held_on=TODAY + dt.timedelta(days=3))
    with pytest.raises(ValidationError) as caught:
        services.meeting_record_attendance(
            meeting_id=planned.pk, attended_agency_ids=[], version=1, actor=pp
        )
    assert "attended" in caught.value.message_dict
    assert not MeetingAttendance.objects.filter(attended=True).exists()
    assert not Meeting.objects.filter(attendance_recorded_at__isnull=False).exists()


def test_actions_are_added_and_marked_done_through_the_page(client, org, agencies):
    meeting = create(org, agencies)
    mine = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/meetings/{meeting.pk}/actions/",
        {
            "owner_agency": agencies["mental_health"].pk,
            "person": mine.pk,
            "description": "Arrange a care coordinator",
            "due_on": d(TODAY + dt.timedelta(days=10)),
        },
    )
    assert response.status_code == 302
    action = MeetingAction.objects.get()
    assert (action.person, action.owner_agency, action.status) == (
        mine,
        agencies["mental_health"],
        "open",
    )
    assert AccessLogEntry.objects.filter(
        person=mine, detail__contains=f"action {action.pk} for"
    ).exists()
    done_url = f"/meetings/{meeting.pk}/actions/{action.pk}/done/"
    assert client.post(done_url, {"completed_on": d(TODAY), "version": 1}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", TODAY)
    again = client.post(done_url, {"completed_on": d(TODAY), "version": 2})
    assert again.status_code == 200 and b"already done" in again.content
    assert b"govuk-error-summary" in again.content


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owner_agency_id": "panel"}, "owner_agency"),  # invited? no
        ({"due_on": TODAY - dt.timedelta(days=30)}, "due_on"),  # before the meeting
        ({"description": "  "}, "description"),
        ({"person_id": "far"}, "person"),
        ({"person_id": "colleagues"}, "person"),  # visible, but not on this meeting
    ],
)
def test_an_action_needs_an_invited_owner_a_sensible_date_and_a_person_from_the_meeting(
    org, agencies, change, field
):
    meeting = create(org, agencies)
    fields = {
        "meeting_id": meeting.pk,
        "owner_agency_id": agencies["police"].pk,
        "description": "Share the risk assessment",
        "due_on": TODAY + dt.timedelta(days=7),
        "actor": org["staff"]["practitioner"],
    }
    for key, value in change.items():
        if value == "panel":
            value = agencies["panel"].pk
        elif value in ("far", "colleagues"):
            value = org["people"][value].pk
        fields[key] = value
    with pytest.raises(ValidationError) as caught:
        services.meeting_add_action(**fields)
    assert field in caught.value.message_dict
    assert not MeetingAction.objects.exists()


def test_bad_action_on_the_page_shows_the_error_summary(client, org, agencies):
    meeting = create(org, agencies)
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/meetings/{meeting.pk}/actions/",
        {
            "owner_agency": agencies["police"].pk,
            "description": "Visit",
            "due_on": d(TODAY - dt.timedelta(days=30)),
        },
    )
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"The due date cannot be before the meeting" in response.content
    assert not MeetingAction.objects.exists()


def test_completing_an_action_checks_the_date(org, agencies):
    meeting = create(org, agencies)
    pp = org["staff"]["practitioner"]
    action = services.meeting_add_action(
        meeting_id=meeting.pk,
        owner_agency_id=agencies["police"].pk,
        description="Share",
        due_on=TODAY,
        actor=pp,
    )
    for bad in (TODAY + dt.timedelta(days=1), meeting.held_on - dt.timedelta(days=1), None):
        with pytest.raises(ValidationError):
            services.meeting_complete_action(
                action_id=action.pk, completed_on=bad, version=1, actor=pp
            )
    action.refresh_from_db()
    assert action.status == "open"
    with pytest.raises(PermissionDenied):
        services.meeting_complete_action(
            action_id=action.pk, completed_on=TODAY, version=1, actor=org["staff"]["national"]
        )


# ---- attendance figures ---------------------------------------------------------------------


@pytest.fixture
def attendance_data(org, agencies, far_team):
    """A small fixed data set. In the home region, attendance recorded:

    MARAC 1: police, mental health, panel invited; police and mental health came.
    MARAC 2: police and panel invited; both came.
    MAPPA 2: police and mental health invited; mental health came.

    Police 2 of 3 (66.7%), mental health 2 of 2 (100%), panel 1 of 2 (50%).
    MARAC 4 of 5 (80%) over 2 meetings, MAPPA level 2 1 of 2 (50%).
    Duty to co-operate (mental health) 2 of 2 (100%); Responsible Authority (police) 2 of 3;
    others (panel) 1 of 2; all 5 of 7 (71.4%). The police are not duty-to-co-operate.

    Left out: a MARAC without attendance recorded, one before the period, and one in another
    region (counted only nationally: far police 0 of 1).
    """
    types = {t.code: t for t in MeetingType.objects.all()}
    start = TODAY - dt.timedelta(days=60)
    now = timezone.now()

    def meeting(code, days_ago, rows, pdu=None, recorded=True):
        m = Meeting.objects.create(
            meeting_type=types[code],
            held_on=TODAY - dt.timedelta(days=days_ago),
            pdu=pdu or org["team"].pdu,
            created_by=org["staff"]["practitioner"],
            attendance_recorded_at=now if recorded else None,
        )
        MeetingAttendance.objects.bulk_create(
            [MeetingAttendance(meeting=m, agency=agencies[k], attended=v) for k, v in rows]
        )
        return m

    meeting("MARAC", 10, [("police", True), ("mental_health", True), ("panel", False)])
    meeting("MARAC", 20, [("police", True), ("panel", True)])
    meeting("MAPPA_L2", 30, [("police", False), ("mental_health", True)])
    meeting("MARAC", 5, [("police", False)], recorded=False)
    meeting("MARAC", 90, [("police", False)])
    meeting("MAPPA_L3", 15, [("far", False)], pdu=far_team.pdu)
    return {"from": start, "to": TODAY}


def _by_label(rates):
    return {r.label: (r.invited, r.attended, r.rate) for r in rates}


def test_attendance_figures_match_the_hand_computed_set(org, agencies, attendance_data):
    figures = attendance_figures(
        user=org["staff"]["regional"],
        date_from=attendance_data["from"],
        date_to=attendance_data["to"],
    )
    assert figures["meetings"] == 3
    assert _by_label(figures["by_agency"]) == {
        "Kent Police": (3, 2, 66.7),
        "Kent and Medway NHS and Social Care Partnership Trust": (2, 2, 100.0),
        agencies["panel"].name: (2, 1, 50.0),
    }
    assert [r.label for r in figures["by_agency"]][0] == "Kent Police"  # most invited first
    assert _by_label(figures["by_type"]) == {
        "MARAC": (5, 4, 80.0),
        "MAPPA level 2 meeting": (2, 1, 50.0),
    }
    assert {r.label: r.meetings for r in figures["by_type"]} == {
        "MARAC": 2,
        "MAPPA level 2 meeting": 1,
    }
    assert _by_label(figures["duty_to_cooperate"]) == {
        "Duty-to-co-operate agencies": (2, 2, 100.0),
        "Responsible Authority (police)": (3, 2, 66.7),
        "Other agencies": (2, 1, 50.0),
        "All agencies": (7, 5, 71.4),
    }
    flags = {r.label: (r.duty_to_cooperate, r.responsible_authority) for r in figures["by_agency"]}
    assert flags["Kent Police"] == (False, True)
    assert flags["Kent and Medway NHS and Social Care Partnership Trust"] == (True, False)
    assert flags[agencies["panel"].name] == (False, False)


def test_attendance_figures_follow_scope_and_filters(org, agencies, far_team, attendance_data):
    period = {"date_from": attendance_data["from"], "date_to": attendance_data["to"]}
    national = attendance_figures(user=org["staff"]["national"], **period)
    assert national["meetings"] == 4
    assert _by_label(national["by_agency"])[agencies["far"].name] == (1, 0, 0.0)
    far = attendance_figures(user=org["staff"]["far_regional"], **period)
    assert far["meetings"] == 1 and len(far["by_agency"]) == 1
    only_far_pdu = attendance_figures(
        user=org["staff"]["national"], pdu_id=far_team.pdu_id, **period
    )
    assert only_far_pdu["meetings"] == 1
    home_region = attendance_figures(
        user=org["staff"]["national"], region_id=org["team"].pdu.region_id, **period
    )
    assert home_region["meetings"] == 3
    everything = attendance_figures(user=org["staff"]["regional"], date_from=None, date_to=None)
    assert everything["meetings"] == 4  # the meeting 90 days ago as well
    nobody = attendance_figures(user=org["staff"]["no_role"], **period)
    assert nobody["meetings"] == 0 and nobody["by_agency"] == []
    assert nobody["duty_to_cooperate"][0].rate is None


def test_attendance_page_shows_charts_and_tables(client, org, attendance_data):
    client.force_login(org["staff"]["regional"])
    response = client.get(
        "/meetings/attendance/",
        {"date_from": d(attendance_data["from"]), "date_to": d(attendance_data["to"])},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert "66.7%" in html and "80.0%" in html and "71.4%" in html
    assert "Duty-to-co-operate agencies attended <strong>100.0%</strong>" in html
    bad = client.get("/meetings/attendance/", {"date_from": "32/13/2026"})
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content


def test_attendance_exports_read_back(client, org, agencies, attendance_data):
    client.force_login(org["staff"]["regional"])
    period = {"date_from": d(attendance_data["from"]), "date_to": d(attendance_data["to"])}

    response = client.get("/meetings/attendance/", {**period, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Attendance by agency"]
    assert rows[1] == ["Agency", "Kind", "Duty to co-operate", "Invited", "Attended", "Rate (%)"]
    assert ["Kent Police", "Police", "no", "3", "2", "66.7"] in rows
    assert ["MARAC", "2", "5", "4", "80.0"] in rows
    assert ["Duty-to-co-operate agencies", "2", "2", "100.0"] in rows
    assert ["Responsible Authority (police)", "3", "2", "66.7"] in rows

    response = client.get("/meetings/attendance/", {**period, "format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Attendance by agency",
        "Attendance by meeting type",
        "Duty-to-co-operate agencies",
    ]
    by_agency = [list(r) for r in workbook["Attendance by agency"].iter_rows(values_only=True)]
    assert ["Kent Police", "Police", "no", 3, 2, 66.7] in by_agency
    duty = [list(r) for r in workbook["Duty-to-co-operate agencies"].iter_rows(values_only=True)]
    assert duty == [
        ["Agencies", "Invited", "Attended", "Rate (%)"],
        ["Duty-to-co-operate agencies", 2, 2, 100.0],
        ["Responsible Authority (police)", 3, 2, 66.7],
        ["Other agencies", 2, 1, 50.0],
        ["All agencies", 7, 5, 71.4],
    ]
    assert client.get("/meetings/attendance/", {"format": "pdf"}).status_code == 404


def test_a_pdu_outside_scope_cannot_be_chosen_on_the_report(client, org, far_team):
    client.force_login(org["staff"]["regional"])
    response = client.get("/meetings/attendance/", {"pdu": far_team.pdu_id})
    assert response.status_code == 200 and b"govuk-error-summary" in response.content


# ---- query counts ---------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_page_queries_do_not_grow_with_meetings(client, org, agencies):
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    create(org, agencies)
    client.get("/meetings/")
    few = _queries(client, "/meetings/")
    team = org["team"]
    for _ in range(12):
        extra = [PersonFactory(team=team).pk for _ in range(3)]
        meeting = create(org, agencies, invited=("police", "mental_health", "panel"))
        meeting.people.add(*extra)
        services.meeting_record_attendance(
            meeting_id=meeting.pk, attended_agency_ids=[agencies["police"].pk], version=1, actor=pp
        )
        services.meeting_add_action(
            meeting_id=meeting.pk,
            owner_agency_id=agencies["police"].pk,
            description="Share",
            due_on=TODAY,
            actor=pp,
        )
    create(org, agencies, people=("mine", "colleagues"))
    exclude(org["people"]["colleagues"], pp)
    assert _queries(client, "/meetings/") == few


def test_detail_page_queries_do_not_grow_with_people_agencies_or_actions(client, org, agencies):
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    small = create(org, agencies, invited=("police",))
    client.get(f"/meetings/{small.pk}/")
    few = _queries(client, f"/meetings/{small.pk}/")

    big = create(org, agencies, people=("mine", "colleagues"), invited=("police", "panel"))
    region = org["team"].pdu.region
    more_agencies = Agency.objects.filter(region=region, kind="adult_social_care")[:8]
    MeetingAttendance.objects.bulk_create(
        [MeetingAttendance(meeting=big, agency=a, attended=True) for a in more_agencies]
    )
    big.people.add(*[PersonFactory(team=org["team"]).pk for _ in range(10)])
    for i in range(8):
        services.meeting_add_action(
            meeting_id=big.pk,
            owner_agency_id=agencies["panel"].pk,
            description=f"Action {i}",
            due_on=TODAY,
            person_id=org["people"]["mine"].pk if i % 2 else None,
            actor=pp,
        )
    html = client.get(f"/meetings/{big.pk}/").content.decode()
    assert html.count('<li><a class="govuk-link" href="/people/') == 12  # all discussed
    assert _queries(client, f"/meetings/{big.pk}/") == few
