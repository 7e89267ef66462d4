"""The "fakebatch" section of a failed test's report, and readable JobInfo reprs (pytester)."""

from __future__ import annotations

import textwrap

import pytest

SETUP = textwrap.dedent(
    """
    import boto3
    import pytest


    @pytest.fixture
    def batch(fake_batch):
        client = boto3.client("batch", region_name="eu-west-1")
        client.create_compute_environment(
            computeEnvironmentName="ce", type="MANAGED",
            computeResources={"type": "EC2", "maxvCpus": 64, "subnets": ["s"]},
        )
        client.create_job_queue(
            jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
        client.register_job_definition(
            jobDefinitionName="work", type="container",
            containerProperties={"image": "worker:1", "command": ["run"], "vcpus": 1, "memory": 64},
        )

        @fake_batch.handler("worker:*")
        def work(job):
            index = int(job.env.get("AWS_BATCH_JOB_ARRAY_INDEX", "0"))
            for line in range(30 if job.job_name != "huge" else 0):
                print(f"{job.job_name} {index} line {line}")
            return 3 if job.job_name == "broken" or index == 7 else 0

        return client
    """
)


def test_a_failed_test_shows_its_jobs_and_the_failed_logs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        SETUP
        + textwrap.dedent(
            """
            def test_pipeline(batch):
                batch.submit_job(jobName="fine", jobQueue="q", jobDefinition="work")
                batch.submit_job(jobName="broken", jobQueue="q", jobDefinition="work")
                array = {"size": 10}
                batch.submit_job(jobName="fan", jobQueue="q", jobDefinition="work", arrayProperties=array)
                assert False, "the pipeline failed"
            """
        )
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Captured fakebatch call*",
            "job id*name*status*exit*tries*reason*",
            "* fine *SUCCEEDED*0*1*",
            "* broken *FAILED*3*1*Essential container in task exited*",
            "* fan *FAILED (1 FAILED, 9 SUCCEEDED)*",
            "--- log of broken * FAILED (last 20 of 30 lines)",
            "broken 0 line 10",
            "*broken 0 line 29",
            "--- log of fan * FAILED (last 20 of 30 lines)",
            "fan 7 line 10",
        ]
    )
    assert "broken 0 line 9" not in result.stdout.str()  # only the last 20 lines
    assert "fan 3 line" not in result.stdout.str()  # the logs of FAILED jobs only


def test_ten_thousand_children_are_one_row(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        SETUP
        + textwrap.dedent(
            """
            def test_big(batch):
                for i in range(60):
                    batch.submit_job(jobName=f"one-{i}", jobQueue="q", jobDefinition="work")
                array = {"size": 10000}
                batch.submit_job(jobName="huge", jobQueue="q", jobDefinition="work", arrayProperties=array)
                assert False
            """
        )
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    section = out[out.index("Captured fakebatch call") :]
    assert section.count("\n") < 80  # capped: 40 rows, 1 failed log of 20 lines, a few notes
    result.stdout.fnmatch_lines(["... and 21 more jobs"])
    assert "9999 SUCCEEDED" not in section  # the array's row is among the 21 left out


def test_a_passing_test_shows_nothing_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        SETUP
        + textwrap.dedent(
            """
            def test_fine(batch):
                batch.submit_job(jobName="fine", jobQueue="q", jobDefinition="work")
            """
        )
    )

    quiet = pytester.runpytest_subprocess()
    asked = pytester.runpytest_subprocess("-rA")

    quiet.assert_outcomes(passed=1)
    assert "fakebatch call" not in quiet.stdout.str()
    asked.stdout.fnmatch_lines(["*Captured fakebatch call*", "* fine *SUCCEEDED*"])


def test_job_infos_read_well_in_assertion_messages(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        SETUP
        + textwrap.dedent(
            """
            def test_statuses(fake_batch, batch):
                batch.submit_job(jobName="broken", jobQueue="q", jobDefinition="work")
                assert fake_batch.jobs() == []
            """
        )
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*<JobInfo broken * FAILED exit=3 attempts=1 'Essential container in task exited'>*"]
    )
    assert "line 29" not in result.stdout.str().split("Captured fakebatch call")[0]  # no log in the repr
