"""The pytest glue, through pytester: fixture, report header, options, marker, plugin loading."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

USES_THE_FIXTURE = textwrap.dedent(
    """
    import boto3

    def test_fake_batch_answers(fake_batch):
        batch = boto3.client("batch", region_name="eu-west-1")
        batch.create_compute_environment(
            computeEnvironmentName="ce",
            type="MANAGED",
            computeResources={"type": "EC2", "maxvCpus": 4, "subnets": ["s"], "instanceRole": "r"},
        )
        described = batch.describe_compute_environments()["computeEnvironments"]
        assert [e["computeEnvironmentName"] for e in described] == ["ce"]
        assert [c.operation for c in fake_batch.calls] == [
            "CreateComputeEnvironment",
            "DescribeComputeEnvironments",
        ]
    """
)


def test_fake_batch_fixture_works_in_a_test_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_report_header_names_the_in_process_executor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess()

    result.stdout.fnmatch_lines(["fakebatch: in-process executor"])


def test_markers_list_the_fakebatch_marker(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["@pytest.mark.fakebatch(*)*"])


def test_help_lists_the_fakebatch_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")

    result.stdout.fnmatch_lines(["*--fakebatch-docker*", "*--fakebatch-image*", "*fakebatch_pull*"])


def test_fakebatch_marker_is_known_under_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakebatch(account_id="111122223333")
        def test_marked(fake_batch):
            pass
        """
    )

    result = pytester.runpytest_subprocess("--strict-markers")

    result.assert_outcomes(passed=1)


