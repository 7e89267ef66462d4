"""The tags a resource is created with (every Create* operation's ``tags``), and reading them."""

from __future__ import annotations

from ...model.region import Region
from .params import check_tags
from .router import Call


def tags_of(region: Region, arn: str) -> dict[str, str]:
    return dict(region.tags.get(arn, {}))


def set_create_tags(call: Call, arn: str) -> None:
    tags = check_tags(call.op, call.p.str_map("tags"))
    if tags:
        call.region.tags[arn] = tags
