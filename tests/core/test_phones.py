import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguard.core.phones import InvalidPhoneNumber, normalise_uk_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700900123", "07700 900123"),
        ("+44 7700 900002", "07700 900002"),
        ("07911 123456", "07911 123456"),
    ],
)
def test_uk_mobiles_are_normalised(raw, expected):
    assert normalise_uk_phone(raw, mobile_only=True) == expected


@pytest.mark.parametrize("raw", ["12345", "020 7946 0000", "+1 202 555 0100", "07700", "hello"])
def test_non_mobiles_are_refused_as_mobiles(raw):
    with pytest.raises(InvalidPhoneNumber):
        normalise_uk_phone(raw, mobile_only=True)


def test_landlines_are_accepted_as_phones():
    assert normalise_uk_phone("0113 496 0000", mobile_only=False).startswith("0113")


@given(st.text(max_size=30))
def test_any_text_either_normalises_or_is_refused_cleanly(text):
    try:
        result = normalise_uk_phone(text, mobile_only=True)
    except InvalidPhoneNumber:
        return
    assert result.startswith("07") and len(result.replace(" ", "")) == 11
