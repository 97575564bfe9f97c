"""A stand-in for the docker CLI at the subprocess edge, so that deploy's decisions run in the fast
suite on machines without an engine. Installed as an executable called `docker` on PATH; it logs
every call (argv, one JSON line each) and answers from a JSON state file:

    {"pulls": {"ref": true}, "run": {"stdout": "5\\n", "stderr": "", "exit": 0, "sleep": 0, "orphan": 0},
     "sleeps": {"pull": 5},
     "load": "Loaded image ID: sha256:...", "ids": {"ref": "sha256:..."}, "fail": {"create": "msg"},
     "inspect": "3"}

It models only what scripts.deploy.container and scripts.deploy ask of docker, with docker's own output
shapes; the real engine is exercised by the docker-marked tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import sys
from pathlib import Path

SCRIPT = """#!{python}
import json, os, sys, time
state = json.loads(open(os.environ["FAKE_DOCKER_STATE"]).read())
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
with open(os.environ["FAKE_DOCKER_LOG"] + ".config", "a") as log:
    log.write(json.dumps(os.environ.get("DOCKER_CONFIG", "")) + "\\n")
args = sys.argv[1:]
command = args[0] if args else ""
time.sleep(state.get("sleeps", {{}}).get(command, 0))  # a slow pull or load, say
if command in state.get("fail", {{}}):
    print(state["fail"][command], file=sys.stderr)
    sys.exit(1)
if command == "login":
    # What a test can check: the password arrived on stdin, and which DOCKER_CONFIG was used.
    seen = {{"stdin": sys.stdin.read(), "docker_config": os.environ.get("DOCKER_CONFIG", "")}}
    open(os.environ["FAKE_DOCKER_STATE"] + ".login", "w").write(json.dumps(seen))
    print("Login Succeeded")
elif command == "pull":
    print(args[-1])
elif command == "create":
    print("c0ffee")
elif command == "start":
    run = state.get("run", {{}})
    open(os.environ["FAKE_DOCKER_STATE"] + ".pid", "w").write(str(os.getpid()))
    sys.stdout.write(run.get("stdout", ""))
    sys.stderr.write(run.get("stderr", ""))
    sys.stdout.flush()
    if run.get("orphan"):
        # What a container can leave behind: a process that keeps the output pipe open.
        import subprocess
        orphan = subprocess.Popen(["sleep", str(run["orphan"])], stdout=sys.stdout, start_new_session=True)
        open(os.environ["FAKE_DOCKER_STATE"] + ".orphan", "w").write(str(orphan.pid))
    time.sleep(run.get("sleep", 0))
    open(os.environ["FAKE_DOCKER_STATE"] + ".exit", "w").write(str(run.get("exit", 0)))
    sys.exit(run.get("exit", 0))
elif command == "inspect":
    # The engine's record of the container's exit code; a test may make it differ from what
    # `docker start --attach` returned (the engine is the one to believe).
    path = os.environ["FAKE_DOCKER_STATE"] + ".exit"
    print(state["inspect"] if "inspect" in state else open(path).read() if os.path.exists(path) else "137")
elif command == "kill":
    # As the engine does: the container dies, so the attached `docker start` returns (137).
    import signal
    path = os.environ["FAKE_DOCKER_STATE"] + ".pid"
    if os.path.exists(path):
        os.kill(int(open(path).read()), signal.SIGKILL)
    print(args[-1])
elif command == "rm":
    print(args[-1])
elif command == "load":
    print(state.get("load", ""))
elif command == "image" and args[1] == "inspect":
    ids = state.get("ids", {{}})
    if args[-1] not in ids:
        print(f"Error: No such image: {{args[-1]}}", file=sys.stderr)
        sys.exit(1)
    print(ids[args[-1]])
else:
    print(f"fake docker: unexpected {{args}}", file=sys.stderr)
    sys.exit(2)
"""


class FakeDocker:
    """Put it on PATH with .install(monkeypatch); .calls lists what was run, in order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state_file = folder / "state.json"
        self.log_file = folder / "calls.log"
        self.state: dict = {}
        executable = folder / "docker"
        executable.write_text(SCRIPT.format(python=sys.executable))
        executable.chmod(executable.stat().st_mode | stat.S_IEXEC)

    def install(self, monkeypatch) -> FakeDocker:
        monkeypatch.setenv("PATH", f"{self.folder}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("FAKE_DOCKER_STATE", str(self.state_file))
        monkeypatch.setenv("FAKE_DOCKER_LOG", str(self.log_file))
        self.save()
        return self

    def save(self) -> None:
        self.state_file.write_text(json.dumps(self.state))

    def set(self, **values: object) -> None:
        self.state.update(values)
        self.save()

    @property
    def calls(self) -> list[list[str]]:
        if not self.log_file.exists():
            return []
        return [json.loads(line) for line in self.log_file.read_text().splitlines()]

    @property
    def configs(self) -> list[str]:
        """DOCKER_CONFIG as each call saw it, in the order of .calls ("" when unset)."""
        path = Path(f"{self.log_file}.config")
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def stop_orphan(self) -> None:
        path = Path(f"{self.state_file}.orphan")
        if path.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(path.read_text()), signal.SIGKILL)

    @property
    def login(self) -> dict:
        """What the last `docker login` received: its stdin and DOCKER_CONFIG."""
        path = Path(f"{self.state_file}.login")
        return json.loads(path.read_text()) if path.exists() else {}

    def commands(self) -> list[str]:
        return [" ".join(call[:2]) if call[:1] == ["image"] else call[0] for call in self.calls]
