"""Loading responses (row-by-row errors, re-loads add nothing) and the figures (Wilson
intervals checked by hand, the small-number rule, free text only where 5 or more answered)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard.core.errors import NotPermitted
from safeguard.core.models import AccessLogEntry
from safeguard.feedback import analysis, surveys
from safeguard.feedback.models import FeedbackAnswer, FeedbackComment, FeedbackResponse
from tests.feedback.helpers import SURVEY, load, office, rows_of

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _figures(user, **kwargs):
    survey = surveys.current(SURVEY)
    return analysis.overall(analysis.responses_for(user, survey=SURVEY, **kwargs), survey)


def _row(rows, question, answer):
    return next(r for r in rows if r["question"] == question and r["answer"] == answer)


# ---- figures against hand-computed Wilson intervals -------------------------------------------


def test_figures_on_a_fixed_set_match_hand_computed_wilson_intervals(org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    report = load(regional, rows_of({"yes": 13, "no": 5, "not_sure": 2}, pdu=pdu))
    assert (report.loaded, report.errors) == (20, [])
    rows = _figures(regional)
    yes = _row(rows, "happy_with_support", "yes")
    assert yes == {
        "question": "happy_with_support",
        "answer": "yes",
        "n": 20,
        "count": 13,
        "percent": 65.0,
        "ci_low": 43.3,
        "ci_high": 81.9,
    }
    # 2 of 20 is a count of 1 to 4: hidden, and with it the next smallest (5), so that
    # neither can be worked out from n.
    for answer in ("no", "not_sure"):
        hidden = _row(rows, "happy_with_support", answer)
        assert (hidden["count"], hidden["percent"], hidden["ci_low"]) == ("<5", None, None)
    unsuppressed = analysis.overall(
        analysis.responses_for(regional, survey=SURVEY), surveys.current(SURVEY), suppress=False
    )
    no = _row(unsuppressed, "happy_with_support", "no")
    assert (no["count"], no["percent"], no["ci_low"], no["ci_high"]) == (5, 25.0, 11.2, 46.9)
    ns = _row(unsuppressed, "happy_with_support", "not_sure")
    assert (ns["count"], ns["ci_low"], ns["ci_high"]) == (2, 2.8, 30.1)


@pytest.mark.parametrize(
    ("count", "n", "low", "high"),
    [(8, 20, 21.9, 61.3), (20, 20, 83.9, 100.0), (0, 20, 0.0, 16.1), (13, 20, 43.3, 81.9)],
)
def test_wilson_by_hand(count, n, low, high):
    f = analysis.figure("q", "yes", count, n)
    assert (f["ci_low"], f["ci_high"]) == (low, high)


@given(n=st.integers(1, 5000), data=st.data())
@settings(max_examples=200, deadline=None)
def test_the_interval_always_holds_the_percentage(n, data):
    count = data.draw(st.integers(0, n))
    f = analysis.figure("q", "yes", count, n)
    assert 0 <= f["ci_low"] <= f["percent"] <= f["ci_high"] <= 100


@given(counts=st.lists(st.integers(0, 40), min_size=3, max_size=3))
@settings(max_examples=200, deadline=None)
def test_no_published_count_is_1_to_4_and_no_hidden_count_can_be_worked_out(counts):
    n = sum(counts)
    if not n:
        return
    rows = [
        analysis.figure("q", a, c, n)
        for a, c in zip(("yes", "no", "not_sure"), counts, strict=True)
    ]
    shown = analysis.suppress_rows(rows)
    published = [r["count"] for r in shown]
    assert not any(isinstance(c, int) and 0 < c < 5 for c in published)
    if shown[0]["n"] != "<5":
        assert published.count("<5") != 1


def test_breakdowns_by_pdu_sex_and_age_band_use_the_small_number_rule(org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    load(regional, rows_of({"yes": 6, "no": 6}, pdu=pdu, sex="female", age_band="25-34"))
    load(regional, rows_of({"yes": 3}, pdu=pdu, sex="male", age_band="50-64"))
    responses = analysis.responses_for(regional, survey=SURVEY)
    survey = surveys.current(SURVEY)
    by_sex = analysis.breakdown(responses, survey, "sex")
    women = [r for r in by_sex if r["group"] == "female" and r["question"] == "happy_with_support"]
    assert [r["count"] for r in women] == [6, 6, 0]
    men = [r for r in by_sex if r["group"] == "male"]
    assert {r["n"] for r in men} == {"<5"} and {r["count"] for r in men} == {"<5"}
    by_pdu = analysis.breakdown(responses, survey, "pdu")
    assert {r["group"] for r in by_pdu} == {pdu}
    assert analysis.breakdown(responses, survey, "age_band")


def test_trends_by_quarter(org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    load(regional, rows_of({"yes": 6, "no": 6}, pdu=pdu, day=dt.date(2026, 2, 10)))
    load(regional, rows_of({"yes": 9, "no": 6}, pdu=pdu, day=dt.date(2026, 5, 10)))
    trends = analysis.trends(
        analysis.responses_for(regional, survey=SURVEY), surveys.current(SURVEY)
    )
    assert [t["quarter"] for t in trends] == ["2026 Q1", "2026 Q2"]
    happy = [next(c for c in t["cells"] if c["question"] == "happy_with_support") for t in trends]
    assert [(c["count"], c["n"], c["percent"]) for c in happy] == [(6, 12, 50.0), (9, 15, 60.0)]


def test_period_and_pdu_filters(org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    load(regional, rows_of({"yes": 5}, pdu=pdu, day=dt.date(2026, 1, 5)))
    load(regional, rows_of({"no": 5}, pdu=pdu, day=dt.date(2026, 3, 5)))
    rows = _figures(regional, date_from=dt.date(2026, 2, 1))
    assert _row(rows, "happy_with_support", "no")["count"] == 5
    assert _row(rows, "happy_with_support", "yes")["count"] == 0
    assert _figures(regional, pdu_code="NOPE") == []


# ---- free text and anonymity -----------------------------------------------------------------


def test_free_text_is_never_shown_where_fewer_than_5_answered(org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    rows = [
        {"answers": {"happy_with_support": "yes", "biggest_issue": f"Housing {i}"}, "pdu": pdu}
        for i in range(4)
    ]
    rows += [
        {"answers": {"what_would_help": f"Evening appointments {i}"}, "pdu": pdu} for i in range(5)
    ]
    load(regional, rows)
    texts = {
        t.question.id: t
        for t in analysis.free_text(
            analysis.responses_for(regional, survey=SURVEY), surveys.current(SURVEY)
        )
    }
    assert (texts["biggest_issue"].answered, texts["biggest_issue"].shown) == (4, False)
    assert texts["biggest_issue"].texts == []
    assert texts["what_would_help"].shown and len(texts["what_would_help"].texts) == 5


def test_imported_responses_name_no_one(org):
    regional = org["staff"]["regional"]
    load(regional, rows_of({"yes": 5}, pdu=org["team"].pdu.code))
    assert not FeedbackResponse.objects.filter(person__isnull=False).exists()
    assert not FeedbackResponse.objects.filter(contact_requested=True).exists()


# ---- import: errors row by row, re-loads ------------------------------------------------------


def test_every_bad_row_is_reported_and_the_good_rows_load(org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    far_pdu = org["people"]["far"].pdu.code
    report = load(
        regional,
        [
            {"answers": {"happy_with_support": "yes"}, "pdu": pdu},
            {"answers": {"happy_with_support": "maybe"}, "pdu": pdu},
            {"answers": {"not_a_question": "yes"}},
            {"answers": {}},
            {"answers": {"happy_with_support": "no"}, "pdu": far_pdu},
            {"answers": {"happy_with_support": "no"}, "answered_on": "31/02/2026"},
            {"answers": {"happy_with_support": "no"}, "answered_on": "2999-01-01"},
            {"answers": {"happy_with_support": 1}},
            "not an object",
            {"answers": {"biggest_issue": "x" * 2001}},
            {"answers": {"biggest_issue": "right\u202eleft"}},
            {"answers": {"neurodivergent": "not_sure"}, "sex": "other"},
            {"answers": {"neurodivergent": "not_sure"}, "office": "NOPE"},
            {"answers": {"contact_me": "yes"}},
            {"answers": {"neurodivergent": "no"}, "answered_on": "2026-01-31"},
        ],
    )
    assert report.loaded == 2
    assert [(e.row, e.field) for e in report.errors] == [
        (2, "answers.happy_with_support"),
        (3, "answers.not_a_question"),
        (4, "answers"),
        (5, "pdu"),
        (6, "answered_on"),
        (7, "answered_on"),
        (8, "answers.happy_with_support"),
        (9, "row"),
        (10, "answers.biggest_issue"),
        (11, "answers.biggest_issue"),
        (12, "sex"),
        (13, "office"),
        (14, "answers.contact_me"),
    ]
    assert "'maybe' is not an answer: use yes, no, not_sure" in report.errors[0].message
    assert FeedbackResponse.objects.count() == 2


def test_reloading_the_same_file_adds_nothing_twice(org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    rows = [{"answers": {"happy_with_support": "yes"}, "pdu": pdu} for _ in range(3)]
    rows.append({"answers": {"happy_with_support": "no"}, "pdu": pdu, "id": "tool-7"})
    first = load(regional, rows)
    again = load(regional, rows)
    assert (first.loaded, first.already_loaded) == (4, 0)
    assert (again.loaded, again.already_loaded) == (0, 4)
    # Identical anonymous rows are different people: three stay three.
    assert FeedbackAnswer.objects.filter(answer="yes").count() == 3
    # One more identical row in a longer file is one more person.
    assert load(regional, [*rows, rows[0]]).loaded == 1
    # A row named by its id is the same row even if its answers were corrected.
    rows[-1] = {"answers": {"happy_with_support": "yes"}, "pdu": pdu, "id": "tool-7"}
    assert load(regional, rows).loaded == 0


def test_an_import_is_audited_and_needs_the_capability(org):
    regional = org["staff"]["regional"]
    load(regional, rows_of({"yes": 2}, pdu=org["team"].pdu.code))
    entry = AccessLogEntry.objects.filter(event="feedback.imported").get()
    assert entry.actor == regional and entry.person is None
    assert "2 loaded" in entry.detail
    with pytest.raises(NotPermitted):
        load(org["staff"]["practitioner"], rows_of({"yes": 1}))
    with pytest.raises(ValidationError):
        load(regional, rows_of({"yes": 1}), survey="nope")


def test_scope_regional_lead_sees_only_their_region(org):
    national = org["staff"]["national"]
    load(national, rows_of({"yes": 5}, pdu=org["people"]["far"].pdu.code))
    load(national, rows_of({"no": 5}, pdu=org["team"].pdu.code))
    regional_rows = _figures(org["staff"]["regional"])
    assert _row(regional_rows, "happy_with_support", "yes")["count"] == 0
    assert _row(_figures(national), "happy_with_support", "yes")["count"] == 5
    head_rows = _figures(org["staff"]["head"])
    assert _row(head_rows, "happy_with_support", "no")["count"] == 5
    assert _figures(org["staff"]["far_regional"])[0]["n"] == 5


def test_comments_are_stored_apart_and_counted(org):
    load(org["staff"]["regional"], [{"answers": {"what_would_help": "More time"}}])
    assert FeedbackComment.objects.get().text == "More time"


def test_office_safety_beside_appointments_held_there_and_alternatives(org):
    from tests.engagement.factories import AppointmentFactory

    regional = org["staff"]["regional"]
    pdu = org["team"].pdu
    here = office(pdu)
    load(
        regional,
        rows_of({"yes": 12, "no": 8}, question="feels_safe_at_office", office=here.code),
    )
    person = org["people"]["mine"]
    for _ in range(6):
        AppointmentFactory(person=person, kind="office", location=here.location)
    for kind in ("home_visit", "partner_agency", "phone", "video", "video"):
        for _ in range(5):
            AppointmentFactory(person=person, kind=kind)
    rows = analysis.office_safety(regional, analysis.responses_for(regional, survey=SURVEY))
    row = next(r for r in rows if r["office"] == here)
    assert (row["n"], row["yes"], row["percent"]) == (20, 12, 60.0)
    assert (row["ci_low"], row["ci_high"]) == (38.7, 78.1)
    assert row["held_there"] == 6
    assert {a["kind"]: a["count"] for a in row["alternatives"]} == {
        "home_visit": 5,
        "partner_agency": 5,
        "phone": 5,
        "video": 10,
    }
    assert row["alternatives_total"] == 25
