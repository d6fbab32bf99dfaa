"""A missing system tool skips its tests on a laptop and fails CI (tests/tools.py and the script)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.tools import require_tool

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "test-system-deps.sh"
BASH = "/bin/bash"
ABSENT = "bbp-no-such-tool"


def test_a_missing_tool_skips_the_test_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{ABSENT} is not installed"):
        require_tool(ABSENT)


def test_a_missing_tool_fails_the_test_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run this test"):
        require_tool(ABSENT)


def test_a_present_tool_is_found_by_name_or_path(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert require_tool(BASH) == BASH
    assert os.path.basename(require_tool("bash")) == "bash"


def executable(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def run_script(bin_dir: Path, chromium: str, ci: str | None) -> subprocess.CompletedProcess:
    """The script with PATH narrowed to bin_dir: only the tools and apt-get placed there exist."""
    env = {"PATH": str(bin_dir), "CHROMIUM": chromium}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([BASH, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def bin_dir(tmp_path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def test_script_fails_under_ci_when_a_tool_is_missing_and_apt_get_is_not_there(bin_dir):
    result = run_script(bin_dir, "/nonexistent/chromium", ci="true")
    assert result.returncode != 0
    assert "chromium" in result.stderr and "postgresql-client" in result.stderr
    assert "under CI" in result.stderr


def test_script_only_warns_outside_ci(bin_dir):
    result = run_script(bin_dir, "/nonexistent/chromium", ci=None)
    assert result.returncode == 0
    assert "will be skipped" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the script installs only as root")
def test_script_fails_under_ci_when_apt_get_fails(bin_dir, tmp_path):
    calls = tmp_path / "apt-get.calls"
    executable(bin_dir / "apt-get", f'echo "$@" >> {calls}; exit 100')
    result = run_script(bin_dir, "/nonexistent/chromium", ci="true")
    assert result.returncode != 0
    assert "could not install" in result.stderr
    assert calls.read_text().startswith("update")


@pytest.mark.skipif(os.geteuid() != 0, reason="the script installs only as root")
def test_script_installs_the_postgresql_client_and_the_rest_when_missing(bin_dir, tmp_path):
    calls = tmp_path / "apt-get.calls"
    chromium = bin_dir / "chromium"
    # A stand-in for apt-get that "installs" by creating the executables the packages provide.
    executable(
        bin_dir / "apt-get",
        f'echo "$@" >> {calls}\n'
        f'[ "$1" = install ] && for t in chromium pg_dump pg_restore; do '
        f'printf "#!/bin/sh\\n" > {bin_dir}/$t; /bin/chmod 755 {bin_dir}/$t; done\nexit 0',
    )
    result = run_script(bin_dir, str(chromium), ci="true")
    assert result.returncode == 0, result.stderr
    install = calls.read_text().splitlines()[-1].split()
    assert install[0] == "install" and {"chromium", "postgresql-client"} <= set(install)


def test_script_installs_nothing_when_every_tool_is_there(bin_dir, tmp_path):
    calls = tmp_path / "apt-get.calls"
    executable(bin_dir / "apt-get", f'echo "$@" >> {calls}; exit 0')
    for tool in ("chromium", "pgbouncer", "pg_dump", "pg_restore"):
        executable(bin_dir / tool, "exit 0")
    result = run_script(bin_dir, str(bin_dir / "chromium"), ci="true")
    assert result.returncode == 0, result.stderr
    assert not calls.exists()
