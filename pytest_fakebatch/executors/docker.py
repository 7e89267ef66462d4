"""The Docker executor (``--fakebatch-docker``): every job attempt is a real container.

The scheduler still decides everything, on the test thread: :meth:`DockerExecutor.poll`
turns the containers that have exited into outcomes (exit code, OOM kill, logs, end time)
without asking the engine anything. The engine round-trips, which decide nothing, run on
threads inside the executor, never under the fake's lock: a small pool creates and starts
each container (``start`` returns at once, so a 100-child array is not started one container
at a time) and stops one (``stop`` returns at once; SIGTERM, SIGKILL after the grace period);
then one waiting thread per running container blocks in the engine's ``wait`` (as
``docker run`` does), reads how it ended and its logs the moment it exits, and removes it.
So the next poll learns of an exit with no engine round trip, and capacity is offered again
at once. No thread ever changes a job's status.

Times: containers run in real time, so their timestamps (log lines, ``FinishedAt``) are
moved into the fake clock's frame by the clock's offset observed when the attempt started,
and kept within [attempt start, now].

Network: containers get the engine's default network (``bridge`` normally; on an engine started
with ``--bridge=none``, ``"none"``: loopback only, as that engine's default gives, without the
network state such an engine would keep for every container), unless ``network=`` says otherwise,
e.g. ``"host"`` or ``"none"``. AWS Batch containers have a network, so none is not forced. One
exception: once the fake serves HTTP (``FakeBatch.serve()``), attempts are given endpoint URLs
on the host's loopback, which only a container on the host's network can reach; such
containers get ``"host"`` unless ``network=`` was given.

Every container carries the labels of :mod:`.docker_engine`, and is removed when its
attempt ends or, at the latest, when the executor closes.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .base import AttemptSpec, Outcome
from .docker_args import container_args, epoch_ms, parse_logs, resolve_image
from .docker_copies import HostCopy, copies_instead_of_binds, copy_in, is_remote
from .docker_engine import (
    ATTEMPT,
    EXECUTOR,
    JOB,
    LABEL,
    SESSION_ID,
    SESSION_LABELS,
    TEST,
    DockerUnavailable,
    check_engine,
    connect,
    default_network,
    docker,
    remove,
    sweep_leftovers,
)
from .docker_images import ImagePuller
from .docker_waiting import Ended, await_exit, read_logs
from .task_containers import as_kubernetes_runs, task_volumes

__all__ = [
    "LABEL",
    "OOM_REASON",
    "SESSION_ID",
    "DockerExecutor",
    "DockerUnavailable",
    "check_engine",
    "sweep_leftovers",
]

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
_JOIN_SECONDS = 30  # close(): how long a waiting thread may take once its container is removed


@dataclass(eq=False)
class _Container:
    """The handle of one attempt: its container, once the pool has created it."""

    spec: AttemptSpec
    create: dict[str, Any]
    started_ms: int  # the fake clock at start()
    offset_ms: int  # fake clock minus wall clock at start()
    future: Future[None] | None = None
    container_id: str | None = None
    outcome: Outcome | None = None  # set once the attempt has ended (or never started)
    error: BaseException | None = None  # the engine failed (not the job): raised on the test thread
    ended: Ended | None = None  # set by the waiting thread once the container has exited
    copies: tuple[HostCopy, ...] = ()  # host volumes copied, not bound (a remote engine)
    stopping: bool = False  # the executor asked its container to stop (its SIGKILL is no OOM kill)


class DockerExecutor:
    """Runs each attempt as a container; see the module docstring for the threads and times."""

    def __init__(
        self,
        *,
        images: dict[str, str],
        pull: str,
        max_running: int | None,
        test_id: str,
        stop_grace_seconds: int = 2,
        network: str | None = None,
        workers: int | None = None,
    ) -> None:
        if pull not in ("never", "missing"):
            raise ValueError(f"pull must be 'never' or 'missing', not {pull!r}")
        self.images = dict(images)
        self.pull = pull
        self.max_running = max_running
        self.test_id = test_id
        self.stop_grace_seconds = stop_grace_seconds
        self.network = network
        self.executor_id = uuid.uuid4().hex
        self.label = f"{EXECUTOR}={self.executor_id}"  # on this executor's containers only
        threads = workers or max_running or 8
        self._client = connect(timeout=120, max_pool_size=threads + 4 + (max_running or 64))
        self._cpus = float(self._client.info().get("NCPU") or os.cpu_count() or 1)
        self._engine_network = None if network else default_network(self._client)
        self.remote = is_remote(self._client.api.base_url)  # host paths are not the engine's
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="fakebatch-docker")
        self._images = ImagePuller(self._client, pull)
        self._waiting: set[threading.Thread] = set()  # daemons: a forgotten executor never blocks exit
        self._waiting_lock = threading.Lock()
        self._names = itertools.count(1)

    # -- the Executor protocol (test thread) ---------------------------------------------

    def start(self, spec: AttemptSpec, now_ms: int) -> _Container:
        image = resolve_image(self.images, spec.image)
        labels = {
            **SESSION_LABELS,
            EXECUTOR: self.executor_id,
            TEST: self.test_id,
            JOB: spec.job_id,
            ATTEMPT: str(spec.attempt),
        }
        name = re.sub(r"[^a-zA-Z0-9_.-]", "-", f"fakebatch-{spec.job_id}-{spec.attempt}")
        handle = _Container(spec, {}, now_ms, now_ms - time.time_ns() // 1_000_000)
        try:
            handle.create = container_args(spec, image, self._cpus, self.network, self._engine_network)
            as_kubernetes_runs(handle.create, spec.container.get("kubernetes"))
            if self.remote:
                handle.copies = tuple(copies_instead_of_binds(handle.create))
        except (KeyError, TypeError, ValueError) as error:  # properties Docker cannot express
            handle.outcome = _failed(f"CannotCreateContainerError: container properties: {error!r}")
            handle.future = Future()
            handle.future.set_result(None)
            return handle
        handle.create.update(labels=labels, name=f"{name}-{next(self._names)}-{uuid.uuid4().hex[:6]}")
        handle.future = self._pool.submit(self._prepare, handle)
        return handle

    def run(self, handle: Any) -> None:
        """Nothing: the pool creates and starts the container."""

    def poll(self, handles: Sequence[Any], now_ms: int) -> dict[Any, Outcome]:
        """The attempts that ended: read off the handles (the waiting threads asked the engine)."""
        done: dict[Any, Outcome] = {}
        for handle in handles:
            if handle.future is None or not handle.future.done():
                continue  # still being created or started: not finished
            if handle.error is not None:  # the engine failed: this call fails, the attempt too
                raise self._engine_failed(handle)
            if handle.outcome is not None:
                done[handle] = handle.outcome
            elif handle.ended is not None:
                done[handle] = self._finish(handle, now_ms)
        return done

    def logs(self, handle: Any, now_ms: int) -> list[tuple[int, str]]:
        """What the container has written so far (one engine request; [] before it runs)."""
        if handle.outcome is not None:
            return [(ts, line) for ts, line in handle.outcome.logs if ts <= now_ms]
        if not handle.future.done() or handle.container_id is None:
            return []
        try:
            raw = read_logs(self._client.api, handle.container_id)
        except docker.errors.APIError:
            return []  # removed meanwhile: poll reports how it ended
        return [(self._clamp(handle, ts, now_ms), line) for ts, line in parse_logs(raw)]

    def finish_time(self, handle: Any) -> int | None:
        return None  # real work ends when it ends

    def stop(self, handle: Any, now_ms: int) -> Outcome | None:
        """Ask the pool to stop the container (SIGTERM, the image's stop signal; SIGKILL after
        the grace period) once it is created, and return at once: a later poll sees it exit."""
        assert isinstance(handle, _Container)
        assert handle.future is not None
        if handle.outcome is not None:
            return handle.outcome
        if handle.future.cancel():  # never reached the engine: no container to stop
            handle.outcome = Outcome(exit_code=None, finished_at=now_ms)
            return handle.outcome
        handle.future.add_done_callback(lambda _: self._submit(self._stop_container, handle))
        return None

    def _submit(self, work: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the pool is shut down: close() removes it all
            self._pool.submit(work, *args)

    def close(self) -> None:
        """Remove every container this executor created, running or not."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        try:
            for container in self._client.containers.list(
                all=True, sparse=True, filters={"label": self.label}
            ):
                remove(self._client, container.id)  # which ends its waiting thread's wait
            with self._waiting_lock:
                waiting = list(self._waiting)
            for thread in waiting:  # their reads and removals are done
                thread.join(_JOIN_SECONDS)
            for volume in self._client.volumes.list(filters={"label": self.label}):  # tasks' shared
                with contextlib.suppress(docker.errors.APIError):
                    volume.remove(force=True)
        finally:
            self._client.close()

    # -- the pool's work: engine round-trips that decide nothing -------------------------

    def _prepare(self, handle: _Container) -> None:
        try:
            handle.outcome = self._create_and_start(handle)
        except docker.errors.APIError as error:
            handle.outcome = _failed(f"CannotCreateContainerError: {_explain(error)}")
        except BaseException as error:  # the engine itself failed: poll or stop raises it
            handle.error = error

    def _create_and_start(self, handle: _Container) -> Outcome | None:
        image = handle.create["image"]
        try:
            created = self._create(handle)
        except docker.errors.ImageNotFound:
            problem = self._images.why_missing(image)
            if problem is not None:
                return _failed(f"CannotPullContainerError: {problem}")
            created = self._create(handle)
        handle.container_id = created["Id"]
        try:
            for copy in handle.copies:
                copy_in(self._client.api, handle.container_id, copy, handle.create)
        except (docker.errors.APIError, OSError) as error:
            remove(self._client, handle.container_id)
            handle.container_id = None
            return _failed(f"CannotCreateContainerError: copying a host volume in: {_explain(error)}")
        try:
            self._client.api.start(handle.container_id)
        except docker.errors.APIError as error:
            remove(self._client, handle.container_id)
            handle.container_id = None
            return _failed(f"CannotStartContainerError: {_explain(error)}")
        waiter = threading.Thread(
            target=self._await_exit, args=(handle, handle.container_id), name="fakebatch-docker-wait"
        )
        waiter.daemon = True
        with self._waiting_lock:
            self._waiting.add(waiter)
        waiter.start()
        return None

    def _await_exit(self, handle: _Container, cid: str) -> None:
        """The waiting thread: block until the container exits, read how it ended, remove it."""
        try:
            handle.ended = await_exit(self._client.api, cid, handle.copies, lambda: handle.stopping)
            self._remove_quietly(cid)
        except BaseException as error:  # the engine itself failed: poll or stop raises it
            handle.error = error
        finally:
            with self._waiting_lock:
                self._waiting.discard(threading.current_thread())

    def _create(self, handle: _Container) -> Any:
        for name in task_volumes(handle.create):  # shared by the containers of its task
            self._client.volumes.create(name, labels={**SESSION_LABELS, EXECUTOR: self.executor_id})
        args = dict(handle.create)
        host_config = self._client.api.create_host_config(**args.pop("host_config"))
        return self._client.api.create_container(**args, host_config=host_config)

    def _stop_container(self, handle: _Container) -> None:
        cid = handle.container_id
        if cid is not None and handle.outcome is None:
            handle.stopping = True
            with contextlib.suppress(Exception):  # gone or exited already: poll says how it ended
                self._client.api.stop(cid, timeout=self.stop_grace_seconds)

    def _remove_quietly(self, container_id: str) -> None:
        with contextlib.suppress(Exception):  # close() removes whatever is left, and reports that
            remove(self._client, container_id)

    # -- reading how an attempt ended (test thread) --------------------------------------

    @staticmethod
    def _engine_failed(handle: _Container) -> BaseException:
        """The attempt fails with the engine's error, which is handed back to raise once."""
        error, handle.error = handle.error, None
        assert error is not None
        handle.outcome = _failed(f"CannotStartContainerError: the Docker engine failed: {error}")
        return error

    def _finish(self, handle: _Container, now_ms: int) -> Outcome:
        """The outcome of an attempt whose container has ended (no engine round trip)."""
        ended = handle.ended
        assert ended is not None
        handle.container_id = None
        if ended.gone is not None:
            outcome = _failed(f"CannotInspectContainerError: the container is gone: {ended.gone}")
            outcome.finished_at = now_ms
        else:
            state = ended.state
            oom = bool(state.get("OOMKilled"))
            logs = [(self._clamp(handle, ts, now_ms), line) for ts, line in parse_logs(ended.raw_logs)]
            # the engine stamps a line when it reads it, which may be after the process exited
            exited = epoch_ms(state.get("FinishedAt") or "") or ended.waited_ms
            finished = max([self._clamp(handle, exited, now_ms)] + [ts for ts, _ in logs])
            outcome = Outcome(
                exit_code=state.get("ExitCode"),
                reason=OOM_REASON if oom else (state.get("Error") or None),
                logs=logs,
                finished_at=finished,
            )
        handle.outcome = outcome
        return outcome

    @staticmethod
    def _clamp(handle: _Container, real_ms: int | None, now_ms: int) -> int:
        if real_ms is None:
            return now_ms
        return max(handle.started_ms, min(now_ms, real_ms + handle.offset_ms))


def _failed(reason: str) -> Outcome:
    """An attempt whose container never ran: no exit code, AWS's reason in both places."""
    return Outcome(exit_code=None, reason=reason, status_reason=reason)


def _explain(error: Any) -> str:
    return str(getattr(error, "explanation", None) or error)
