"""Helpers for tests of PDF downloads: skip where WeasyPrint cannot run, read a PDF's text."""

import io

import pytest


def require_weasyprint():
    """Skip (saying why) on a machine without Pango, as the browser tests do without Chromium."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"WeasyPrint cannot run here ({exc}); `make system-deps` installs Pango")


def pdf_text(response) -> str:
    """The text of every page of a PDF response, pages joined by newlines, whitespace runs
    collapsed to one space within each line."""
    from pypdf import PdfReader

    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    lines = []
    for page in reader.pages:
        for line in (page.extract_text() or "").splitlines():
            lines.append(" ".join(line.split()))
    return "\n".join(lines)


def pdf_page_count(response) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(response.content)).pages)
