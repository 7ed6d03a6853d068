"""Run a throwaway JupyterLab server on 127.0.0.1 for browser tests of the live notebooks.

`lab_server(directory)` is a context manager: it starts `jupyter lab DIRECTORY` (the README's
"Run the notebooks" command, plus the flags a test needs) on 127.0.0.1 with a random token and a
port the operating system picks, waits until the server answers, yields a `LabServer`, and on
exit always stops it: first the server's own shutdown (which stops its kernels), then SIGTERM and
SIGKILL to its process group if it is still alive. Every wait is bounded.

Nothing outside DIRECTORY and a temporary folder is written: the server's configuration,
runtime, data, settings and workspace folders all live in that temporary folder, so neither the
user's ~/.jupyter nor the repository is read or changed. The settings switch off what would
reach the network or get in a test's way: news, update checks, the extension manager's PyPI
look-ups, and notebook windowing (every cell is rendered, so a test can see every output).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0

# JupyterLab settings (one file per plugin) for a test: all cells rendered, nothing fetched.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, token, root folder and process."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log: Path

    def notebook_url(self, name: str) -> str:
        """The address that opens ROOT/NAME in JupyterLab, alone, in a fresh workspace of its
        own (so that a second page does not also reopen what the first one had open)."""
        workspace = "".join(c if c.isalnum() else "-" for c in name)
        return f"{self.url}lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET", timeout: float = 5.0) -> object:
        """Call the server's REST API; returns the decoded JSON (None for an empty body)."""
        request = urllib.request.Request(f"{self.url}api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the test process dies, so that a
    killed test run (whose clean-up code never runs) leaves no server behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _write_settings(settings_dir: Path) -> None:
    for relative, values in SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _wait_for_server_info(process: subprocess.Popen, runtime_dir: Path, log: Path) -> dict:
    deadline = time.monotonic() + START_TIMEOUT_S
    info_file = runtime_dir / f"jpserver-{process.pid}.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with code {process.returncode}:\n"
                               + log.read_text(errors="replace")[-3000:])
        if info_file.exists():
            try:
                info = json.loads(info_file.read_text())
                urllib.request.urlopen(f"{info['url']}api/status?token={info['token']}",
                                       timeout=2).close()
                return info
            except (ValueError, OSError):
                pass
        time.sleep(0.2)
    raise TimeoutError(f"jupyter lab did not answer within {START_TIMEOUT_S:.0f} s:\n"
                       + log.read_text(errors="replace")[-3000:])


def stop(server: LabServer) -> None:
    """Stop SERVER and its kernels; bounded in time, safe to call twice."""
    process = server.process
    if process.poll() is None:
        try:
            server.api("shutdown", method="POST")
        except (OSError, urllib.error.URLError):
            pass
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
    # Kernels are the server's children, in its process group: make sure none is left behind.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            continue
    if process.poll() is None:
        process.kill()
        process.wait(5)


@contextmanager
def lab_server(directory: Path) -> Iterator[LabServer]:
    """Start JupyterLab on DIRECTORY (see the module docstring); always stop it on exit."""
    directory = Path(directory).resolve()
    with tempfile.TemporaryDirectory(prefix="pgtheory-lab-") as tmp:
        home = Path(tmp)
        _write_settings(home / "settings")
        token = secrets.token_hex(24)
        env = dict(os.environ,
                   JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTER_DATA_DIR=str(home / "data"),
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        jupyter = Path(sys.executable).with_name("jupyter")
        command = [str(jupyter), "lab", str(directory),
                   "--no-browser", "--ip=127.0.0.1", "--port=0",
                   f"--IdentityProvider.token={token}",
                   f"--LabApp.user_settings_dir={home / 'settings'}",
                   f"--LabApp.workspaces_dir={home / 'workspaces'}",
                   "--LabApp.extension_manager=readonly",
                   "--LabApp.news_url=None",
                   "--LabApp.expose_app_in_browser=True",
                   "--ServerApp.allow_root=True"]
        log = home / "server.log"
        with open(log, "wb") as log_file:
            process = subprocess.Popen(command, env=env, stdout=log_file,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True, preexec_fn=_die_with_parent)
        server = LabServer(url="", token=token, root=directory, process=process, log=log)
        try:
            info = _wait_for_server_info(process, home / "runtime", log)
            server.url = info["url"]
            yield server
        finally:
            stop(server)
