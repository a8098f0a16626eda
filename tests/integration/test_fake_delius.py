"""``manage.py fake_delius --port P --data DIR``: case summaries from files."""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.integration import fake_delius as fake_module
from safeguard.integration.management.commands import fake_delius as command_module
from tests.integration.conftest import _free_port, summary


def test_the_command_serves_summaries_and_404s_the_rest(tmp_path, monkeypatch):
    (tmp_path / "X100001.json").write_text(json.dumps(summary()))
    started = {}

    def make_server(*args, **kwargs):
        started["server"] = fake_module.make_server(*args, **kwargs)
        return started["server"]

    monkeypatch.setattr(command_module, "make_server", make_server)
    port = _free_port()
    thread = threading.Thread(
        target=call_command,
        args=("fake_delius", "--port", str(port), "--data", str(tmp_path), "--token", "t"),
        daemon=True,
    )
    thread.start()
    for _ in range(100):
        if "server" in started:
            break
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        request = urllib.request.Request(  # noqa: S310 - http to the local fake
            f"{base}/case/x100001", headers={"Authorization": "Bearer t"}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            assert json.loads(answer.read())["crn"] == "X100001"
        for url, headers, status in (
            (f"{base}/case/X100002", {"Authorization": "Bearer t"}, 404),
            (f"{base}/case/X100001", {}, 401),
            (f"{base}/nothing", {"Authorization": "Bearer t"}, 404),
        ):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5)  # noqa: S310
            assert refused.value.code == status
    finally:
        started["server"].shutdown()
        thread.join(timeout=5)


def test_the_command_needs_a_directory(tmp_path):
    with pytest.raises(CommandError):
        call_command("fake_delius", "--data", str(tmp_path / "missing"))
