"""Back links return to the list the user came from, and never leave the site."""

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from safeguard.core.backlinks import BACK_TO, back_link

DEFAULT = ("/caseload/", "Back to caseload")


def _request(path="/people/A000001/", next_value=None, referer=None):
    factory = RequestFactory()
    data = {"next": next_value} if next_value is not None else {}
    extra = {"HTTP_REFERER": referer} if referer else {}
    return factory.get(path, data, **extra)


@pytest.mark.parametrize(
    ("next_value", "referer", "expected"),
    [
        ("/my-work/", None, ("/my-work/", "Back to My work")),
        (None, "http://testserver/my-work/", ("/my-work/", "Back to My work")),
        (
            None,
            "http://testserver/caseload/?flag=mappa&sort=name",
            ("/caseload/?flag=mappa&sort=name", "Back to caseload"),
        ),
        ("/search/", "http://testserver/my-work/", ("/search/", "Back to search")),
        (None, "http://testserver/people/A000001/details/", DEFAULT),  # a form page
        (None, "https://evil.example/my-work/", DEFAULT),
        ("//evil.example/my-work/", None, DEFAULT),
        ("https://evil.example/my-work/", None, DEFAULT),
        ("/\\evil.example/my-work/", None, DEFAULT),
        ("javascript:alert(1)", None, DEFAULT),
        ("/my-work/\n", None, DEFAULT),
        (None, None, DEFAULT),
    ],
)
def test_back_links(next_value, referer, expected):
    assert back_link(_request(next_value=next_value, referer=referer), *DEFAULT) == expected


@given(st.text(max_size=80))
def test_whatever_next_says_the_link_stays_on_the_site(value):
    href, text = back_link(_request(next_value=value), *DEFAULT)
    assert (href, text) == DEFAULT or (
        href.startswith("/") and not href.startswith("//") and href.split("?")[0] in BACK_TO
    )


@pytest.mark.django_db
def test_the_person_page_goes_back_to_my_work_when_opened_from_it(client, org):
    client.force_login(org["staff"]["practitioner"])
    came_from_work = client.get("/people/A000001/", HTTP_REFERER="http://testserver/my-work/")
    assert b'<a href="/my-work/" class="govuk-back-link">Back to My work</a>' in (
        came_from_work.content
    )
    direct = client.get("/people/A000001/")
    assert b'<a href="/caseload/" class="govuk-back-link">Back to caseload</a>' in direct.content
