"""Run one container, hardened, with a timeout, and always clean it up. The docker CLI at the edge.

Modelled on cibuildwheel's container wrapper: a context manager with a unique name, removal in
finally, and an environment variable (DEPLOY_KEEP_CONTAINER=1) to keep it for debugging.
"""

from __future__ import annotations

import collections
import io
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from scripts.errors import DeployError

# No network, read-only root, no capabilities, no privilege escalation, a non-root user, and
# limits on memory, processes and CPU. Nothing from the runner's environment is passed in.
HARDENING = (
    "--network=none",
    "--read-only",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
    "--user=10001:10001",
    "--memory=256m",
    "--memory-swap=256m",
    "--pids-limit=64",
    "--cpus=1",
    "--ipc=none",
    "--log-driver=json-file",
    "--log-opt=max-size=1m",
    "--log-opt=max-file=1",
)
KEEP_BYTES = 64 * 1024
# After a kill: how long `docker start --attach` may take to end, and its output to drain (a process
# the container left behind can hold the pipe open long after; the readers are then abandoned).
GRACE = 30


@dataclass(frozen=True)
class RunResult:
    command: tuple[str, ...]
    exit_code: int | None  # None when it was killed at the timeout
    stdout: str
    stderr: str
    stdout_bytes: int
    stderr_bytes: int
    duration: float
    timed_out: bool


def docker(
    *args: str, timeout: float = 120, check: bool = True, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The docker CLI; DeployError with docker's last line of stderr when it fails."""
    try:
        done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, env=env, input=stdin)
    except FileNotFoundError:
        raise DeployError("docker is not installed") from None
    except subprocess.TimeoutExpired:
        raise DeployError(f"docker {args[0]} did not finish within {timeout:g} s") from None
    if check and done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise DeployError(f"docker {args[0]} failed: {message[:300]}")
    return done


def _tail(stream: io.BufferedReader, keep: collections.deque, counter: list[int]) -> None:
    """Drain a pipe, keeping only the last KEEP_BYTES: a container may print gigabytes. The reader
    closes the pipe itself: it alone knows when the last read is over, also after being abandoned."""
    kept = 0
    with stream:
        # read1: what has arrived, at once; read(n) would wait for n bytes or the end of the pipe,
        # which a process the container left behind can hold off for ever.
        while chunk := stream.read1(65536):
            counter[0] += len(chunk)
            keep.append(chunk)
            kept += len(chunk)
            while kept - len(keep[0]) >= KEEP_BYTES:
                kept -= len(keep.popleft())


def _decode(chunks: collections.deque) -> str:
    return b"".join(chunks)[-KEEP_BYTES:].decode(errors="replace")


@contextmanager
def hardened(image: str, args: Sequence[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Create the container (not started); yield its name and the create command; remove it
    whatever happens. --pull=never: what runs is what was pulled and checked, nothing newer."""
    name = f"smoke-{uuid.uuid4().hex[:12]}"
    command = ("docker", "create", "--name", name, "--pull=never", *HARDENING, image, *args)
    docker(*command[1:])
    try:
        yield name, command
    finally:
        if os.environ.get("DEPLOY_KEEP_CONTAINER") != "1":
            docker("rm", "--force", name, check=False)


def run(image: str, args: Sequence[str], *, timeout: float) -> RunResult:
    """Start the container attached, capture both streams (bounded), kill it at the timeout."""
    with hardened(image, args) as (name, command):
        start = time.monotonic()
        out: collections.deque = collections.deque()
        err: collections.deque = collections.deque()
        counts = ([0], [0])
        timed_out = False
        # Not Popen's context manager: its exit closes the pipes, and closing one that a reader is
        # blocked on waits for that read, i.e. for whatever still holds the pipe open.
        proc = subprocess.Popen(["docker", "start", "--attach", name], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        readers = [
            threading.Thread(target=_tail, args=(proc.stdout, out, counts[0]), daemon=True),
            threading.Thread(target=_tail, args=(proc.stderr, err, counts[1]), daemon=True),
        ]
        for reader in readers:
            reader.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            docker("kill", name, check=False)
            try:
                proc.wait(timeout=GRACE)
            except subprocess.TimeoutExpired:
                # The engine did not stop it: drop the attached client; rm --force ends the rest.
                proc.kill()
                proc.wait()
        for reader in readers:
            reader.join(timeout=GRACE)  # a reader still blocked then is abandoned (a daemon thread)
        duration = time.monotonic() - start
        inspect = docker("inspect", "--format", "{{.State.ExitCode}}", name, check=False)
        exit_code = None if timed_out else int(inspect.stdout.strip() or proc.returncode)
        return RunResult(
            command, exit_code, _decode(out), _decode(err), counts[0][0], counts[1][0], duration, timed_out
        )
