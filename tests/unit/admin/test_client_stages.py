"""A client's lifecycle stage from its facts: warnings outrank being new; each threshold is
inclusive where the rules page says "at least" / "at or below"; saved rules out of bounds fall
back to the defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain.client_stages import (
    ClientFacts,
    Reason,
    Stage,
    StageRules,
    rules_body,
    rules_from,
    stage_of,
)

TODAY = date(2026, 11, 30)
QUIET = ClientFacts(
    first_contract_on=date(2025, 1, 1), overdue_bills=0, oldest_overdue_on=None,
    requests_recent=4, requests_before=4, ratings=2, rating_average=4.5, complaints_recent=0,
    complaints_open=0, contract_ends_on=None, has_contract=True,
)  # fmt: skip
RULES = StageRules()


def test_a_long_client_without_warnings_is_stable() -> None:
    verdict = stage_of(QUIET, RULES, TODAY)
    assert verdict.stage is Stage.STABLE and verdict.reasons == []


def test_new_for_the_first_months_of_the_first_contract() -> None:
    young = replace(QUIET, first_contract_on=date(2026, 9, 1))
    assert stage_of(young, RULES, TODAY).stage is Stage.NEW
    assert stage_of(replace(QUIET, first_contract_on=date(2026, 8, 30)), RULES, TODAY).stage is (
        Stage.STABLE
    )
    assert stage_of(replace(QUIET, first_contract_on=None), RULES, TODAY).stage is Stage.STABLE


def test_every_warning_sign_and_its_threshold() -> None:
    cases = [
        (replace(QUIET, overdue_bills=1, oldest_overdue_on=date(2026, 9, 1)), Reason.OVERDUE_FEES),
        (replace(QUIET, requests_recent=2, requests_before=4), Reason.FALLING_ACTIVITY),
        (replace(QUIET, rating_average=3.0), Reason.LOW_RATINGS),
        (replace(QUIET, complaints_open=1), Reason.COMPLAINT),
        (replace(QUIET, complaints_recent=1), Reason.COMPLAINT),
        (replace(QUIET, contract_ends_on=date(2026, 12, 30)), Reason.CONTRACT_ENDING),
        (replace(QUIET, contract_ends_on=date(2026, 10, 1)), Reason.CONTRACT_ENDING),
    ]
    for facts, reason in cases:
        verdict = stage_of(facts, RULES, TODAY)
        assert verdict.stage is Stage.AT_RISK, reason
        assert [r.code for r in verdict.reasons] == [reason]
    # Just short of each threshold: no warning.
    for facts in (
        replace(QUIET, requests_recent=3, requests_before=4),  # fell 25 %, not 50
        replace(QUIET, requests_recent=0, requests_before=2),  # too few before to fall
        replace(QUIET, rating_average=3.1),
        replace(QUIET, ratings=0, rating_average=None),
        replace(QUIET, contract_ends_on=date(2026, 12, 31)),
    ):
        assert stage_of(facts, RULES, TODAY).stage is Stage.STABLE, facts


def test_a_warning_outranks_being_new() -> None:
    facts = replace(QUIET, first_contract_on=date(2026, 11, 1), complaints_open=1)
    assert stage_of(facts, RULES, TODAY).stage is Stage.AT_RISK


def test_saved_rules_out_of_bounds_fall_back_to_the_defaults() -> None:
    saved = {**rules_body(RULES), "overdue_days": 0, "low_rating": 9, "new_months": True}
    assert rules_from(saved) == RULES
    assert rules_from({**rules_body(RULES), "overdue_days": 60}).overdue_days == 60
    assert rules_from(None) == RULES
