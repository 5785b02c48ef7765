"""Phone numbers as the portal keeps them: E.164 (`+85512345678`), Cambodian unless written otherwise.

phonenumbers reads every Unicode decimal digit (Khmer `០១២`, Thai, Arabic-Indic, full-width...),
so a number typed on a Khmer keyboard is the same number as one typed in Latin digits.
"""

import unicodedata

import phonenumbers

REGION = "KH"
COUNTRY_CODE = "855"


def _parsed(text):
    try:
        return phonenumbers.parse((text or "").strip(), REGION)
    except phonenumbers.NumberParseException:
        return None


def e164(text):
    """The number in E.164 form, "" for no number, or None when it is not a valid phone number."""
    if not (text or "").strip():
        return ""
    number = _parsed(text)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def readable(phone):
    """A stored number as people read it (`+855 12 345 678`); text that is no number, as it is."""
    number = _parsed(phone) if phone else None
    if number is None or not phonenumbers.is_valid_number(number):
        return phone or ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def latin_digits(text):
    """`text` with every decimal digit, whatever its script, written 0-9."""
    return "".join(str(unicodedata.decimal(ch, "")) or ch for ch in text or "")


def ascii_digits(text):
    """The decimal digits of `text`, whatever script they were typed in, as 0-9."""
    return "".join(ch for ch in latin_digits(text) if ch in "0123456789")


def digits(text):
    """E.164 digits without the +, for search: of the whole number, or of the start of one as it
    was typed (a local `0...` or bare number is Cambodian)."""
    whole = e164(text)
    if whole:
        return whole[1:]
    typed = ascii_digits(text)
    if not typed:
        return ""
    if (text or "").strip().startswith("+"):
        return typed
    if typed.startswith("00"):
        return typed[2:]
    if typed.startswith("0"):
        return COUNTRY_CODE + typed[1:]
    if typed.startswith(COUNTRY_CODE) and len(typed) >= 11:
        return typed
    return COUNTRY_CODE + typed
