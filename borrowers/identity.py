"""A mainland resident ID number (居民身份证号码, GB 11643-1999): 17 digits and a
check character, and how the app shows it (masked; printed in full only in the
letter a borrower sends)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"  # by the weighted sum modulo 11 (ISO 7064 MOD 11-2)


def normalised(value: str) -> str:
    return value.strip().replace(" ", "").upper().replace("Ｘ", "X")


def check_character(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str) -> None:
    number = normalised(value)
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits, then a digit or X."), code="format"
        )
    if check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's last character does not match: check it on your card."),
            code="checksum",
        )


def masked(value: str) -> str:
    """ "110105********123X": enough to recognise, not enough to use."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
