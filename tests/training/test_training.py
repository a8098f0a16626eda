"""Suicide-prevention training: courses as data, compliance by team, PDU and region, its work
items, CSV import with bad rows and re-upload, the API, scoping and the person page."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core.models import AccessLogEntry, Role, WorkItem
from safeguard.core.workitems import scan
from safeguard.training import compliance as training
from safeguard.training import rules, services
from safeguard.training.models import TrainingCourse, TrainingRecord
from tests.assessments.helpers import record_screen
from tests.factories import StaffFactory
from tests.helpers import bearer
from tests.learning.helpers import suicide_prevention, trained


@pytest.mark.django_db
def test_courses_are_loaded_from_data():
    course = suicide_prevention()
    assert course.mandatory_for == ["practitioner", "senior_probation_officer"]
    assert course.renewal_months == 24
    assert TrainingCourse.objects.filter(code="TI-PRACTICE", renewal_months__isnull=True).exists()
    assert [c.code for c in rules.mandatory_courses()] == ["SP-CORE"]


@pytest.fixture
def trained_team(org):
    """pp up to date; pp2 lapsed; spo due within 30 days; pp3 (other team) never trained."""
    pp, pp2, spo = (org["staff"][k] for k in ("practitioner", "colleague", "spo"))
    trained(pp, days_ago=100)
    trained(pp2, days_ago=800)  # 24 months is about 730 days
    trained(spo, days_ago=720)
    return org


@pytest.mark.django_db
def test_compliance_by_team_pdu_and_region(trained_team):
    org = trained_team
    today = timezone.localdate()
    course = suicide_prevention()
    by_team = training.compliance_by(
        user=org["staff"]["head"], course=course, group_by="team", today=today
    )
    rows = {r["group"]: r for r in by_team}
    home = rows[org["team"].name]
    assert (
        home["required"],
        home["compliant"],
        home["due_soon"],
        home["lapsed"],
        home["not_completed"],
    ) == (3, 1, 1, 1, 0)
    assert home["rate"] == round(2 / 3, 3)
    other = rows[org["staff"]["other_team_pp"].teams.get().name]
    assert (other["required"], other["not_completed"], other["rate"]) == (1, 1, 0.0)
    by_pdu = training.compliance_by(
        user=org["staff"]["head"], course=course, group_by="pdu", today=today
    )
    assert [(r["group"], r["required"], r["valid"]) for r in by_pdu] == [
        (org["team"].pdu.name, 4, 2)
    ]
    by_region = training.compliance_by(
        user=org["staff"]["national"], course=course, group_by="region", today=today
    )
    assert [(r["group"], r["required"]) for r in by_region] == [("Kent, Surrey and Sussex", 4)]
    # Heads of PDU, regional leads and national leads are not required to do this course.
    spo_view = training.compliance_by(
        user=org["staff"]["spo"], course=course, group_by="team", today=today
    )
    assert [r["group"] for r in spo_view] == [org["team"].name]
    statuses = {
        s.username: s.training_status
        for s in training.staff_statuses(user=org["staff"]["spo"], course=course, today=today)
    }
    assert statuses == {"pp": "compliant", "pp2": "lapsed", "spo": "due_soon"}


@pytest.mark.django_db
def test_work_items_for_lapsed_due_and_never_done_training(trained_team):
    org = trained_team
    today = timezone.localdate()
    result = scan(rules.TRAINING_DUE, today=today)
    items = {
        i.assigned_to.username: i for i in WorkItem.objects.filter(rule="mandatory_training_due")
    }
    assert result.raised == 3 and set(items) == {"pp2", "spo", "pp3"}
    assert items["pp2"].person is None and items["pp2"].team == org["team"]
    assert "lapsed" in items["pp2"].detail
    assert "due for renewal" in items["spo"].detail
    assert "never completed" in items["pp3"].detail and items["pp3"].due_on == today
    assert items["spo"].due_on == trained_team["staff"]["spo"].training_records.get().expires_on
    # Idempotent, and resolved once the training is recorded.
    assert scan(rules.TRAINING_DUE, today=today).raised == 0
    trained(org["staff"]["colleague"], days_ago=1)
    assert scan(rules.TRAINING_DUE, today=today).resolved == 1
    assert WorkItem.objects.get(pk=items["pp2"].pk).status == "resolved"
    # A person's scan after a change to a case leaves staff items alone.
    scan(rules.TRAINING_DUE, today=today, person_ids=[org["people"]["mine"].pk])
    assert WorkItem.objects.filter(rule="mandatory_training_due", status="open").count() == 2


@pytest.mark.django_db
def test_training_items_are_in_my_work_only_for_their_owner(client, trained_team):
    org = trained_team
    scan(rules.TRAINING_DUE, today=timezone.localdate())
    client.force_login(org["staff"]["colleague"])
    assert "Mandatory training lapsed or due" in client.get("/my-work/").content.decode()
    client.force_login(org["staff"]["practitioner"])
    assert "Mandatory training lapsed or due" not in client.get("/my-work/").content.decode()


# ---- import ----------------------------------------------------------------------------------

CSV_WITH_BAD_ROWS = (
    "username,course,completed_on\n"
    "pp,SP-CORE,2026-01-15\n"  # 2 good
    "pp2,sp-core,15/01/2026\n"  # 3 good (lower case code, UK date)
    "ghost,SP-CORE,2026-01-15\n"  # 4 unknown person
    "pp,NOPE,2026-01-15\n"  # 5 unknown course
    "pp,SP-CORE,2026-13-45\n"  # 6 bad date
    "pp,SP-CORE,2099-01-01\n"  # 7 in the future
    ",SP-CORE,2026-01-15\n"  # 8 no username
    "far_regional,SP-CORE,2026-01-15\n"  # 9 out of the importer's area
    "\n"
    "spo,SG-ADULT,\n"  # 11 no date
    "pp,SP-CORE,2026-01-15\n"  # 12 repeats line 2
)


@pytest.mark.django_db
def test_csv_import_reports_every_bad_row_and_loads_the_good_ones(org):
    rows, errors = services.parse_training_csv(CSV_WITH_BAD_ROWS.encode())
    assert errors == []
    report = services.training_records_import(rows=rows, actor=org["staff"]["head"])
    assert report.created == 2 and report.already_recorded == 1
    assert [(e.line, e.field) for e in report.errors] == [
        (4, "username"),
        (5, "course"),
        (6, "completed_on"),
        (7, "completed_on"),
        (8, "username"),
        (9, "username"),
        (11, "completed_on"),
    ]
    record = TrainingRecord.objects.get(staff=org["staff"]["practitioner"])
    assert record.expires_on == dt.date(2028, 1, 15) and record.source == "import"
    again = services.training_records_import(rows=rows, actor=org["staff"]["head"])
    assert again.created == 0 and again.already_recorded == 3 and len(again.errors) == 7
    assert TrainingRecord.objects.count() == 2
    assert AccessLogEntry.objects.filter(detail__startswith="training records: 2 added").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,course\nx,y\n", "missing: username, completed_on"),
        (b"\xff\xfe\x00bad", "UTF-8"),
    ],
)
def test_a_file_that_is_not_a_training_csv_is_refused(content, message):
    rows, errors = services.parse_training_csv(content)
    assert rows == [] and errors[0].line == 1 and message in errors[0].message


@pytest.mark.django_db
def test_upload_page_reports_bad_lines(client, org):
    client.force_login(org["staff"]["spo"])
    assert client.get("/training/import/").status_code == 200
    upload = SimpleUploadedFile("training.csv", CSV_WITH_BAD_ROWS.encode(), content_type="text/csv")
    html = client.post("/training/import/", {"file": upload}).content.decode()
    assert "2 records added" in html and "1 already recorded" in html
    assert "No member of staff in your area has the username &#x27;ghost&#x27;" in html
    # The SPO's area is their team: the head of PDU is not in it.
    assert "&#x27;far_regional&#x27;" in html
    again = SimpleUploadedFile("training.csv", CSV_WITH_BAD_ROWS.encode(), content_type="text/csv")
    html = client.post("/training/import/", {"file": again}).content.decode()
    assert "0 records added" in html and "3 already recorded" in html
    assert TrainingRecord.objects.count() == 2
    not_csv = SimpleUploadedFile("training.xlsx", b"abc", content_type="application/octet-stream")
    html = client.post("/training/import/", {"file": not_csv}).content.decode()
    assert "govuk-error-summary" in html and "must be a CSV file" in html
    assert "govuk-error-summary" in client.post("/training/import/", {}).content.decode()


@pytest.mark.django_db
def test_training_entered_by_hand(client, org):
    spo = org["staff"]["spo"]
    client.force_login(spo)
    page = client.get("/training/records/new/").content.decode()
    assert 'value="pp"' in page and 'value="pp3"' not in page  # only the SPO's team
    today = timezone.localdate().strftime("%d/%m/%Y")
    bad = client.post(
        "/training/records/new/", {"staff": "pp3", "course": "SP-CORE", "completed_on": today}
    )
    assert "Choose a member of staff from the list" in bad.content.decode()
    future = (timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    bad = client.post(
        "/training/records/new/", {"staff": "pp", "course": "SP-CORE", "completed_on": future}
    )
    assert "in the future" in bad.content.decode()
    ok = client.post(
        "/training/records/new/", {"staff": "pp", "course": "SP-CORE", "completed_on": today}
    )
    assert ok.status_code == 302
    again = client.post(
        "/training/records/new/", {"staff": "pp", "course": "SP-CORE", "completed_on": today}
    )
    assert again.status_code == 302 and TrainingRecord.objects.count() == 1
    with pytest.raises(ValidationError) as caught:
        services.training_record_add(username="pp", course="XX", completed_on=today, actor=spo)
    assert "course" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.training_record_add(
            username="pp", course="SP-CORE", completed_on=today, actor=org["staff"]["practitioner"]
        )


# ---- pages and API -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "compliance"),
    [
        ("practitioner", False),
        ("spo", True),
        ("head", True),
        ("regional", True),
        ("national", True),
        ("inspector", True),
    ],
)
def test_the_training_page_by_role(client, trained_team, staff_key, compliance):
    staff = trained_team["staff"][staff_key]
    client.force_login(staff)
    html = client.get("/training/").content.decode()
    assert ("Training compliance" in html) == compliance
    # the menu groups it under Reports, whose page lists it for those who may see it
    reports = client.get("/reports/").content.decode()
    assert ('href="/training/">Training</a>' in reports) == compliance
    assert AccessLogEntry.objects.filter(actor=staff, detail="training").exists()
    for url in ("/training/import/", "/training/records/new/"):
        expected = 200 if staff_key in ("spo", "head", "regional", "national") else 403
        assert client.get(url).status_code == expected


@pytest.mark.django_db
def test_the_compliance_page_filters_and_keeps_its_query_count(client, trained_team):
    org = trained_team
    client.force_login(org["staff"]["regional"])
    html = client.get("/training/?group_by=pdu&course=SP-CORE").content.decode()
    assert org["team"].pdu.name in html
    assert client.get("/training/?group_by=galaxy").status_code == 200
    with CaptureQueriesContext(connection) as few:
        client.get("/training/")
    for index in range(8):
        member = StaffFactory(role=Role.PRACTITIONER, teams=[org["team"]], username=f"extra{index}")
        trained(member, days_ago=900)
    with CaptureQueriesContext(connection) as many:
        client.get("/training/")
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.django_db
def test_the_compliance_api(client, trained_team):
    org = trained_team
    body = client.get(
        "/api/v1/training/compliance?group_by=team", **bearer(org["staff"]["spo"])
    ).json()
    assert body["course"] == "SP-CORE"
    assert body["groups"] == [
        {
            "id": org["team"].pk,
            "name": org["team"].name,
            "within": org["team"].pdu.name,
            "required": 3,
            "up_to_date": 1,
            "due_within_30_days": 1,
            "lapsed": 1,
            "never_completed": 0,
            "compliance_rate": round(2 / 3, 3),
        }
    ]
    regions = client.get(
        "/api/v1/training/compliance?group_by=region", **bearer(org["staff"]["national"])
    ).json()
    assert regions["groups"][0]["required"] == 4
    far = client.get("/api/v1/training/compliance", **bearer(org["staff"]["far_regional"])).json()
    assert far["groups"] == []
    assert (
        client.get(
            "/api/v1/training/compliance", **bearer(org["staff"]["practitioner"])
        ).status_code
        == 403
    )
    bad = client.get("/api/v1/training/compliance?group_by=galaxy", **bearer(org["staff"]["spo"]))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "group_by"
    bad = client.get("/api/v1/training/compliance?course=NOPE", **bearer(org["staff"]["spo"]))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "course"
    assert AccessLogEntry.objects.filter(
        channel="api", detail__startswith="training compliance"
    ).exists()


@pytest.mark.django_db
def test_the_records_api_loads_good_records_and_reports_bad_ones(client, org):
    head = bearer(org["staff"]["head"])
    payload = {
        "records": [
            {"username": "pp", "course": "SP-CORE", "completed_on": "2026-01-15"},
            {"username": "pp", "course": "SP-CORE", "completed_on": "not a date"},
            {"username": "nobody", "course": "SP-CORE", "completed_on": "2026-01-15"},
        ]
    }
    url = "/api/v1/training/records"
    body = client.post(url, payload, content_type="application/json", **head).json()
    assert body["created"] == 1 and body["rejected"] == 2
    assert [(e["line"], e["field"]) for e in body["errors"]] == [
        (2, "completed_on"),
        (3, "username"),
    ]
    again = client.post(url, payload, content_type="application/json", **head).json()
    assert again["created"] == 0 and again["already_recorded"] == 1
    assert TrainingRecord.objects.count() == 1
    empty = client.post(url, {"records": []}, content_type="application/json", **head)
    assert empty.status_code == 422
    missing = client.post(
        url, {"records": [{"username": "pp"}]}, content_type="application/json", **head
    )
    assert missing.status_code == 422 and "records.0.course" in [
        e["field"] for e in missing.json()["errors"]
    ]
    pp = bearer(org["staff"]["practitioner"])
    assert client.post(url, payload, content_type="application/json", **pp).status_code == 403


# ---- the person page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_spo_sees_the_practitioners_training_when_risk_to_self_is_high(client, org):
    person = org["people"]["mine"]
    pp, spo = org["staff"]["practitioner"], org["staff"]["spo"]
    trained(pp, days_ago=800)
    client.force_login(spo)
    assert (
        "suicide-prevention training" not in client.get(f"/people/{person.crn}/").content.decode()
    )
    record_screen(person, pp, ssh_thoughts="often", ssh_triggers=["release"])
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "Practitioner's suicide-prevention training" in html and "Lapsed" in html
    client.force_login(pp)
    assert (
        "suicide-prevention training" not in client.get(f"/people/{person.crn}/").content.decode()
    )
