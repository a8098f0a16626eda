"""UK phone numbers, checked with ``phonenumbers``.

Ofcom reserves 07700 900000 to 07700 900999 for drama. ``phonenumbers`` calls them invalid, but
they are the only mobiles synthetic data may use, and GOV.UK Notify's test numbers are in that
range, so they are accepted as mobiles here.
"""

import re

import phonenumbers

DRAMA_MOBILE = re.compile(r"^7700900\d{3}$")


class InvalidPhoneNumber(ValueError):
    pass


def normalise_uk_phone(value: str, *, mobile_only: bool) -> str:
    """Return the number in national format (``07700 900123``) or raise InvalidPhoneNumber."""
    value = (value or "").strip()
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(value) from exc
    national = str(number.national_number)
    if number.country_code == 44 and DRAMA_MOBILE.match(national):
        return f"0{national[:4]} {national[4:]}"
    if number.country_code != 44 or not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(value)
    kind = phonenumbers.number_type(number)
    if mobile_only and kind != phonenumbers.PhoneNumberType.MOBILE:
        raise InvalidPhoneNumber(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
