"""The fake's event log: journal entries become :class:`JobEvent` s, in order, and are put on
EventBridge's default bus when EventBridge is answered in this process (moto's ``mock_aws``).
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
import warnings
from typing import Any

from ..model.journal import Journal
from .records import Events, JobEvent, job_event

PUT_EVENTS_ENTRIES = 10  # EventBridge PutEvents: at most 10 entries a call
PUT_EVENTS_BYTES = 256 * 1024  # and 256 KB in all


def moto_answers_aws() -> bool:
    """Whether moto's ``mock_aws`` is active in this process (moto is never imported here)."""
    models = sys.modules.get("moto.core.models")
    return bool(getattr(getattr(models, "botocore_stubber", None), "enabled", False))


class EventLog:
    """Every event of one fake. :attr:`journal` is where the scheduler writes (under the fake's
    lock); :meth:`sync` turns new entries into events (under the lock too); :meth:`publish`
    puts the events not yet sent on EventBridge (never under the lock: rules run targets)."""

    def __init__(self) -> None:
        self.journal = Journal()
        self._events: list[JobEvent] = []
        self._sent = 0  # events put on EventBridge
        self._sending = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._warned = False

    def sync(self) -> None:
        """Turn the journal's new entries into events."""
        if self.journal:
            self._events.extend(job_event(str(uuid.uuid4()), c) for c in self.journal.take())

    def events(self) -> Events:
        return Events(self._events)

    def publish(self) -> None:
        """Put the events not yet sent on the default event bus of their account and region,
        if moto answers EventBridge now."""
        with self._sending:
            if not moto_answers_aws():
                return
            pending = self._events[self._sent :]
            self._sent += len(pending)
            try:
                batches = _batches(pending)
            except Exception as error:  # a bug rendering a detail must not fail the Batch call
                self._warn(pending[0].region, f"{type(error).__name__}: {error}")
                return
            for (account, region), entries in batches:
                self._put(account, region, entries)

    def _put(self, account: str, region: str, entries: list[dict[str, Any]]) -> None:
        try:
            answer = self._client(account, region).put_events(Entries=entries)
            failed = answer.get("FailedEntryCount", 0)
            problem = f"{failed} of {len(entries)} entries failed: {answer.get('Entries')}" if failed else ""
        except Exception as error:  # EventBridge's trouble must not fail the test's Batch call
            problem = f"{type(error).__name__}: {error}"
        if problem:
            self._warn(region, problem)

    def _warn(self, region: str, problem: str) -> None:
        if not self._warned:  # once per fake: the first trouble says what it is
            self._warned = True
            warnings.warn(
                f"pytest-fakebatch could not put Batch events on EventBridge ({region}): {problem}",
                RuntimeWarning,
                stacklevel=3,
            )

    def _client(self, account: str, region: str) -> Any:
        """An EventBridge client that moto answers for ``account`` (its x-moto-account-id
        header) in ``region``."""
        key = (account, region)
        if key not in self._clients:
            import botocore.session  # only when moto is active

            client = botocore.session.Session().create_client(
                "events",
                region_name=region,
                aws_access_key_id="pytest-fakebatch",
                aws_secret_access_key="pytest-fakebatch",
            )

            def name_account(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = account

            client.meta.events.register("before-sign.events", name_account)
            self._clients[key] = client
        return self._clients[key]


def _batches(events: list[JobEvent]) -> list[tuple[tuple[str, str], list[dict[str, Any]]]]:
    """PutEvents entries, in order, grouped by account and region within EventBridge's limits."""
    batches: list[tuple[tuple[str, str], list[dict[str, Any]]]] = []
    size = 0
    for event in events:
        detail = json.dumps(event.detail, separators=(",", ":"))
        entry = {
            "Source": event.source,
            "DetailType": event.detail_type,
            "Detail": detail,
            "Resources": list(event.resources),
            "Time": event.time,
        }
        bytes_ = len(detail) + len(event.detail_type) + len(event.source) + 64
        where = (event.account, event.region)
        if (
            not batches
            or batches[-1][0] != where
            or len(batches[-1][1]) == PUT_EVENTS_ENTRIES
            or size + bytes_ > PUT_EVENTS_BYTES
        ):
            batches.append((where, []))
            size = 0
        batches[-1][1].append(entry)
        size += bytes_
    return batches
