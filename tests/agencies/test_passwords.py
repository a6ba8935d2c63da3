"""Passwords: twelve characters are not enough when they are the first twelve anyone tries."""

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils import translation

from agencies.services import create_demo_accounts
from agencies.validators import PatternPasswordValidator
from tests.conftest import PASSWORD


def refusal_codes(password: str) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    return {error.code for error in refused.value.error_list}


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "abcabcabcabc", "kopi-kopi-kopi-kopi"])
def test_it_refuses_a_password_that_repeats_one_unit(db, password):
    assert "password_repeated" in refusal_codes(password)


@pytest.mark.parametrize(
    "password",
    [
        "qwertyuiopas",
        "123456789012",
        "qwerty123456",
        "zyxwvutsrqpo",
        "1qaz2wsx3edc",
        "098765432109",
    ],
)
def test_it_refuses_keyboard_alphabet_and_digit_sequences(db, password):
    assert "password_sequence" in refusal_codes(password)


@pytest.mark.parametrize("password", ["ambon112ambon", "Ambon-112-pagi-ini", "siaga.AMBON112"])
def test_it_refuses_a_password_with_the_services_own_name(db, password):
    assert "password_has_service_name" in refusal_codes(password)


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "pemadam-abc-kebakaran", "Laut biru 2025!", "drill-password-112-ambon"],
)
def test_ordinary_long_passwords_pass(db, password):
    validate_password(password)


def test_the_refusal_is_explained_in_bahasa_indonesia():
    with translation.override("id"), pytest.raises(ValidationError) as refused:
        PatternPasswordValidator().validate("qwertyuiopas")
    assert refused.value.messages == [
        "Kata sandi ini sebagian besar berupa urutan tombol papan ketik, abjad, atau angka, "
        "seperti “qwerty”, “abcdef”, atau “12345”."
    ]
    with translation.override("id"):
        assert any("mengulang satu pola" in text for text in password_validators_help_texts())


def test_the_public_demo_password_still_makes_the_demo_accounts(ambon, settings):
    """The demo password is public by design; only the pattern rule is waived for it."""
    settings.PRODUCTION = False
    assert "operator" in create_demo_accounts(password="ambon112-demo")
    with pytest.raises(ValidationError):
        create_demo_accounts(password="short-112")
