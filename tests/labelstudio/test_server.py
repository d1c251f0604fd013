"""The local Label Studio: loopback only, credentials private, stopped by PID."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pourparlers.labelstudio import server


def listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port`, from /proc (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_server_listens_on_loopback_only(label_studio):
    port = int(label_studio.url.rsplit(":", 1)[1])
    addresses = listening_addresses(port)
    assert addresses == {"0100007F"}, addresses  # 127.0.0.1, nothing on 0.0.0.0 or ::


def test_credentials_are_private_and_the_token_is_not_logged(label_studio):
    path = label_studio.home / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    log = (label_studio.home / "server.log").read_text(errors="replace")
    assert label_studio.credentials.token not in log and label_studio.credentials.password not in log


def test_the_server_gets_only_the_environment_it_needs(tmp_path, monkeypatch):
    for name, value in (("PASSWORD", "leak"), ("PORT", "1"), ("LABEL_STUDIO_HOST", "0.0.0.0"),
                        ("HF_TOKEN", "hf_secret"), ("AWS_SECRET_ACCESS_KEY", "x"), ("LANG", "C.UTF-8")):
        monkeypatch.setenv(name, value)
    env = server._server_env(tmp_path, server.Credentials("a@b.c", "pw", "t" * 40))
    assert not {"PASSWORD", "PORT", "LABEL_STUDIO_HOST", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY"} & set(env)
    assert env["LABEL_STUDIO_PASSWORD"] == "pw" and env["LANG"] == "C.UTF-8" and env["PATH"]


def test_stop_without_a_running_server_says_so(tmp_path):
    assert server.stop(tmp_path) == "not running"
    assert server.running(tmp_path) is None
    assert not os.path.exists(tmp_path / "server.json")


def test_a_stale_record_never_kills_the_process_that_now_has_its_pid(tmp_path, capsys):
    """After a reboot or a crash, server.json may name a PID another program has now: stop and
    status leave that program alone, say so, and remove the record."""
    import json
    import subprocess
    import sys

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                             start_new_session=True)
    try:
        records = [{"url": "http://127.0.0.1:8089", "pid": other.pid},                   # an old record
                   {"url": "http://127.0.0.1:8089", "pid": other.pid, "boot": "x", "start": 1},
                   {**server._identity(other.pid), "url": "http://127.0.0.1:8089", "pid": other.pid}]
        for record in records:
            record.pop("command", None)
            (tmp_path / "server.json").write_text(json.dumps(record), encoding="utf-8")
            assert server.running(tmp_path) is None
            assert server.stop(tmp_path) == "stale"
            assert other.poll() is None and not (tmp_path / "server.json").exists()
        (tmp_path / "server.json").write_text("{not json", encoding="utf-8")
        assert server.status(tmp_path) == (None, True) and not (tmp_path / "server.json").exists()
    finally:
        other.kill()
        other.wait()


def test_a_port_another_program_answers_on_is_refused(tmp_path):
    import http.server
    import threading

    import pytest

    class Quiet(http.server.BaseHTTPRequestHandler):
        def do_GET(self):   # noqa: N802 - the stdlib's name
            self.send_error(404)

        def log_message(self, *args):
            pass

    other = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        with pytest.raises(server.ServerError, match="already in use by another program") as refused:
            server.start(tmp_path, port=other.server_address[1], python=tmp_path / "no-python")
        assert refused.value.code == "server-error"
    finally:
        other.shutdown()
    assert not (tmp_path / "server.json").exists()


@pytest.mark.parametrize("content", ["{not json", '["a list"]', '{"email": "x"}'])
def test_a_damaged_credentials_file_is_a_server_error_that_shows_no_secret(tmp_path, content):
    (tmp_path / "credentials.json").write_text(content.replace("x", "pw-SECRET"), encoding="utf-8")
    with pytest.raises(server.ServerError) as refused:
        server.credentials(tmp_path)
    assert refused.value.code == "server-error" and "credentials.json" in str(refused.value)
    assert "SECRET" not in str(refused.value)
