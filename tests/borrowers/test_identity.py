"""The optional ID number: checked as the card's check character is made, shown
masked in the app (test_proposal_views.py), printed in full only in the letter
(test_letter_pdf.py)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from borrowers.identity import check_character, masked, normalised, validate_resident_id

VALID = "11010519491231002X"  # the standard's own example


def test_the_standard_example_is_valid_and_one_changed_digit_is_not():
    validate_resident_id(VALID)
    validate_resident_id("11010519491231002x")  # typed in lower case
    with pytest.raises(ValidationError) as refused:
        validate_resident_id("110105194912310021")
    assert refused.value.code == "checksum"
    with pytest.raises(ValidationError) as refused:
        validate_resident_id("1101051949123100")
    assert refused.value.code == "format"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_every_number_with_its_check_character_is_valid(first17):
    validate_resident_id(first17 + check_character(first17))


def test_the_app_shows_it_masked():
    assert masked(VALID) == "110105********002X"
    assert normalised(" 11010519491231002ｘ ".upper()) == VALID
