"""Every refusal the domain can raise has words in the chat, and the words are the chat's own:
the domain gives a code and facts, `handlers.error_texts` says them."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from domain.binding import BindingLocked
from domain.errors import Conflict, DomainError, NotFound
from handlers.error_texts import FALLBACK, TEXTS, error_text

ROOT = Path(__file__).resolve().parents[2]
ERRORS = {"DomainError", "NotFound", "Forbidden", "Conflict", "Invalid", "CorrectionInvalid"}


def raised_codes() -> set[str]:
    """The codes of the errors the domain constructs (their first argument)."""
    codes: set[str] = set()
    for path in (ROOT / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ERRORS | {"BindingLocked"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                codes.add(node.args[0].value)
    return codes


def test_every_code_the_domain_raises_has_words() -> None:
    codes = raised_codes()
    assert {"request_not_found", "claimed_by_another", "locked", "amount_format"} <= codes
    assert codes - set(TEXTS) == set()


def test_the_words_carry_the_facts() -> None:
    assert error_text(NotFound("request_not_found", number="R1024")) == (
        "没有找到单号 R1024，请核对一下。"
    )
    assert error_text(Conflict("claimed_by_another", number="R1", handler=None)) == (
        "手慢了一步，R1 已被同事接单。下次加油！"
    )
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    later = datetime(2026, 11, 24, 3, 5, tzinfo=UTC)
    assert "11月24日 11:05以后再试" in error_text(BindingLocked("paused", later, now))


def test_a_code_without_words_is_a_general_apology_not_a_code() -> None:
    assert error_text(DomainError("something_new", detail="x")) == FALLBACK
    assert str(DomainError("something_new", detail="x")) == "something_new (detail='x')"