def test_marker_account_id_goes_into_the_arns(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        import pytest

        @pytest.mark.fakebatch(account_id="111122223333")
        def test_marked(fake_batch):
            batch = boto3.client("batch", region_name="eu-west-1")
            answer = batch.register_job_definition(
                jobDefinitionName="d", type="container", containerProperties={"image": "i"}
            )
            assert answer["jobDefinitionArn"] == "arn:aws:batch:eu-west-1:111122223333:job-definition/d:1"
        """
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_ini_account_id_goes_into_the_arns(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfakebatch_account_id = 444455556666\n")
    pytester.makepyfile(
        """
        import boto3

        def test_configured(fake_batch):
            batch = boto3.client("batch", region_name="eu-west-1")
            answer = batch.create_scheduling_policy(name="p")
            assert answer["arn"] == "arn:aws:batch:eu-west-1:444455556666:scheduling-policy/p"
        """
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_a_tests_marker_adds_to_its_modules_argument_by_argument(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time

        import boto3
        import pytest

        pytestmark = pytest.mark.fakebatch(clock="frozen", account_id="111122223333")

        @pytest.mark.fakebatch(events=False, account_id="444455556666")
        def test_marked(fake_batch):
            before = fake_batch.clock.now_ms()
            batch = boto3.client("batch", region_name="eu-west-1")
            answer = batch.create_scheduling_policy(name="p")
            assert answer["arn"] == "arn:aws:batch:eu-west-1:444455556666:scheduling-policy/p"
            wall = time.time_ns() // 1_000_000
            while time.time_ns() // 1_000_000 == wall:  # the wall clock moves on by a millisecond
                pass
            assert fake_batch.clock.now_ms() == before  # the module's frozen clock did not
            assert len(fake_batch.events) == 0

        def test_unmarked(fake_batch):
            batch = boto3.client("batch", region_name="eu-west-1")
            assert batch.create_scheduling_policy(name="p")["arn"].split(":")[4] == "111122223333"
        """
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    "marker",
    ['fakebatch(colour="red")', 'fakebatch("docker")'],
    ids=["unknown-keyword", "positional-argument"],
)
def test_marker_with_unexpected_arguments_errors_clearly(pytester: pytest.Pytester, marker: str) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_marked(fake_batch):
            pass
        """
    )

    result = pytester.runpytest_subprocess()

    assert result.ret != 0
    arguments = "docker=, images=, account_id=, events=, faults=, clock="
    result.stdout.fnmatch_lines([f"*@pytest.mark.fakebatch takes {arguments} only*"])
    assert result.parseoutcomes().get("passed", 0) == 0


# -- Docker-mode options (parsed even though the Docker executor is not used here) ---------


@pytest.mark.parametrize(
    "args",
    [
        ["--fakebatch-image", "a=b"],
        ["--fakebatch-image", "worker:*=local/worker:dev", "--fakebatch-image", "x=y"],
    ],
    ids=["one", "two"],
)
def test_image_mappings_are_accepted(pytester: pytest.Pytester, args: list[str]) -> None:
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess(*args)

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["fakebatch: in-process executor"])


@pytest.mark.parametrize("mapping", ["nonsense", "=image", "pattern="])
def test_bad_image_mapping_is_a_usage_error(pytester: pytest.Pytester, mapping: str) -> None:
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess("--fakebatch-image", mapping)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*'{mapping}' must look like PATTERN=IMAGE*"])


def test_bad_image_mapping_in_the_ini_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfakebatch_images =\n    worker:*=local/worker\n    nonsense\n")

    result = pytester.runpytest_subprocess()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'nonsense' must look like PATTERN=IMAGE*"])


@pytest.mark.parametrize("pull", ["never", "missing"])
def test_pull_policy_in_the_ini_file_is_accepted(pytester: pytest.Pytester, pull: str) -> None:
    pytester.makeini(f"[pytest]\nfakebatch_pull = {pull}\n")
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_unknown_pull_policy_in_the_ini_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfakebatch_pull = sometimes\n")

    result = pytester.runpytest_subprocess()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*fakebatch_pull must be 'never' or 'missing', not 'sometimes'*"])


@pytest.mark.parametrize("ceiling", ["0", "-1", "many"])
def test_bad_max_containers_in_the_ini_file_is_a_usage_error(pytester: pytest.Pytester, ceiling: str) -> None:
    pytester.makeini(f"[pytest]\nfakebatch_max_containers = {ceiling}\n")

    result = pytester.runpytest_subprocess()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*fakebatch_max_containers must be a positive integer, not '{ceiling}'*"])


# -- the clock: fakebatch_clock and the marker's clock= ---------------------------------------

# The inner test moves the wall clock an hour on (time.time_ns patched) and the fake's clock 5 s:
# a frozen clock shows the 5 s only, a wall clock both.
MOVES_BOTH_CLOCKS = """
    import time

    import pytest

    {marker}
    def test_clock(fake_batch, monkeypatch):
        start = fake_batch.clock.now_ms()
        monkeypatch.setattr(time, "time_ns", lambda: (start + 3_600_000) * 1_000_000)
        fake_batch.advance(5)
        assert fake_batch.clock.now_ms() - start == {moved}
    """


@pytest.mark.parametrize(
    ("ini", "marker", "moved"),
    [
        ("", "", 3_605_000),
        ("fakebatch_clock = wall", "", 3_605_000),
        ("fakebatch_clock = frozen", "", 5_000),
        ("fakebatch_clock = frozen", '@pytest.mark.fakebatch(clock="wall")', 3_605_000),
        ("", '@pytest.mark.fakebatch(clock="frozen")', 5_000),
        ("fakebatch_clock = wall", '@pytest.mark.fakebatch(clock="frozen")', 5_000),
    ],
    ids=[
        "default-wall",
        "ini-wall",
        "ini-frozen",
        "marker-wall-beats-ini",
        "marker-frozen",
        "marker-frozen-beats-ini",
    ],
)
def test_the_clock_is_frozen_or_follows_the_wall_clock_as_configured(
    pytester: pytest.Pytester, ini: str, marker: str, moved: int
) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(textwrap.dedent(MOVES_BOTH_CLOCKS).format(marker=marker, moved=moved))

    result = pytester.runpytest_subprocess("--strict-markers")

    result.assert_outcomes(passed=1)


def test_a_frozen_clock_stops_when_the_fixture_is_set_up(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfakebatch_clock = frozen\n")
    pytester.makepyfile(
        """
        import time

        def test_clock(fake_batch):
            before = time.time_ns() // 1_000_000
            frozen = fake_batch.clock.now_ms()
            assert frozen <= before
            assert fake_batch.clock.now_ms() == frozen
        """
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_unknown_clock_in_the_ini_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfakebatch_clock = paused\n")

    result = pytester.runpytest_subprocess()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*fakebatch_clock must be 'wall' or 'frozen', not 'paused'*"])


def test_unknown_clock_in_the_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakebatch(clock="paused")
        def test_marked(fake_batch):
            pass
        """
    )

    result = pytester.runpytest_subprocess()

    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.fakebatch(clock=...) takes 'frozen' or 'wall', not 'paused'*"]
    )
    assert result.parseoutcomes().get("passed", 0) == 0


