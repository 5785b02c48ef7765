"""The README's commands: what scripts/dev and scripts/setup tell the person who runs them."""

import os
import stat
import subprocess
import sys

import pytest

from app.config import PROJECT_ROOT

# Stands in for the virtual environment: says what the worker and the web server were given.
# The web server waits (up to 5 s) until the worker has spoken: scripts/dev stops the worker as
# soon as the web server returns, which a real server never does at once.
FAKE_FLASK = """#!/bin/sh
case "$*" in
  *worker*) echo "worker PUBLIC_URL=$PUBLIC_URL"; touch "$0.worker-spoke" ;;
  *" run "*)
    i=0
    while [ ! -e "$0.worker-spoke" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    echo "web PUBLIC_URL=$PUBLIC_URL $*" ;;
esac
"""


def _fake_venv(tmp_path):
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in [("python", "#!/bin/sh\nexit 0\n"), ("flask", FAKE_FLASK)]:
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return bin_dir.parent


@pytest.mark.parametrize(
    "settings, public_url",
    [
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"HOST": "192.168.1.5", "PORT": "8000"}, "http://192.168.1.5:8000"),
        ({"PORT": "8123", "PUBLIC_URL": "https://esim.example.com"}, "https://esim.example.com"),
    ],
)
def test_dev_links_emails_to_where_it_listens_unless_told(tmp_path, settings, public_url):
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "HOST", "PORT")}
    env.update(settings, VENV=str(_fake_venv(tmp_path)))
    run = subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "dev")], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert f"worker PUBLIC_URL={public_url}\n" in run.stdout
    assert f"web PUBLIC_URL={public_url} " in run.stdout
    assert f"--port {settings['PORT']}" in run.stdout


def test_setup_reports_the_translations_and_not_the_english_source():
    run = subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "setup"), "requirements-dev.txt"],
        env={**os.environ, "VENV": sys.prefix},  # the environment running these tests
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    lines = [line for line in (run.stdout + run.stderr).splitlines() if "messages.po" in line]
    assert len(lines) == 2 and all("(100%) translated" in line for line in lines), lines
    assert "translations/en/" not in run.stdout + run.stderr
