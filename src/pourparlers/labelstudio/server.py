"""A local Label Studio server for annotators and tests: installed, started and stopped by us.

The server (`label-studio`) pins pyarrow<25, Django 5.2 and more, so it never enters the
package's environment: it gets its own virtual environment under `.labelstudio/venv`. Its data
(SQLite), its log, its PID and the generated credentials live in `.labelstudio/` too, which git
ignores. It listens on 127.0.0.1 only. The package talks to it through `label-studio-sdk`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pourparlers import atomic
from pourparlers.errors import PourparlersError

LABEL_STUDIO_VERSION = "1.23.2"
HOST = "127.0.0.1"
DEFAULT_PORT = 8089
START_TIMEOUT = 300.0  # the first start migrates a fresh SQLite database: 85-106 s measured

# The server gets only these variables of the caller's environment, plus its own settings: Label
# Studio reads LABEL_STUDIO_X, then HEARTEX_X, then plain X (a CI's USERNAME, PORT or DEBUG would
# become settings), and nothing else of the caller (HF_TOKEN, cloud keys) is its business.
_PASSED_ON = ("PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")


class ServerError(PourparlersError):
    """The local Label Studio could not be installed, started or reached."""

    code = "server-error"


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str
    token: str


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    credentials: Credentials
    home: Path


def server_python(home: Path) -> Path:
    return home / "venv" / "bin" / "python"


def _uv() -> list[str]:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    return [found] if Path(found).exists() else [sys.executable, "-m", "uv"]


def install(home: Path) -> Path:
    """Install label-studio into `home/venv` unless that exact version is there already."""
    python = server_python(home)
    stamp = home / "venv" / f".label-studio-{LABEL_STUDIO_VERSION}"
    if stamp.exists():
        return python
    home.mkdir(parents=True, exist_ok=True)
    steps = [[*_uv(), "venv", "--quiet", "--allow-existing", "-p", "python3", str(home / "venv")],
             [*_uv(), "pip", "install", "--quiet", "--python", str(python), f"label-studio=={LABEL_STUDIO_VERSION}"]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode:
            raise ServerError(f"installing Label Studio failed: {' '.join(step)}\n{done.stderr[-2000:]}")
    stamp.touch()
    return python


def credentials(home: Path) -> Credentials:
    """The local admin's credentials, generated once and kept (mode 600) in `home`."""
    path = home / "credentials.json"
    if path.exists():
        try:
            return Credentials(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:
            raise ServerError(f"{path} is not the credentials file this command wrote ({type(error).__name__})",
                              "remove the .labelstudio/ folder to start a fresh local server (its "
                              "annotations go with it: pull them first if the server still runs)") from None
    created = Credentials(email="admin@pourparlers.local", password=secrets.token_urlsafe(18),
                          token=secrets.token_hex(20))
    home.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, json.dumps(created.__dict__, indent=1) + "\n")
    path.chmod(0o600)
    return created


def _server_env(home: Path, creds: Credentials) -> dict[str, str]:
    env = {key: os.environ[key] for key in _PASSED_ON if key in os.environ}
    data = str((home / "data").resolve())
    env.update({
        "LABEL_STUDIO_USERNAME": creds.email,
        "LABEL_STUDIO_PASSWORD": creds.password,
        "LABEL_STUDIO_USER_TOKEN": creds.token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
        "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LABEL_STUDIO_BASE_DATA_DIR": data,
        # Choice hints in the side panel (see labelstudio.label_config).
        "fflag_feat_front_prod_309_choice_hint_080523_short": "true",
    })
    return env


