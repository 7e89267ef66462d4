"""retryStrategy.evaluateOnExit at run time: AWS's glob patterns, the first matching rule decides."""

from __future__ import annotations

from collections.abc import Sequence

from ..model.retry_rules import RetryRule


def glob_matches(pattern: str | None, value: str | None) -> bool:
    """AWS's patterns: exact, or a prefix when the pattern ends with ``*``; absent matches all."""
    if pattern is None:
        return True
    text = value or ""
    if pattern.endswith("*"):
        return text.startswith(pattern[:-1])
    return text == pattern


def should_retry(
    rules: Sequence[RetryRule], exit_code: int | None, reason: str | None, status_reason: str | None
) -> bool:
    """The first rule whose every condition matches decides; with none, the attempt is retried."""
    code = "" if exit_code is None else str(exit_code)
    for rule in rules:
        if (
            glob_matches(rule.on_exit_code, code)
            and glob_matches(rule.on_reason, reason)
            and glob_matches(rule.on_status_reason, status_reason)
        ):
            return rule.action == "RETRY"
    return True
