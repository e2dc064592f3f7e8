"""What a panel password must be: long, not common, not the person's name or phone."""

from __future__ import annotations

import pytest

from domain.identity import Staff
from domain.staff_access import WeakPassword, check_password, password_problems

WANG = Staff(2, 1, "王会计", "13800000002")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1!", "too_short"),
        ("Password2024!", "common"),
        ("administrator123", "common"),
        ("qwertyuiop12", "common"),
        ("123456789012", "common"),
        ("aaaaaaaaaaaaaaaa", "repetitive"),
        ("197001011234", "digits_only"),
        ("我的号码13800000002呀", "contains_phone"),
        ("我是王会计我的密码很长", "contains_name"),
        ("x" * 257 + "abcdef", "too_long"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    assert problem in password_problems(password, WANG)
    with pytest.raises(WeakPassword) as refused:
        check_password(password, WANG)
    assert problem in refused.value.problems


@pytest.mark.parametrize(
    "password",
    ["春眠不觉晓处处闻啼鸟夜来风雨声", "correct horse battery staple", "7 cups of tea at noon!"],
)
def test_a_long_uncommon_passphrase_is_accepted(password: str) -> None:
    assert password_problems(password, WANG) == []


def test_a_long_number_is_accepted_but_a_date_is_not() -> None:
    assert password_problems("8302957164039182") == []
    assert "digits_only" in password_problems("20240101123456")
