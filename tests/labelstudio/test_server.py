"""The local Label Studio: loopback only, credentials private, stopped by PID."""

from __future__ import annotations

import os
import stat
from pathlib import Path

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


def test_server_environment_drops_names_label_studio_would_read_as_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PASSWORD", "leak")
    monkeypatch.setenv("PORT", "1")
    monkeypatch.setenv("LABEL_STUDIO_HOST", "0.0.0.0")
    env = server._server_env(tmp_path, server.Credentials("a@b.c", "pw", "t" * 40))
    assert "PASSWORD" not in env and "PORT" not in env and "LABEL_STUDIO_HOST" not in env
    assert env["LABEL_STUDIO_PASSWORD"] == "pw"


def test_stop_without_a_running_server_says_so(tmp_path):
    assert server.stop(tmp_path) is False
    assert server.running(tmp_path) is None
    assert not os.path.exists(tmp_path / "server.json")


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
