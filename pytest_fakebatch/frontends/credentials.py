"""Client creation stays offline while a fake is active, and the fake leaves no credentials behind.

A botocore client resolves credentials when it is created, not when it calls; with none in the
environment or config files, botocore's last resort is the EC2 instance metadata service: one
network round trip (about a second's timeout off EC2) for every client created. The fake answers
in ``before-call``, before signing, so its clients need no credentials at all. While a fake is
active the instance-metadata provider therefore answers "none here" without asking the network;
every other provider (environment, config files, SSO, container) answers as usual.

Nothing is cached: a session caches only credentials it found, and this finds none. So once the
fake stops, sessions resolve credentials exactly as if the plugin had never been there (no
variables in ``os.environ``, nothing in ``boto3.DEFAULT_SESSION``).
"""

from __future__ import annotations

from typing import Any

from botocore.credentials import InstanceMetadataProvider

_ASK_THE_NETWORK = InstanceMetadataProvider.load


def _none_while_faked(self: InstanceMetadataProvider) -> Any:
    return None


def go_offline() -> None:
    """While a fake is active: the instance-metadata provider finds nothing, at once."""
    InstanceMetadataProvider.load = _none_while_faked


def go_online() -> None:
    """The fake has stopped: botocore's own instance-metadata provider again."""
    InstanceMetadataProvider.load = _ASK_THE_NETWORK
