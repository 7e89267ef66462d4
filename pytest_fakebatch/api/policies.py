"""Scheduling policies: the fair-share weights of a job queue's shares."""

from __future__ import annotations

from typing import Any

from ..model.resources import SchedulingPolicy, select
from .params import new_name, paged
from .router import Call, Response, batch_operation
from .tags import set_create_tags, tags_of


def _fairshare(call: Call) -> dict[str, Any] | None:
    policy = call.p.opt_dict("fairsharePolicy")
    if policy is None:
        return None
    shares = policy.get("shareDistribution", [])
    if not isinstance(shares, list) or len(shares) > 500:
        raise call.p.fail("fairsharePolicy.shareDistribution takes at most 500 shares")
    for i, share in enumerate(shares):
        ident = share.get("shareIdentifier") if isinstance(share, dict) else None
        if not isinstance(ident, str) or not ident:
            raise call.p.fail(f"fairsharePolicy.shareDistribution[{i}].shareIdentifier is required")
        weight = share.get("weightFactor", 1.0)
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 1000:
            raise call.p.fail(
                f"fairsharePolicy.shareDistribution[{i}].weightFactor must be in (0, 1000], got {weight!r}"
            )
    return dict(policy)


@batch_operation("CreateSchedulingPolicy")
def create_scheduling_policy(call: Call) -> Response:
    p, region = call.p, call.region
    name = new_name(p, "name", "scheduling policy", region.scheduling_policies, region.region)
    policy = SchedulingPolicy(
        name=name,
        arn=region.arn("scheduling-policy", name),
        fairshare_policy=_fairshare(call),
        quota_share_policy=p.opt_dict("quotaSharePolicy"),
    )
    set_create_tags(call, policy.arn)
    region.scheduling_policies[name] = policy
    return {"name": name, "arn": policy.arn}


@batch_operation("DescribeSchedulingPolicies")
def describe_scheduling_policies(call: Call) -> Response:
    p, region = call.p, call.region
    arns = p.str_list("arns")
    if not arns:
        raise p.fail("arns is required: list 1 to 500 scheduling policy ARNs")
    if len(arns) > 500:
        raise p.fail(f"arns takes at most 500 ARNs, got {len(arns)}")
    policies = []
    for policy in select(arns, region.scheduling_policies):
        detail: Response = {"name": policy.name, "arn": policy.arn, "tags": tags_of(region, policy.arn)}
        if policy.fairshare_policy is not None:
            detail["fairsharePolicy"] = policy.fairshare_policy
        if policy.quota_share_policy is not None:
            detail["quotaSharePolicy"] = policy.quota_share_policy
        policies.append(detail)
    return {"schedulingPolicies": policies}


@batch_operation("ListSchedulingPolicies")
def list_scheduling_policies(call: Call) -> Response:
    policies = list(call.region.scheduling_policies.values())
    return paged(call.p, "schedulingPolicies", policies, lambda policy: {"arn": policy.arn}, limit=1000)


@batch_operation("UpdateSchedulingPolicy")
def update_scheduling_policy(call: Call) -> Response:
    policy = call.region.scheduling_policy(call.op, call.p.text("arn"))
    fairshare = _fairshare(call)
    if fairshare is not None:
        policy.fairshare_policy = fairshare
    return {}


@batch_operation("DeleteSchedulingPolicy")
def delete_scheduling_policy(call: Call) -> Response:
    p, region = call.p, call.region
    policy = region.scheduling_policy(p.op, p.text("arn"))
    users = [q.name for q in region.job_queues.values() if q.scheduling_policy_arn == policy.arn]
    if users:
        raise p.fail(f"cannot delete scheduling policy '{policy.name}': job queues {users} use it")
    del region.scheduling_policies[policy.name]
    region.tags.pop(policy.arn, None)
    return {}
