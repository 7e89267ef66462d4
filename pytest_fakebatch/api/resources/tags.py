"""TagResource, UntagResource, ListTagsForResource: the tags of any taggable resource."""

from __future__ import annotations

from ...errors import ClientError
from ..shared.params import check_tags
from ..shared.router import Call, Response, batch_operation
from ..shared.tagging import tags_of


@batch_operation("TagResource")
def tag_resource(call: Call) -> Response:
    p, region = call.p, call.region
    arn = _taggable(call)
    tags = p.str_map("tags")
    if not tags:
        raise p.fail("tags is required: give at least one tag")
    merged = {**region.tags.get(arn, {}), **tags}
    region.tags[arn] = check_tags(p.op, merged)
    return {}


@batch_operation("UntagResource")
def untag_resource(call: Call) -> Response:
    p, region = call.p, call.region
    arn = _taggable(call)
    keys = p.str_list("tagKeys")
    if not keys:
        raise p.fail("tagKeys is required: name at least one tag key")
    tags = region.tags.get(arn, {})
    for key in keys:
        tags.pop(key, None)
    return {}


@batch_operation("ListTagsForResource")
def list_tags_for_resource(call: Call) -> Response:
    return {"tags": tags_of(call.region, _taggable(call))}


def _taggable(call: Call) -> str:
    arn = call.p.text("resourceArn")
    if not call.region.is_taggable(arn):
        raise ClientError(
            f"{call.op}: resource '{arn}' does not exist or cannot be tagged in "
            f"{call.region.region} for account {call.region.account}"
        )
    return arn
