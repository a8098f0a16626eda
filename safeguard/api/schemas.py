"""The API's input types, built on the bounds in ``safeguard.core.bounds``.

Every request body is an ``In``: a JSON object (a bare ``true`` or ``"x"`` where an object is
expected is a 422, never an object of defaults), read strictly (``"yes"`` is not a boolean,
``"1"`` and ``true`` are not integers), with every string in it, however deeply nested, free of
control and text-direction characters. Dates and datetimes in a body are ISO 8601 strings
held to a window; a datetime must carry its time zone.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, field_validator
from pydantic_core import PydanticCustomError

from safeguard.core import bounds


def _date_check(kind: str):
    def check(value: date) -> date:
        problem = bounds.date_error(value, kind)
        if problem:
            raise PydanticCustomError("date_out_of_range", problem)
        return value

    return check


def _datetime_check(kind: str):
    def check(value: datetime) -> datetime:
        problem = bounds.datetime_error(value, kind)
        if problem:
            raise PydanticCustomError(
                "timezone_required" if problem == bounds.ZONE_REQUIRED else "date_out_of_range",
                problem,
            )
        return value

    return check


def _date(kind: str, example: str):
    return Annotated[
        date,
        Strict(False),
        AfterValidator(_date_check(kind)),
        Field(description=f"A date {bounds.describe(kind)}", examples=[example]),
    ]


def _datetime(kind: str, example: str):
    return Annotated[
        datetime,
        Strict(False),
        AfterValidator(_datetime_check(kind)),
        Field(
            description=f"A date and time with its time zone, {bounds.describe(kind)}; "
            "one without a zone is refused",
            examples=[example],
        ),
    ]


EventDate = _date("event", "2026-11-27")
FilterDate = _date("filter", "2026-04-01")
BirthDate = _date("birth", "1980-05-17")
EventDateTime = _datetime("event", "2026-11-30T10:00:00Z")

Limit = Annotated[int, Field(ge=1, le=bounds.PAGE_LIMIT_MAX, description="Rows to return")]
Offset = Annotated[
    int, Field(ge=0, le=bounds.OFFSET_MAX, description="Rows to skip, from 0 to 1,000,000")
]


def _unsafe(value: Any) -> str | None:
    if isinstance(value, str):
        return bounds.text_error(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if problem := _unsafe(key) or _unsafe(item):
                return problem
    if isinstance(value, list | tuple):
        for item in value:
            if problem := _unsafe(item):
                return problem
    return None


class In(BaseModel):
    """The base of every request body."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_unsafe_text(cls, value):
        if problem := _unsafe(value):
            raise PydanticCustomError("unsafe_text", problem)
        return value


def one_of(choices, *extra: str):
    """A ``Literal`` of a model's ``TextChoices`` values (and ``extra``), so that the OpenAPI
    document lists them as an enum."""
    return Literal[tuple([*extra, *choices.values])]
