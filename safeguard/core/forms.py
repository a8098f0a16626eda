import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from safeguard.core import bounds
from safeguard.core.errors import DomainError, NotPermitted

T = TypeVar("T")

# How people type a date: 27/11/2026, 27/11/26, 2026-11-27 or 27 11 2026.
DATE_INPUT_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y")


class GovDateInput(forms.Widget):
    """The GOV.UK date input: day, month and year boxes named ``<name>-day``, ``<name>-month``
    and ``<name>-year`` (the day box has the field's id, so the error summary's link lands on
    it). A single ``<name>`` value ("27/11/2026") is still read, for a client that sends one."""

    input_type = "gov_date"
    PARTS = ("day", "month", "year")

    def value_from_datadict(self, data, files, name):
        parts = tuple((data.get(f"{name}-{part}") or "").strip() for part in self.PARTS)
        if any(parts):
            return parts
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}-{part}" in data for part in self.PARTS)


def date_parts(value) -> tuple[str, str, str]:
    """(day, month, year) to show in the three boxes, from what was typed or a date."""
    if isinstance(value, tuple | list) and len(value) == 3:
        return tuple(str(v or "") for v in value)
    if hasattr(value, "year") and hasattr(value, "day"):
        return str(value.day), str(value.month), str(value.year)
    if isinstance(value, str) and value.strip():
        for fmt in DATE_INPUT_FORMATS:
            try:
                parsed = dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
            return str(parsed.day), str(parsed.month), str(parsed.year)
    return "", "", ""


class GovDateField(forms.DateField):
    """The one GOV.UK date field of the service: the Design System's date input (day, month and
    year boxes, ``GovDateInput``) with its error messages ("Date of death must include a month",
    "must be a real date"), held to the window of its ``kind`` in ``safeguard.core.bounds``
    ("event", "filter", "birth"; "any" by default, which keeps out only dates that no one
    means, such as 01/01/0001 or 31/12/9999: a plausible year)."""

    widget = GovDateInput
    input_formats = list(DATE_INPUT_FORMATS)
    default_error_messages = {"invalid": "Enter a real date, like 27 11 2026"}

    def __init__(self, *args, kind: str = "any", **kwargs):
        bounds.window(kind)  # an unknown kind fails at import, not on a request
        self.kind = kind
        super().__init__(*args, **kwargs)
        if "required" not in (kwargs.get("error_messages") or {}) and self.label:
            label = str(self.label)
            self.error_messages["required"] = f"Enter {label[:1].lower()}{label[1:]}"

    def _label(self) -> str:
        return str(self.label or "The date").removesuffix(" (optional)")

    def to_python(self, value):
        if isinstance(value, tuple | list):
            day, month, year = (str(v).strip() for v in value)
            if not (day or month or year):
                return None
            missing = [
                name
                for name, part in zip(("day", "month", "year"), (day, month, year), strict=True)
                if not part
            ]
            if missing:
                raise ValidationError(
                    f"{self._label()} must include a {' and a '.join(missing)}", code="incomplete"
                )
            if not (day.isdigit() and month.isdigit() and year.isdigit()):
                raise ValidationError(f"{self._label()} must be a real date", code="invalid")
            if len(year) != 4:
                raise ValidationError("Year must include 4 numbers", code="invalid")
            try:
                return dt.date(int(year), int(month), int(day))
            except ValueError:
                raise ValidationError(
                    f"{self._label()} must be a real date", code="invalid"
                ) from None
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        problem = bounds.date_error(value, self.kind)
        if problem:
            raise ValidationError(f"{self._label()} {problem}", code="out_of_range")


def refuse_unsafe_text(value):
    """The page forms' check of free text (see ``safeguard.core.bounds``)."""
    if isinstance(value, str) and (problem := bounds.text_error(value)):
        raise ValidationError(f"The text {problem}", code="unsafe_text")


class SafeTextMixin:
    """Every text field of the form refuses control and text-direction characters, shown in
    the GOV.UK error summary against the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and refuse_unsafe_text not in field.validators:
                field.validators.append(refuse_unsafe_text)


class Form(SafeTextMixin, forms.Form):
    """The base of the service's page forms."""


def posted(request: HttpRequest):
    """The form data of a POST (even an empty one, so that its errors show), or None for an
    unbound form."""
    return request.POST if request.method == "POST" else None


def add_service_errors(form, error: ValidationError | DomainError):
    """Show a service's refusal on the form (the GOV.UK error summary), against the field it
    names if the form has that field."""
    if isinstance(error, DomainError):
        target = error.field if error.field in form.fields else None
        form.add_error(target, error.message)
    elif hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in field_messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def submit_form(
    request: HttpRequest,
    form: BaseForm,
    action: Callable[[Mapping[str, Any]], T],
    *,
    success: str | Callable[[T], str],
    next_url: str | Callable[[T], str],
    add_errors: Callable[[BaseForm, Exception], None] = add_service_errors,
    refusals: tuple[type[Exception], ...] = (ValidationError, DomainError),
) -> HttpResponse | None:
    """Run a form page's POST: the service call, then a flash message and a redirect.

    On a POST whose form is valid, calls ``action(form.cleaned_data)``. If that raises
    ``ValidationError`` or a ``DomainError`` (a stale edit, an illegal transition, a closed
    record; ``NotPermitted`` is left to answer 403) the errors go on the form (``add_errors``, by default ``add_service_errors``) and the
    answer is None; otherwise ``success`` is flashed and the
    answer is a redirect to ``next_url``. ``success`` and ``next_url`` may be callables taking
    what the action returned (a new record, say). On a GET or an invalid form the answer is
    None too: the caller then renders the page, with the form's error summary if it has errors.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except NotPermitted:
        raise
    except refusals as exc:
        add_errors(form, exc)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(next_url(result) if callable(next_url) else next_url)