def _get(url: str, token: str | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (urllib.error.URLError, OSError):
        return 0, b""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _log_tail(home: Path, lines: int = 40) -> str:
    try:
        return "\n".join((home / "server.log").read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _identity(pid: int) -> dict | None:
    """What tells this process from a later one with the same PID: the boot it runs in, its
    start time (clock ticks after boot) and its command line; None when there is no such
    process (or no /proc: then a PID alone is never trusted)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return {"boot": boot, "start": int(stat.rpartition(")")[2].split()[19]), "command": command}


def _state(home: Path) -> tuple[dict | None, bool]:
    """The recorded server (pid, url, identity) and whether that record is stale: unreadable,
    or naming a process that is gone or is another program now (the PID was reused)."""
    try:
        state = json.loads((home / "server.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, False
    except (OSError, ValueError):
        return None, True
    if not (isinstance(state, dict) and type(state.get("pid")) is int and isinstance(state.get("url"), str)
            and isinstance(state.get("boot"), str) and type(state.get("start")) is int):
        return None, True
    now = _identity(state["pid"])
    ours = (now is not None and now["boot"] == state["boot"] and now["start"] == state["start"]
            and "label-studio" in now["command"] and str((home / "data").resolve()) in now["command"])
    return (state, False) if ours else (None, True)


def running(home: Path) -> Server | None:
    """The server started from `home`, if that very process still runs."""
    state, _ = _state(home)
    if state is None:
        return None
    return Server(state["url"], state["pid"], credentials(home), home)


def status(home: Path) -> tuple[Server | None, bool]:
    """The server started from `home` if it runs, and whether a stale record was removed."""
    server = running(home)
    if server is None and _state(home)[1]:
        (home / "server.json").unlink(missing_ok=True)
        return None, True
    return server, False


def wait_until_ready(url: str, token: str, pid: int | None = None, home: Path | None = None,
                     timeout: float = START_TIMEOUT) -> None:
    """Poll /health/ and then an authenticated call; fail fast when the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid is not None and not _alive(pid):
            raise ServerError(f"Label Studio exited during start-up. Last lines of its log:\n{_log_tail(home)}")
        status, _ = _get(f"{url}/health/")
        if status == 200 and _get(f"{url}/api/current-user/whoami", token)[0] == 200:
            return
        time.sleep(0.5)
    raise ServerError(f"Label Studio did not answer at {url} within {timeout:.0f} s. "
                      f"Last lines of its log:\n{_log_tail(home) if home else ''}")


def start(home: Path, port: int = DEFAULT_PORT, timeout: float = START_TIMEOUT,
          python: Path | None = None) -> Server:
    """Install if needed, start on 127.0.0.1 in the background, wait until it answers.

    `python` is the server's interpreter when it is installed elsewhere (the tests keep one
    installation and start servers on fresh data directories).
    """
    home = Path(home)
    already = running(home)
    if already:
        return already
    python = python or install(home)
    creds = credentials(home)
    url = f"http://{HOST}:{port}"
    if _get(f"{url}/health/")[0]:
        raise ServerError(f"port {port} is already in use by another program; choose another with --port")
    (home / "data").mkdir(parents=True, exist_ok=True)
    label_studio = python.with_name("label-studio")
    command = [str(label_studio), "start", "--no-browser", "--data-dir", str((home / "data").resolve()),
               "--internal-host", HOST, "-p", str(port), "--log-level", "WARNING"]
    with open(home / "server.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=_server_env(home, creds), start_new_session=True)
    identity = _identity(process.pid) or {}
    atomic.write_text(home / "server.json", json.dumps(
        {"url": url, "pid": process.pid, "boot": identity.get("boot"), "start": identity.get("start")}) + "\n")
    try:
        wait_until_ready(url, creds.token, process.pid, home, timeout)
    except ServerError:
        stop(home)
        raise
    return Server(url, process.pid, creds, home)


def stop(home: Path, timeout: float = 20.0) -> str:
    """Stop the server started from `home` (its whole process group): "stopped"; "not running";
    or "stale" when the record names a process that is gone or is another program now, which
    is left alone (only the record is removed)."""
    home = Path(home)
    state, stale = _state(home)
    if state is None:
        if stale:
            (home / "server.json").unlink(missing_ok=True)
        return "stale" if stale else "not running"
    pid = state["pid"]
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)
    (home / "server.json").unlink(missing_ok=True)
    return "stopped"
