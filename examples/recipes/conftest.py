"""What every recipe shares: the tools' versions in the report, and a queue to submit to.

Each recipe module names the distributions it drives in ``TOOLS``; their installed versions go in
the report header and under every failure, so a recipe broken by a new release says which.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tool_api import installed

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"


# The distributions the recipes drive; the header names those installed in this environment.
TOOL_DISTRIBUTIONS = (
    "apache-airflow",
    "apache-airflow-providers-amazon",
    "aiobotocore",
    "metaflow",
    "snakemake",
    "snakemake-executor-plugin-aws-batch",
    "snakemake-storage-plugin-s3",
    "luigi",
    "prefect",
    "prefect-aws",
    "toil",
    "awscli",
    "docker",
    "moto",
    "boto3",
    "botocore",
)


def pytest_report_header(config: pytest.Config, start_path: Path) -> str:
    """The versions of the recipe tools installed here, e.g. ``luigi 3.8.1``."""
    found = [f"{n} {installed(n)}" for n in TOOL_DISTRIBUTIONS if installed(n) != "not installed"]
    return "recipe tools: " + ", ".join(found)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """A failed recipe's report ends with the versions of the tools its module names in TOOLS."""
    report = yield
    if report.failed:
        tools = getattr(getattr(item, "module", None), "TOOLS", ())
        versions = "\n".join(f"{name} {installed(name)}" for name in tools)
        report.sections.append(("recipe tools", versions or "(the module names no TOOLS)"))
    return report


@pytest.fixture
def batch_queue(fake_batch: FakeBatch) -> str:
    """A compute environment and the job queue 'recipes' on it, as Terraform would create them."""
    batch = boto3.client("batch", region_name=REGION)
    batch.create_compute_environment(
        computeEnvironmentName="recipes",
        type="MANAGED",
        computeResources={"type": "FARGATE", "maxvCpus": 4, "subnets": ["subnet-1"]},
    )
    batch.create_job_queue(
        jobQueueName="recipes",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "recipes"}],
    )
    return "recipes"
