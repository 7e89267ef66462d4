"""Quota shares: virtual queues of a quota-management job queue, each with capacity limits and
a resource sharing strategy (RESERVE, LEND, LEND_AND_BORROW)."""

from __future__ import annotations

from typing import Any

from ..model.region import Region
from ..model.resources import JobQueue
from ..model.service import TERMINAL, QuotaShare
from .environments import STATES
from .params import check_name, paged, require_disabled
from .router import Call, Response, batch_operation
from .service_environments import check_capacity_limits
from .tags import set_create_tags, tags_of

_MAX_PER_QUEUE = 20


def quota_queue(call: Call, queue: JobQueue) -> bool:
    """Whether ``queue`` manages quotas: its scheduling policy has a quotaSharePolicy."""
    arn = queue.scheduling_policy_arn
    policy = call.region.scheduling_policies.get(arn.rsplit("/", 1)[-1]) if arn else None
    return policy is not None and policy.quota_share_policy is not None


def _sharing(call: Call, raw: dict[str, Any]) -> dict[str, Any]:
    strategy, limit = raw.get("strategy"), raw.get("borrowLimit")
    if limit is not None and strategy != "LEND_AND_BORROW":
        raise call.p.fail(
            "resourceSharingConfiguration.borrowLimit applies to the LEND_AND_BORROW strategy only, "
            f"not {strategy}"
        )
    if limit is not None and limit < -1:
        raise call.p.fail(
            f"resourceSharingConfiguration.borrowLimit must be -1 (no bound) or more, got {limit}"
        )
    return {k: v for k, v in (("strategy", strategy), ("borrowLimit", limit)) if v is not None}


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
        arn=region.arn("quota-share", f"{queue.name}/{name}"),
        queue=queue,
        capacity_limits=check_capacity_limits(call, p.opt_list("capacityLimits") or [], units=None),
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
    share = call.region.quota_share(call.op, call.p.text("quotaShareArn"))
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
    share = call.region.quota_share(p.op, p.text("quotaShareArn"))
    raw_limits, raw_sharing = p.opt_list("capacityLimits"), p.opt_dict("resourceSharingConfiguration")
    limits = (
        share.capacity_limits if raw_limits is None else check_capacity_limits(call, raw_limits, units=None)
    )
    sharing = share.sharing if raw_sharing is None else _sharing(call, raw_sharing)
    preemption = p.opt_dict("preemptionConfiguration")
    state = p.choice("state", STATES, share.state)
    share.capacity_limits, share.sharing, share.state = limits, sharing, state  # validated
    if preemption is not None:
        share.preemption = dict(preemption)
    return {"quotaShareName": share.name, "quotaShareArn": share.arn}


@batch_operation("DeleteQuotaShare")
def delete_quota_share(call: Call) -> Response:
    p, region = call.p, call.region
    share = region.quota_share(p.op, p.text("quotaShareArn"))
    require_disabled(p, "quota share", share.name, share.state, "UpdateQuotaShare")
    unfinished = _unfinished(region, share)
    if unfinished:
        raise p.fail(
            f"quota share '{share.name}' still holds {unfinished} unfinished service jobs: wait for them "
            "or end them with TerminateServiceJob"
        )
    del region.quota_shares[share.arn]
    region.tags.pop(share.arn, None)
    return {}


def _unfinished(region: Region, share: QuotaShare) -> int:
    return sum(1 for j in region.service_jobs.values() if j.quota_share is share and j.status not in TERMINAL)
