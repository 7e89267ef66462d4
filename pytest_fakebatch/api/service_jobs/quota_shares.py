"""Quota shares: virtual queues of a quota-management job queue, each with capacity limits in
instance types and a resource sharing strategy (RESERVE, LEND, LEND_AND_BORROW).

A share's ARN is ``arn:aws:batch:<region>:<account>:job-queue/<queue>/quota-share/<name>``,
as AWS's Service Authorization Reference gives it. Deleting a share (once DISABLED) terminates
its unfinished service jobs; the share is gone at once.
"""

from __future__ import annotations

from typing import Any

from ...model.service import TERMINAL, QuotaShare
from ..shared.params import STATES, check_name, paged, require_disabled
from ..shared.quota_management import SHARE, check_capacity_limits, quota_queue
from ..shared.router import Call, Response, batch_operation
from ..shared.tagging import set_create_tags, tags_of

__all__ = ["quota_queue"]  # SubmitServiceJob asks it

_MAX_PER_QUEUE = 20


def _sharing(call: Call, raw: dict[str, Any]) -> dict[str, Any]:
    strategy, limit = raw.get("strategy"), raw.get("borrowLimit")  # the validator checked strategy
    if limit is not None and strategy != "LEND_AND_BORROW":
        raise call.p.fail(
            "resourceSharingConfiguration.borrowLimit applies to the LEND_AND_BORROW strategy only, "
            f"not {strategy}"
        )
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < -1):
        raise call.p.fail(
            f"resourceSharingConfiguration.borrowLimit must be -1 (no bound) or more, got {limit!r}"
        )
    return {"strategy": strategy} if limit is None else {"strategy": strategy, "borrowLimit": limit}


def _share(call: Call) -> QuotaShare:
    """The share ``quotaShareArn`` names (its ARN exactly)."""
    arn = call.p.text("quotaShareArn")
    share = call.region.quota_shares.get(arn)
    if share is None:
        form = call.region.arn("job-queue", "<job queue>/quota-share/<quota share>")
        known = ", ".join(f"'{a}'" for a in call.region.quota_shares) or "none"
        raise call.p.fail(
            f"quota share '{arn[:300]}' does not exist in {call.region.region}: give its ARN, {form} "
            f"(known: {known})"
        )
    return share


@batch_operation("CreateQuotaShare")
def create_quota_share(call: Call) -> Response:
    p, region = call.p, call.region
    name = check_name(p.op, "quotaShareName", p.text("quotaShareName"))
    queue = region.job_queue(p.op, p.text("jobQueue"))
    if not quota_queue(call, queue):
        raise p.fail(
            f"job queue '{queue.name}' does not manage quotas: create the queue with a scheduling "
            "policy that has a quotaSharePolicy"
        )
    mine = [s for s in region.quota_shares.values() if s.queue is queue]
    if any(s.name == name for s in mine):
        raise p.fail(f"quota share '{name}' already exists in job queue '{queue.name}'")
    if len(mine) >= _MAX_PER_QUEUE:
        raise p.fail(
            f"job queue '{queue.name}' already has {_MAX_PER_QUEUE} quota shares, the most it can have"
        )
    share = QuotaShare(
        name=name,
        arn=region.arn("job-queue", f"{queue.name}/quota-share/{name}"),
        queue=queue,
        capacity_limits=check_capacity_limits(call, p.opt_list("capacityLimits") or [], kind=SHARE),
        sharing=_sharing(call, p.opt_dict("resourceSharingConfiguration") or {}),
        preemption=dict(p.opt_dict("preemptionConfiguration") or {}),
        state=p.choice("state", STATES, "ENABLED"),
    )
    set_create_tags(call, share.arn)
    region.quota_shares[share.arn] = share
    return {"quotaShareName": name, "quotaShareArn": share.arn}


def _detail(share: QuotaShare) -> Response:
    return {
        "quotaShareName": share.name,
        "quotaShareArn": share.arn,
        "jobQueueArn": share.queue.arn,
        "capacityLimits": [dict(limit) for limit in share.capacity_limits],
        "resourceSharingConfiguration": dict(share.sharing),
        "preemptionConfiguration": dict(share.preemption),
        "state": share.state,
        "status": "VALID",
    }


@batch_operation("DescribeQuotaShare")
def describe_quota_share(call: Call) -> Response:
    share = _share(call)
    detail = _detail(share)
    tags = tags_of(call.region, share.arn)
    if tags:
        detail["tags"] = tags
    return detail


@batch_operation("ListQuotaShares")
def list_quota_shares(call: Call) -> Response:
    queue = call.region.job_queue(call.op, call.p.text("jobQueue"))
    shares = [s for s in call.region.quota_shares.values() if s.queue is queue]
    return paged(call.p, "quotaShares", shares, _detail, limit=100)


@batch_operation("UpdateQuotaShare")
def update_quota_share(call: Call) -> Response:
    p = call.p
    share = _share(call)
    raw_limits, raw_sharing = p.opt_list("capacityLimits"), p.opt_dict("resourceSharingConfiguration")
    raw_preemption = p.opt_dict("preemptionConfiguration")
    limits = (
        share.capacity_limits if raw_limits is None else check_capacity_limits(call, raw_limits, kind=SHARE)
    )
    sharing = share.sharing if raw_sharing is None else _sharing(call, raw_sharing)
    preemption = share.preemption if raw_preemption is None else dict(raw_preemption)
    state = p.choice("state", STATES, share.state)
    share.capacity_limits, share.sharing, share.preemption, share.state = limits, sharing, preemption, state
    return {"quotaShareName": share.name, "quotaShareArn": share.arn}


@batch_operation("DeleteQuotaShare")
def delete_quota_share(call: Call) -> Response:
    """AWS: "All jobs in the share are eventually terminated when you delete a quota share";
    the fake terminates them now, each FAILED with the reason that its share was deleted."""
    p, region = call.p, call.region
    share = _share(call)
    require_disabled(p, "quota share", share.name, share.state, "UpdateQuotaShare")
    reason = f"Quota share {share.name} was deleted"
    for job in [j for j in region.service_jobs.values() if j.quota_share is share]:
        if job.status not in TERMINAL:
            call.scheduler.services.terminate(region, job, reason)
    del region.quota_shares[share.arn]
    region.tags.pop(share.arn, None)
    return {}
