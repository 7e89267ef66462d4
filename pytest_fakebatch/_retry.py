"""retryStrategy.evaluateOnExit: AWS's glob patterns and the first-matching-rule decision."""

from __future__ import annotations

import re

from ._errors import ClientError
from ._jobs import RetryRule

_EXIT_CODE = re.compile(r"[0-9]{1,512}\*?|\*")
_TEXT = re.compile(r"[A-Za-z0-9.: \t]{0,512}\*?")


def glob_matches(pattern: str | None, value: str | None) -> bool:
    """AWS's patterns: exact, or a prefix when the pattern ends with ``*``; absent matches all."""
    if pattern is None:
        return True
    text = value or ""
    if pattern.endswith("*"):
        return text.startswith(pattern[:-1])
    return text == pattern


def should_retry(
    rules: list[RetryRule], exit_code: int | None, reason: str | None, status_reason: str | None
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


def parse_retry_strategy(op: str, strategy: object) -> tuple[int, list[RetryRule]] | None:
    """Validate a retryStrategy the way AWS does; None when none was given."""
    if strategy is None:
        return None
    if not isinstance(strategy, dict):
        raise ClientError(f"{op}: retryStrategy must be an object")
    attempts = strategy.get("attempts", 1)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 10:
        raise ClientError(f"{op}: retryStrategy.attempts must be between 1 and 10, got {attempts!r}")
    raw_rules = strategy.get("evaluateOnExit") or []
    if not isinstance(raw_rules, list) or len(raw_rules) > 5:
        raise ClientError(f"{op}: retryStrategy.evaluateOnExit takes at most 5 rules")
    rules = []
    for i, raw in enumerate(raw_rules):
        where = f"retryStrategy.evaluateOnExit[{i}]"
        if not isinstance(raw, dict):
            raise ClientError(f"{op}: {where} must be an object")
        action = raw.get("action")
        if not isinstance(action, str) or action.upper() not in ("RETRY", "EXIT"):
            raise ClientError(f"{op}: {where}.action must be RETRY or EXIT, got {action!r}")
        patterns = {}
        for key, rule in (("onExitCode", _EXIT_CODE), ("onReason", _TEXT), ("onStatusReason", _TEXT)):
            value = raw.get(key)
            if value is not None and (not isinstance(value, str) or not rule.fullmatch(value)):
                raise ClientError(
                    f"{op}: {where}.{key} '{value}' is not a valid pattern: "
                    + (
                        "digits, optionally ending with '*'"
                        if key == "onExitCode"
                        else "letters, digits, '.', ':' and white space, optionally ending with '*'"
                    )
                )
            patterns[key] = value
        rules.append(
            RetryRule(
                action.upper(), patterns["onExitCode"], patterns["onReason"], patterns["onStatusReason"]
            )
        )
    return attempts, rules
