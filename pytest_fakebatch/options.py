"""The plugin's command-line options, ini keys and marker arguments, declared.

The tables the configuration reference (docs/configuration.md) is generated from; the plugin
module reads them and re-exports ``pytest_addoption`` as its hook.
"""

from __future__ import annotations

import pytest

from . import chaos

CLOCKS = ("wall", "frozen")  # the values of fakebatch_clock and the marker's clock=


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakebatch", "pytest-fakebatch (AWS Batch, faked)")
    group.addoption(
        "--fakebatch-docker",
        action="store_true",
        default=None,
        help="run every Batch job attempt as a real Docker container (needs a Docker engine)",
    )
    group.addoption(
        "--fakebatch-image",
        action="append",
        default=[],
        metavar="PATTERN=IMAGE",
        help="in Docker mode, run jobs whose image matches the glob PATTERN with the local IMAGE",
    )
    group.addoption(
        "--fakebatch-report",
        default=None,
        metavar="DIR",
        help="write an HTML timeline of each test's Batch jobs to DIR (and DIR/index.html)",
    )
    chaos.add_options(group, parser)  # --fakebatch-chaos, fakebatch_chaos, fakebatch_chaos_mix
    parser.addini("fakebatch_docker", "run Batch jobs as Docker containers", type="bool", default=False)
    parser.addini(
        "fakebatch_images", "PATTERN=IMAGE lines: local images for job images (Docker mode)", type="linelist"
    )
    parser.addini("fakebatch_pull", "Docker mode: 'never' or 'missing' (pull absent images)", default="never")
    parser.addini("fakebatch_max_containers", "Docker mode: at most this many containers at once", default="")
    parser.addini(
        "fakebatch_account_id", "the AWS account id of faked resources (default 123456789012)", default=""
    )
    parser.addini(
        "fakebatch_events",
        "keep job state-change events (fake_batch.events) and put them on moto's EventBridge",
        type="bool",
        default=True,
    )
    parser.addini(
        "fakebatch_report", "write HTML timelines of the tests' Batch jobs to this directory", default=""
    )
    parser.addini(
        "fakebatch_check_shapes",
        "also parse every answer with botocore and fail on anything outside Batch's model (slower)",
        type="bool",
        default=False,
    )
    parser.addini(
        "fakebatch_clock",
        "'wall': the fake's clock follows the wall clock until a test moves it; 'frozen': it stops "
        "when the fixture is set up and moves only by fake_batch.advance() or clock.advance()",
        default="wall",
    )


# the arguments of @pytest.mark.fakebatch, and what each does (the docs' configuration
# reference is generated from this table)
MARKER_ARGUMENTS = {
    "docker": "True runs this test's jobs as Docker containers, False in process (beats flag and ini)",
    "images": "a dict of PATTERN: IMAGE mappings for Docker mode, added to the option's and ini key's",
    "account_id": "the AWS account id of this test's faked resources (beats fakebatch_account_id)",
    "events": "True or False: keep job state-change events for this test (beats fakebatch_events)",
    "faults": "False: exempt from --fakebatch-chaos; a dict of throttle, server_error, spot, lag: own mix",
    "clock": "'frozen': time moves only by advance(); 'wall': follows the wall clock (beats fakebatch_clock)",
}
