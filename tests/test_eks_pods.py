"""EKS-properties jobs' pods as DescribeJobs shows them: the namespace and cluster they run in,
their names per attempt, and the command Kubernetes runs (``command`` + ``args``, ``$(NAME)``
expanded from the container's environment)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_shape_member

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = needs_member("RegisterJobDefinition", "eksProperties")
namespaced = needs_shape_member("EksMetadata", "namespace")

CLUSTER = "arn:aws:eks:eu-west-1:123456789012:cluster/ClusterForBatch"
FAMILY = "EKS properties jobs"


@pytest.fixture
def eks_queue(batch: Any) -> str:
    """A queue 'eks' on an environment of the cluster above whose pods go to 'batch-jobs'."""
    batch.create_compute_environment(
        computeEnvironmentName="eks-ce",
        type="MANAGED",
        eksConfiguration={"eksClusterArn": CLUSTER, "kubernetesNamespace": "batch-jobs"},
        computeResources={"type": "EC2", "maxvCpus": 16, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.create_job_queue(
        jobQueueName="eks", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "eks-ce"}]
    )
    return "eks"


def _register(batch: Any, pod: dict[str, Any]) -> str:
    batch.register_job_definition(
        jobDefinitionName="pod", type="container", eksProperties={"podProperties": pod}
    )
    return "pod"


def _run(batch: Any, queue: str, **extra: Any) -> dict[str, Any]:
    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition="pod", **extra)["jobId"]
    job: dict[str, Any] = batch.describe_jobs(jobs=[job_id])["jobs"][0]
    return job


MAIN = {"name": "main", "image": "img:1", "command": ["main"]}


@pytest.mark.aws_doc(
    "botocore: EksConfiguration",
    "The namespace of the Amazon EKS cluster. Batch manages pods in this namespace.",
    family=FAMILY,
    ops=("CreateComputeEnvironment", "DescribeJobs"),
)
@pytest.mark.aws_doc(
    "API: EksAttemptDetail",
    "The namespace of the Amazon EKS cluster that the pod exists in.",
    family=FAMILY,
    ops=("DescribeJobs",),
)
@needs_shape_member("EksAttemptDetail", "podNamespace")
def test_a_pod_runs_in_its_compute_environment_s_namespace(batch: Any, eks_queue: str) -> None:
    _register(batch, {"containers": [MAIN]})
    job = _run(batch, eks_queue)
    (attempt,) = job["eksAttempts"]
    assert attempt["podNamespace"] == "batch-jobs"
    assert attempt["eksClusterArn"] == CLUSTER
    assert "metadata" not in job["eksProperties"]["podProperties"]  # none was registered


@namespaced
@pytest.mark.aws_doc(
    "botocore: EksMetadata",
    "Batch places Batch Job pods in this namespace. ... This namespace can be different from the "
    "kubernetesNamespace set in the compute environment's EksConfiguration",
    family=FAMILY,
    ops=("RegisterJobDefinition", "SubmitJob", "DescribeJobs"),
)
def test_metadata_namespace_places_the_pod(batch: Any, eks_queue: str) -> None:
    _register(batch, {"containers": [MAIN], "metadata": {"namespace": "team-a"}})
    assert _run(batch, eks_queue)["eksAttempts"][0]["podNamespace"] == "team-a"
    override = {"podProperties": {"metadata": {"namespace": "team-b"}}}
    job = _run(batch, eks_queue, eksPropertiesOverride=override)
    assert job["eksAttempts"][0]["podNamespace"] == "team-b"
    assert job["eksProperties"]["podProperties"]["metadata"] == {"namespace": "team-b"}


@namespaced
@pytest.mark.aws_doc(
    "botocore: EksMetadata",
    "It must meet the following requirements: 1-63 characters long Can't be set to default Can't "
    "start with kube Must match the following regular expression: ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    family=FAMILY,
    ops=("RegisterJobDefinition", "SubmitJob"),
)
@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ("default", "cannot be 'default' or start with 'kube'"),
        ("kube-system", "cannot be 'default' or start with 'kube'"),
        ("Team_A", "must be lowercase letters, digits and '-'"),
        ("a-", "must be lowercase letters, digits and '-'"),
        ("a" * 64, "must be 1 to 63 characters long"),
    ],
)
def test_a_namespace_is_checked(batch: Any, eks_queue: str, namespace: str, message: str) -> None:
    with pytest.raises(ClientError, match=message):
        _register(batch, {"containers": [MAIN], "metadata": {"namespace": namespace}})
    _register(batch, {"containers": [MAIN]})
    override = {"podProperties": {"metadata": {"namespace": namespace}}}
    with pytest.raises(ClientError, match=message):
        _run(batch, eks_queue, eksPropertiesOverride=override)
    assert (
        batch.list_jobs(jobQueue=eks_queue, filters=[{"name": "JOB_NAME", "values": ["*"]}])["jobSummaryList"]
        == []
    )


@pytest.mark.aws_doc(
    "UG: Amazon EKS jobs",
    "For a job with retries enabled, the podName and nodeName of every completed attempt is in the "
    "eksAttempts list parameter ... The podName and nodeName of the current running attempt are in "
    "the podProperties object.",
    family=FAMILY,
    ops=("DescribeJobs",),
)
def test_eks_attempts_lists_the_completed_attempts(batch: Any, eks_queue: str, fake_batch: FakeBatch) -> None:
    @fake_batch.handler("img:*")
    def second_try_runs_long(job: JobRun) -> int:
        if job.attempt == 1:
            return 1
        job.sleep(60)
        return 0

    _register(batch, {"containers": [MAIN]})
    job_id = _run(batch, eks_queue, retryStrategy={"attempts": 2})["jobId"]
    running = batch.describe_jobs(jobs=[job_id])["jobs"][0]
    assert running["status"] == "RUNNING"
    (first,) = running["eksAttempts"]
    current = running["eksProperties"]["podProperties"]
    assert first["containers"][0]["exitCode"] == 1
    assert current["podName"] != first["podName"]
    assert current["nodeName"].startswith("ip-192-168-")
    assert current["nodeName"].endswith(".ec2.internal")

    fake_batch.advance(60)
    done = batch.describe_jobs(jobs=[job_id])["jobs"][0]
    assert [a["podName"] for a in done["eksAttempts"]] == [first["podName"], current["podName"]]


@pytest.mark.aws_doc(
    "botocore: EksContainer",
    "Environment variable references are expanded using the container's environment. If the "
    "referenced environment variable doesn't exist, the reference in the command isn't changed. ... "
    "$$ is replaced with $ and the resulting string isn't expanded.",
    family=FAMILY,
    ops=("SubmitJob",),
)
@pytest.mark.aws_doc(
    "botocore: EksContainer",
    "An array of arguments to the entrypoint.",
    family=FAMILY,
    ops=("RegisterJobDefinition", "SubmitJob"),
)
def test_the_command_is_command_then_args_with_references_expanded(
    batch: Any, eks_queue: str, fake_batch: FakeBatch
) -> None:
    seen: list[JobRun] = []
    fake_batch.handler("img:*")(seen.append)
    container = {
        "name": "main",
        "image": "img:1",
        "command": ["echo", "$(GREETING)"],
        "args": ["$$(GREETING)", "$(MISSING)", "job=$(AWS_BATCH_JOB_ID)"],
        "env": [{"name": "GREETING", "value": "hello"}],
    }
    _register(batch, {"containers": [container]})
    job = _run(batch, eks_queue)
    assert seen[0].command == ["echo", "hello", "$(GREETING)", "$(MISSING)", f"job={job['jobId']}"]
    shown = job["eksProperties"]["podProperties"]["containers"][0]
    assert (shown["command"], shown["args"]) == (container["command"], container["args"])


@needs_shape_member("EksPodProperties", "initContainers")
@pytest.mark.aws_doc(
    "API: EksPodProperties",
    "This object is limited to 10 elements.",
    family=FAMILY,
    ops=("RegisterJobDefinition",),
)
def test_containers_and_init_containers_are_limited_to_ten_each(batch: Any) -> None:
    def many(prefix: str, count: int) -> list[dict[str, Any]]:
        return [{"name": f"{prefix}{i}", "image": "img:1"} for i in range(count)]

    _register(batch, {"initContainers": many("init", 10), "containers": many("main", 10)})
    for pod, kind in (
        ({"initContainers": many("init", 11), "containers": many("main", 1)}, "initContainers"),
        ({"containers": many("main", 11)}, "containers"),
    ):
        with pytest.raises(
            ClientError, match=f"podProperties.{kind} holds 11 containers; it is limited to 10"
        ):
            _register(batch, pod)


@pytest.mark.aws_doc(
    "UG: Amazon EKS jobs",
    "AWS Batch cleans up job pods soon after a pod completes its job. To see pod application logs, "
    "configure a logging service for your cluster.",
    family=FAMILY,
    ops=("DescribeJobs",),
)
@needs_shape_member("EksAttemptContainerDetail", "name")
def test_pod_logs_are_where_container_insights_fluent_bit_puts_them(
    batch: Any, logs: Any, eks_queue: str, fake_batch: FakeBatch
) -> None:
    fake_batch.handler("img:*")(lambda job: print(f"hello from {job.container_name}"))
    _register(batch, {"containers": [MAIN, {**MAIN, "name": "side"}]})
    job = _run(batch, eks_queue)
    (attempt,) = job["eksAttempts"]
    group = "/aws/containerinsights/ClusterForBatch/application"
    for container in attempt["containers"]:
        stream = (
            f"{attempt['nodeName']}-application.var.log.containers."
            f"{attempt['podName']}_batch-jobs_{container['name']}-{container['containerID']}.log"
        )
        events = logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
        assert [e["message"] for e in events] == [f"hello from {container['name']}"]
    assert len(attempt["containers"][0]["containerID"]) == 64
    batch_streams = logs.describe_log_streams(logGroupName="/aws/batch/job")["logStreams"]
    assert batch_streams == []
    assert sorted(fake_batch.job(job["jobId"]).output) == ["hello from main", "hello from side"]


@pytest.mark.aws_doc(
    "botocore: EksContainerResourceRequirements",
    "memory can be specified in limits, requests, or both. If memory is specified in both places, "
    "then the value that's specified in limits must be equal to the value that's specified in requests.",
    family=FAMILY,
    ops=("RegisterJobDefinition", "SubmitJob"),
)
@pytest.mark.aws_doc(
    "botocore: EksContainerResourceRequirements",
    "cpu The number of CPUs that's reserved for the container. Values must be an even multiple of "
    "0.25. ... If cpu is specified in both places, then the value that's specified in limits must be "
    "at least as large as the value that's specified in requests.",
    family=FAMILY,
    ops=("RegisterJobDefinition", "SubmitJob"),
)
@pytest.mark.aws_doc(
    "botocore: EksContainerResourceRequirements",
    "You must specify at least 4 MiB of memory for a job.",
    family=FAMILY,
    ops=("RegisterJobDefinition",),
)
@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"limits": {"memory": "2Mi"}}, "limits.memory '2Mi' is not a memory size of at least 4 MiB"),
        ({"requests": {"cpu": "0.3"}}, "requests.cpu '0.3' must be an even multiple of 0.25"),
        ({"limits": {"nvidia.com/gpu": "1.5"}}, "nvidia.com/gpu '1.5' must be a whole integer"),
        (
            {"limits": {"memory": "2048Mi"}, "requests": {"memory": "1024Mi"}},
            r"memory is in limits \(2048Mi\) and requests \(1024Mi\), which must then be equal",
        ),
        (
            {"limits": {"cpu": "1"}, "requests": {"cpu": "2"}},
            r"the cpu limit \(1\) must be at least as large as the cpu request \(2\)",
        ),
    ],
)
@needs_shape_member("EksContainerOverride", "name")
def test_container_resources_are_checked(
    batch: Any, eks_queue: str, resources: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError, match=message):
        _register(batch, {"containers": [{**MAIN, "resources": resources}]})
    fine = {"limits": {"cpu": "2", "memory": "2048Mi"}, "requests": {"cpu": "1.5", "memory": "2Gi"}}
    _register(batch, {"containers": [{**MAIN, "resources": fine}]})
    override = {"podProperties": {"containers": [{"name": "main", "resources": resources}]}}
    with pytest.raises(ClientError, match=message):
        _run(batch, eks_queue, eksPropertiesOverride=override)


@pytest.mark.aws_doc(
    "botocore: EksPodProperties",
    "Valid values: Default | ClusterFirst | ClusterFirstWithHostNet",
    family=FAMILY,
    ops=("RegisterJobDefinition",),
)
@pytest.mark.aws_doc(
    "botocore: EksContainer",
    "Supported values are Always, IfNotPresent, and Never.",
    family=FAMILY,
    ops=("RegisterJobDefinition",),
)
@pytest.mark.aws_doc(
    "botocore: EksPodPropertiesDetail",
    "If no value was specified for dnsPolicy in the RegisterJobDefinition API operation, then no "
    "value will be returned for dnsPolicy by either of DescribeJobDefinitions or DescribeJobs API "
    "operations.",
    family=FAMILY,
    ops=("DescribeJobs",),
)
def test_dns_and_pull_policies_are_checked_and_echoed_as_given(batch: Any, eks_queue: str) -> None:
    with pytest.raises(
        ClientError, match="dnsPolicy must be one of Default, ClusterFirst, ClusterFirstWithHostNet"
    ):
        _register(batch, {"containers": [MAIN], "dnsPolicy": "None"})
    with pytest.raises(ClientError, match="imagePullPolicy must be one of Always, IfNotPresent, Never"):
        _register(batch, {"containers": [{**MAIN, "imagePullPolicy": "always"}]})
    _register(batch, {"containers": [MAIN]})
    shown = _run(batch, eks_queue)["eksProperties"]["podProperties"]
    assert "dnsPolicy" not in shown
    assert "imagePullPolicy" not in shown["containers"][0]
    _register(batch, {"containers": [{**MAIN, "imagePullPolicy": "Never"}], "dnsPolicy": "ClusterFirst"})
    shown = _run(batch, eks_queue)["eksProperties"]["podProperties"]
    assert (shown["dnsPolicy"], shown["containers"][0]["imagePullPolicy"]) == ("ClusterFirst", "Never")