# -- loading the plugin without its entry point --------------------------------------------


def test_no_fakebatch_disables_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess("-p", "no:fakebatch")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'fake_batch' not found*"])


def test_package_in_a_conftest_works_with_plugin_autoload_off(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeconftest('pytest_plugins = ["pytest_fakebatch"]\n')
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["fakebatch: in-process executor"])


def test_package_in_a_conftest_is_harmless_when_the_entry_point_also_loads_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest('pytest_plugins = ["pytest_fakebatch"]\n')
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_star_import_in_a_conftest_brings_the_api_and_leaves_the_plugin_alone(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        "from pytest_fakebatch import *\n"
        "PUBLIC = (FakeBatch, JobRun, Exit, JobInfo, ApiCall, Clock, JobEvent, Events)\n"
        "# a NameError above fails the run\n"
    )
    pytester.makepyfile(USES_THE_FIXTURE)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_the_package_exports_the_user_api_only() -> None:
    import pytest_fakebatch

    assert sorted(pytest_fakebatch.__all__) == [
        "ApiCall",
        "Clock",
        "Events",
        "Exit",
        "FakeBatch",
        "Faults",
        "Injected",
        "JobEvent",
        "JobInfo",
        "JobRun",
        "ServiceJobRun",
        "__version__",
    ]


# -- what pytest does to the package's modules ----------------------------------------------

REWRITTEN_MODULES = textwrap.dedent(
    """
    import sys

    def test_the_fakes_modules_are_loaded_as_written(fake_batch):
        # the plugin module and its few imports load with pytest, before the plugin's hooks run
        rewritten = sorted(
            name
            for name, module in list(sys.modules.items())
            if name.startswith(("pytest_fakebatch.fake", "pytest_fakebatch.api", "pytest_fakebatch.model"))
            and type(getattr(module, "__loader__", None)).__name__ == "AssertionRewritingHook"
        )
        assert "pytest_fakebatch.fake" in sys.modules
        assert rewritten == []
    """
)


@pytest.mark.parametrize(
    ("conftest", "autoload"),
    [
        ("", True),  # the entry point
        ("from pytest_fakebatch import FakeBatch\n", True),  # a conftest imports the fake
        ('pytest_plugins = ["pytest_fakebatch"]\n', False),  # no entry points
    ],
    ids=["entry-point", "conftest-import", "pytest_plugins"],
)
def test_pytest_leaves_the_fakes_own_asserts_alone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, conftest: str, autoload: bool
) -> None:
    # found on sys.path, as an installed wheel is (an editable install's finder is one pytest's
    # rewriting never sees); rewritten, each of its modules would be parsed and compiled anew in
    # every session that cannot cache the result
    import pytest_fakebatch

    monkeypatch.setenv("PYTHONPATH", str(Path(pytest_fakebatch.__file__).parent.parent))
    if not autoload:
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    if conftest:
        pytester.makeconftest(conftest)
    pytester.makepyfile(REWRITTEN_MODULES)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)
