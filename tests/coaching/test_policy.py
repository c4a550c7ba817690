"""The policy's delays: positive, ordered, and bounded, so a date computed from one always
exists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from coaching.policy import LONGEST_DELAY, PlanPolicy
from coaching.validation import explain


@pytest.mark.parametrize("days", [367, 100_000, 999_999_999])
def test_a_delay_longer_than_a_year_is_refused_by_name(days: int) -> None:
    with pytest.raises(ValidationError) as refused:
        PlanPolicy(max_extension=timedelta(days=days))
    (message,) = explain(refused.value)
    assert message.startswith("max_extension:"), message
    assert "366 days" in message, message


def test_a_year_is_the_longest_delay_allowed() -> None:
    policy = PlanPolicy(max_extension=LONGEST_DELAY, review_closure_after=LONGEST_DELAY)
    assert policy.max_extension == LONGEST_DELAY


def test_a_delay_must_be_positive() -> None:
    with pytest.raises(ValidationError) as refused:
        PlanPolicy(check_in_grace=timedelta(0))
    (message,) = explain(refused.value)
    assert message.startswith("check_in_grace:"), message
