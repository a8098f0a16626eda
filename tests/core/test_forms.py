"""The form-page helper: a service call on a valid POST, its errors on the form, else a redirect."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from safeguard.core.forms import submit_form


class NoteForm(forms.Form):
    note = forms.CharField()


def _request(method="get", data=None):
    request = getattr(RequestFactory(), method)("/somewhere/", data or {})
    request._messages = CookieStorage(request)
    return request


def _flashed(request):
    return [str(m) for m in get_messages(request)]


class Recorder:
    """A stand-in service: records what it was given, then returns or raises ``outcome``."""

    def __init__(self, outcome=None):
        self.outcome = outcome
        self.calls = []

    def __call__(self, data):
        self.calls.append(dict(data))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def _submit(request, form, action, **kwargs):
    kwargs.setdefault("success", "Saved")
    kwargs.setdefault("next_url", "/done/")
    return submit_form(request, form, action, **kwargs)


def test_a_get_shows_the_form_without_calling_the_service():
    request = _request()
    form = NoteForm(request.POST or None)
    action = Recorder()

    assert _submit(request, form, action) is None
    assert action.calls == []
    assert not form.is_bound
    assert _flashed(request) == []


def test_an_invalid_form_is_shown_again_without_calling_the_service():
    request = _request("post", {"note": ""})
    form = NoteForm(request.POST)
    action = Recorder()

    assert _submit(request, form, action) is None
    assert action.calls == []
    assert "note" in form.errors
    assert _flashed(request) == []


def test_a_service_error_naming_a_field_goes_on_that_field_and_nothing_is_flashed():
    request = _request("post", {"note": "hello"})
    form = NoteForm(request.POST)
    action = Recorder(ValidationError({"note": "Too cheerful"}))

    assert _submit(request, form, action) is None
    assert action.calls == [{"note": "hello"}]
    assert form.errors == {"note": ["Too cheerful"]}
    assert _flashed(request) == []


def test_a_service_error_naming_no_field_is_a_non_field_error():
    request = _request("post", {"note": "hello"})
    form = NoteForm(request.POST)
    action = Recorder(ValidationError("The case is closed"))

    assert _submit(request, form, action) is None
    assert form.non_field_errors() == ["The case is closed"]
    assert "note" not in form.errors
    assert _flashed(request) == []


def test_a_service_error_naming_a_field_the_form_lacks_is_a_non_field_error():
    request = _request("post", {"note": "hello"})
    form = NoteForm(request.POST)
    action = Recorder(ValidationError({"starts_at": "In the past"}))

    assert _submit(request, form, action) is None
    assert form.non_field_errors() == ["In the past"]


def test_errors_can_be_put_on_the_form_another_way():
    request = _request("post", {"note": "hello"})
    form = NoteForm(request.POST)
    action = Recorder(ValidationError({"text": "Too long"}))

    def rename(form, exc):
        form.add_error("note", exc.message_dict["text"][0])

    assert _submit(request, form, action, add_errors=rename) is None
    assert form.errors == {"note": ["Too long"]}


def test_a_services_own_refusals_go_on_the_form_when_named():
    class StaleEdit(Exception):
        pass

    request = _request("post", {"note": "hello"})
    form = NoteForm(request.POST)

    def say_stale(form, exc):
        form.add_error(None, "Someone else changed it")

    response = _submit(
        request,
        form,
        Recorder(StaleEdit()),
        add_errors=say_stale,
        refusals=(ValidationError, StaleEdit),
    )
    assert response is None
    assert form.non_field_errors() == ["Someone else changed it"]
    assert _flashed(request) == []


def test_success_flashes_the_message_and_redirects():
    request = _request("post", {"note": "hello"})
    form = NoteForm(request.POST)
    action = Recorder()

    response = _submit(request, form, action, success="Note saved", next_url="/people/A000001/")

    assert response.status_code == 302
    assert response.url == "/people/A000001/"
    assert action.calls == [{"note": "hello"}]
    assert _flashed(request) == ["Note saved"]


def test_the_message_and_the_redirect_can_use_what_the_service_returned():
    request = _request("post", {"note": "hello"})
    form = NoteForm(request.POST)
    action = Recorder(outcome=42)

    response = _submit(
        request,
        form,
        action,
        success=lambda pk: f"Record {pk} created",
        next_url=lambda pk: f"/records/{pk}/",
    )

    assert response.status_code == 302
    assert response.url == "/records/42/"
    assert _flashed(request) == ["Record 42 created"]
