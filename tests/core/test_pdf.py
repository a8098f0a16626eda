"""safeguard.core.pdf: PDFs from templates, with nothing fetched but the service's own static
files, safe filenames and no caching."""

import pytest
from django.test import RequestFactory

from safeguard.core import pdf
from tests.pdfs import pdf_page_count, pdf_text, require_weasyprint

BASE = "http://testserver/"


@pytest.fixture
def rf_request(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return request


@pytest.mark.parametrize(
    "name",
    ["safety-plan.pdf", "case-summary.pdf", "board-pack-2026-q3.pdf", "referral-123.pdf"],
)
def test_filenames_that_name_a_kind_of_record_are_allowed(name):
    assert pdf.check_filename(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "X900001.pdf",
        "x900001.pdf",
        "safety-plan-x900001.pdf",
        "Safety plan for Sam.pdf",
        "safety-plan",
        "../safety-plan.pdf",
        'a".pdf',
        "",
    ],
)
def test_filenames_with_personal_data_or_odd_characters_are_refused(name):
    with pytest.raises(ValueError):
        pdf.check_filename(name)


def test_only_the_services_static_files_are_served_to_weasyprint(settings):
    css = pdf.static_file_for(BASE + "assets/safeguard/pdf.css", base_url=BASE)
    assert css is not None and css.name == "pdf.css"
    for url in [
        "http://elsewhere.example/assets/safeguard/pdf.css",  # another host
        "https://testserver/assets/safeguard/pdf.css",  # another scheme
        BASE + "assets/../secret_key",
        BASE + "assets/%2e%2e/secret_key",
        BASE + "assets/",
        BASE + "people/A000001/",  # a page, not a static file
        "file:///etc/passwd",
        "data:text/css,body{}",
        BASE + "assets/no-such-file.css",
    ]:
        assert pdf.static_file_for(url, base_url=BASE) is None, url


def test_a_template_renders_to_an_a4_pdf_marked_official_sensitive_with_page_numbers(rf_request):
    require_weasyprint()
    response = pdf.pdf_response(
        rf_request,
        template_name="pdf/base.html",
        context={},
        filename="test-record.pdf",
    )
    assert response["Content-Disposition"] == 'attachment; filename="test-record.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response)
    assert text.count("OFFICIAL-SENSITIVE") == 2  # top and bottom of the one page
    assert "Page 1 of 1" in text
    assert pdf_page_count(response) == 1
    from io import BytesIO

    from pypdf import PdfReader

    box = PdfReader(BytesIO(response.content)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)


def test_nothing_outside_the_static_files_is_fetched(rf_request, monkeypatch):
    require_weasyprint()
    asked = []
    real = pdf.static_file_for

    def spy(url, *, base_url):
        asked.append(url)
        return real(url, base_url=base_url)

    monkeypatch.setattr(pdf, "static_file_for", spy)
    html = (
        '<html><head><link rel="stylesheet" href="/assets/safeguard/pdf.css">'
        '<link rel="stylesheet" href="https://fonts.example/x.css"></head>'
        '<body><img src="file:///etc/hostname"><img src="/people/A000001/">'
        "<p>Body text</p></body></html>"
    )
    data = pdf.render_pdf(html=html, base_url=BASE)
    assert data.startswith(b"%PDF-")
    assert BASE + "assets/safeguard/pdf.css" in asked
    # Refused, never opened: the fetcher raised before any request left the machine.
    assert "https://fonts.example/x.css" in asked
    assert "file:///etc/hostname" in asked
