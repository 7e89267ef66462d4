"""Scheduling policies: a fair-share policy (the weights of a job queue's shares) or a quota-share
policy (quota management), never both."""

from __future__ import annotations

import re
from typing import Any

from ...model.resources import SchedulingPolicy, select
from ..shared.params import new_name, paged
from ..shared.router import Call, Response, batch_operation
from ..shared.tagging import set_create_tags, tags_of

_SHARE_IDENTIFIER = re.compile(r"[A-Za-z0-9]{1,255}\*?|\*")
_MAX_DECAY_SECONDS = 604800  # one week


def _fairshare(call: Call) -> dict[str, Any] | None:
    """fairsharePolicy as AWS bounds it: shareDecaySeconds 0..604800, computeReservation 0..99,
    at most 500 shares, each identifier up to 255 letters and digits (a trailing '*' makes it
    a prefix), no two overlapping, weightFactor 0.0001..999.9999."""
    p = call.p
    policy = p.opt_dict("fairsharePolicy")
    if policy is None:
        return None
    for key, most in (("shareDecaySeconds", _MAX_DECAY_SECONDS), ("computeReservation", 99)):
        value = policy.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most
        ):
            raise p.fail(f"fairsharePolicy.{key} must be between 0 and {most}, got {value!r}")
    shares = policy.get("shareDistribution", [])
    if not isinstance(shares, list) or len(shares) > 500:
        raise p.fail("fairsharePolicy.shareDistribution takes at most 500 shares")
    idents: list[str] = []
    for i, share in enumerate(shares):
        ident = share.get("shareIdentifier") if isinstance(share, dict) else None
        if not isinstance(ident, str) or not _SHARE_IDENTIFIER.fullmatch(ident):
            raise p.fail(
                f"fairsharePolicy.shareDistribution[{i}].shareIdentifier must be up to 255 letters and "
                f"digits, optionally followed by '*' (a prefix), got {ident!r}"
            )
        weight = share.get("weightFactor", 1.0)
        if (
            not isinstance(weight, (int, float))
            or isinstance(weight, bool)
            or not 0.0001 <= weight <= 999.9999
        ):
            raise p.fail(
                f"fairsharePolicy.shareDistribution[{i}].weightFactor must be between 0.0001 and "
                f"999.9999, got {weight!r}"
            )
        for other in idents:
            if _overlap(ident, other):
                raise p.fail(
                    f"fairsharePolicy.shareDistribution: share identifiers '{other}' and '{ident}' "
                    "overlap; each share identifier may match only one entry"
                )
        idents.append(ident)
    return dict(policy)


def _overlap(a: str, b: str) -> bool:
    """Whether two shareDistribution entries can match the same share identifier (UserA* and
    UserA1 do)."""
    if a == b:
        return True
    if a.endswith("*") and b.rstrip("*").startswith(a[:-1]):
        return True
    return b.endswith("*") and a.rstrip("*").startswith(b[:-1])


def _quota_share_policy(call: Call) -> dict[str, Any] | None:
    policy = call.p.opt_dict("quotaSharePolicy")
    if policy is None:
        return None
    strategy = policy.get("idleResourceAssignmentStrategy")
    if strategy != "FIFO":
        raise call.p.fail(
            "quotaSharePolicy.idleResourceAssignmentStrategy must be FIFO (the only strategy), "
            f"got {strategy!r}"
        )
    return {"idleResourceAssignmentStrategy": strategy}


@batch_operation("CreateSchedulingPolicy")
def create_scheduling_policy(call: Call) -> Response:
    p, region = call.p, call.region
    name = new_name(p, "name", "scheduling policy", region.scheduling_policies, region.region)
    fairshare, quota = _fairshare(call), _quota_share_policy(call)
    if fairshare is not None and quota is not None:
        raise p.fail("give fairsharePolicy or quotaSharePolicy, not both: a scheduling policy has one kind")
    policy = SchedulingPolicy(
        name=name,
        arn=region.arn("scheduling-policy", name),
        fairshare_policy=fairshare,
        quota_share_policy=quota,
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
    """AWS: once set at creation, a quotaSharePolicy cannot be removed or changed to a
    fairsharePolicy, nor the other way round."""
    p = call.p
    policy = call.region.scheduling_policy(p.op, p.text("arn"))
    fairshare, quota = _fairshare(call), _quota_share_policy(call)
    if fairshare is not None and policy.quota_share_policy is not None:
        raise p.fail(
            f"scheduling policy '{policy.name}' has a quotaSharePolicy, which cannot be changed to a "
            "fairsharePolicy: create another scheduling policy"
        )
    if quota is not None and policy.quota_share_policy is None:
        raise p.fail(
            f"scheduling policy '{policy.name}' is a fair-share policy, which cannot be changed to a "
            "quotaSharePolicy: create another scheduling policy"
        )
    if fairshare is not None:
        policy.fairshare_policy = fairshare
    if quota is not None:
        policy.quota_share_policy = quota
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
