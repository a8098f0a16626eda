"""Which board received a board pack and what it decided (issue 19, recommendation 1:
"sharing with regional strategic boards" made traceable): recorded on a page with the GOV.UK
error summary, audited, capability-checked and scoped to the region (or a head's PDU)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.errors import NotPermitted, StaleEdit
from safeguard.core.models import AccessLogEntry, Region
from safeguard.learning import selectors, services
from safeguard.learning.models import BoardPackShare

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
URL = "/learning/board-pack/shared/"


def d(day):
    return day.strftime("%d/%m/%Y")


def share(org, actor_key="regional", **overrides):
    fields = {
        "region_id": org["team"].pdu.region_id,
        "period_from": TODAY - dt.timedelta(days=365),
        "period_to": TODAY - dt.timedelta(days=30),
        "board": "Kent and Medway Safeguarding Adults Board",
        "shared_on": TODAY - dt.timedelta(days=7),
        "actor": org["staff"][actor_key],
    }
    fields.update(overrides)
    return services.board_pack_share_record(**fields)


def test_sharing_a_pack_and_recording_the_boards_response_is_audited(org):
    shared = share(org)
    assert shared.version == 1 and shared.response == "" and shared.pdu is None
    entry = AccessLogEntry.objects.filter(event="board_pack.shared").get()
    assert entry.actor == org["staff"]["regional"]
    assert "Kent and Medway Safeguarding Adults Board" in entry.detail
    answered = services.board_pack_response_record(
        share_id=shared.pk,
        response="Agreed a task and finish group on release-day deaths",
        responded_on=TODAY - dt.timedelta(days=1),
        version=1,
        actor=org["staff"]["regional"],
    )
    assert answered.version == 2 and answered.responded_on == TODAY - dt.timedelta(days=1)
    assert AccessLogEntry.objects.filter(event="board_pack.response_recorded").count() == 1
    assert answered.history.count() == 2
    with pytest.raises(StaleEdit):
        services.board_pack_response_record(
            share_id=shared.pk,
            response="Something else",
            responded_on=TODAY,
            version=1,
            actor=org["staff"]["regional"],
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"board": "  "}, "board"),
        ({"shared_on": TODAY + dt.timedelta(days=1)}, "shared_on"),
        ({"period_from": TODAY, "period_to": TODAY - dt.timedelta(days=3)}, "period_to"),
        ({"shared_on": TODAY - dt.timedelta(days=60)}, "shared_on"),
    ],
)
def test_bad_shares_are_refused_naming_the_field(org, overrides, field):
    with pytest.raises(ValidationError) as caught:
        share(org, **overrides)
    assert field in caught.value.message_dict
    assert not BoardPackShare.objects.exists()
    assert not AccessLogEntry.objects.filter(event="board_pack.shared").exists()


def test_who_may_record_and_where(org):
    with pytest.raises(NotPermitted):
        share(org, actor_key="inspector")
    with pytest.raises(NotPermitted):
        share(org, actor_key="practitioner")
    far_region = Region.objects.get(code="NE")
    with pytest.raises(ValidationError):
        share(org, region_id=far_region.pk)  # not the regional lead's region
    head_share = share(org, actor_key="head")
    assert head_share.pdu_id == org["staff"]["head"].pdu_id  # a head's pack is their PDU's
    national_share = share(org, actor_key="national", region_id=far_region.pk)
    regional = set(selectors.board_pack_shares_for(org["staff"]["regional"]))
    assert regional == {head_share}
    assert set(selectors.board_pack_shares_for(org["staff"]["head"])) == {head_share}
    assert set(selectors.board_pack_shares_for(org["staff"]["national"])) == {
        head_share,
        national_share,
    }
    assert list(selectors.board_pack_shares_for(org["staff"]["practitioner"])) == []


def test_the_page_records_a_share_and_a_response(client, org):
    client.force_login(org["staff"]["regional"])
    page = client.get(URL, {"date_from": d(TODAY - dt.timedelta(days=90))})
    assert page.status_code == 200
    assert b"Record that a board pack was shared" in page.content
    response = client.post(
        URL,
        {
            "region": org["team"].pdu.region_id,
            "board": "Kent Criminal Justice Board",
            "shared_on": d(TODAY),
            "period_from": d(TODAY - dt.timedelta(days=90)),
            "period_to": d(TODAY),
        },
    )
    assert response.status_code == 302
    shared = BoardPackShare.objects.get()
    listing = client.get(URL).content.decode()
    assert "Kent Criminal Justice Board" in listing and "No response recorded" in listing
    answer_url = f"/learning/board-pack/shared/response/?share={shared.pk}"
    assert client.get(answer_url).status_code == 200
    answered = client.post(
        answer_url,
        {"response": "Asked for a deep dive", "responded_on": d(TODAY), "version": 1},
    )
    assert answered.status_code == 302
    shared.refresh_from_db()
    assert shared.response == "Asked for a deep dive"
    assert "Asked for a deep dive" in client.get(URL).content.decode()


def test_bad_input_on_the_page_shows_the_error_summary_and_writes_nothing(client, org):
    client.force_login(org["staff"]["regional"])
    response = client.post(
        URL,
        {"region": "", "board": "", "shared_on": "31/02/2026", "period_from": "", "period_to": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "Enter the name of the board" in html
    assert not BoardPackShare.objects.exists()
    shared = share(org)
    bad = client.post(
        f"/learning/board-pack/shared/response/?share={shared.pk}",
        {"response": "", "responded_on": d(TODAY), "version": 1},
    )
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content
    assert b"Enter what the board decided" in bad.content


def test_pages_are_capability_checked_and_scoped(client, org):
    shared = share(org)
    client.force_login(org["staff"]["inspector"])
    assert client.get(URL).status_code == 200  # may read the record of sharing
    assert client.post(URL, {}).status_code == 403
    assert client.get(f"/learning/board-pack/shared/response/?share={shared.pk}").status_code == 403
    client.force_login(org["staff"]["practitioner"])
    assert client.get(URL).status_code == 403
    client.force_login(org["staff"]["far_regional"])
    assert client.get(f"/learning/board-pack/shared/response/?share={shared.pk}").status_code == 404
    assert "Safeguarding Adults Board</th>" not in client.get(URL).content.decode()
    assert client.get("/learning/board-pack/shared/response/").status_code == 302
