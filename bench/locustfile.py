"""Locust load test: many practitioners signed in at once, mixing the pages they use most.

Run through ``python -m bench.load`` (what ``make bench-load`` runs), which picks the
practitioners, gives each an API token, starts gunicorn in production mode and writes the plan
this file reads (``LOAD_PLAN``, a JSON file). By hand::

    LOAD_PLAN=bench/results/load_plan.json locust -f bench/locustfile.py --headless \\
        -u 16 -r 4 -t 60s --host http://127.0.0.1:8001 --csv bench/results/load

``LOAD_TASKS`` chooses what each simulated practitioner does: ``mix`` (the default: caseload,
person pages, My work, search and the API in the weights below) or a single one of the task
names (``caseload``, ``person_page``, ``person_long_case``, ``my_work``, ``search``,
``api_work_items``, ``api_risk_summary``) to measure one page's throughput on its own.

Production sets cookies ``Secure`` and redirects plain HTTP to HTTPS, as it should behind the
TLS-terminating load balancer the README describes. Locust talks plain HTTP to gunicorn, so each
request carries ``X-Forwarded-Proto: https`` (what the load balancer adds) and the session and
CSRF cookies are sent by hand (a cookie jar keeps ``Secure`` cookies off plain HTTP).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from collections import defaultdict
from pathlib import Path

from django_otp.oath import TOTP
from locust import FastHttpUser, between, task

ONLY = os.environ.get("LOAD_TASKS", "mix").strip() or "mix"
PLAN = json.loads(Path(os.environ.get("LOAD_PLAN", "bench/results/load_plan.json")).read_text())
# Each new simulated user signs in as the next account, round robin (for the long case alone,
# only the accounts whose team holds it).
_accounts = itertools.cycle(
    [a for a in PLAN["accounts"] if a["sees_long_case"] or ONLY != "person_long_case"]
)
_accounts_lock = threading.Lock()
# A code is accepted once per account, and codes from one 30-second step either side of now
# are accepted: users sharing an account take the steps in turn (-1, 0, +1).
_codes_used: dict[str, int] = {}
_code_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# How often each page comes up in the mix (relative weights).
WEIGHTS = {
    "caseload": 4,
    "person_page": 4,
    "person_long_case": 2,
    "my_work": 3,
    "search": 1,
    "api_work_items": 1,
    "api_risk_summary": 1,
}


def _cookie(response, name: str) -> str | None:
    for header, value in response.headers.items() if hasattr(response.headers, "items") else []:
        if header.lower() == "set-cookie" and value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raw = response.headers.get("set-cookie") or ""
    match = re.search(rf"(?:^|[\s,]){name}=([^;]+)", raw)
    return match.group(1) if match else None


class Practitioner(FastHttpUser):
    wait_time = between(0, 0)  # closed loop: the next request as soon as the last answers
    # One connection per simulated user, as a browser keeps one alive.
    concurrency = 1

    def on_start(self):
        with _accounts_lock:
            self.account = next(_accounts)
        self.origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
        self.base = {"X-Forwarded-Proto": "https"}
        page = self.client.get("/sign-in/", headers=self.base, name="GET /sign-in/")
        csrf_cookie = _cookie(page, "csrftoken")
        match = CSRF_INPUT.search(page.text or "")
        if not (csrf_cookie and match):
            raise RuntimeError("sign-in page gave no CSRF token")
        response = self._submit(
            "/sign-in/",
            {"username": self.account["username"], "password": PLAN["password"]},
            match.group(1),
            {**self.base, "Cookie": f"csrftoken={csrf_cookie}"},
            f"sign-in as {self.account['username']}",
        )
        session = _cookie(response, "sessionid")
        if not session:
            raise RuntimeError("sign-in gave no session")
        self.csrf = _cookie(response, "csrftoken") or csrf_cookie
        session = self._second_factor(session)
        self.page_headers = {**self.base, "Cookie": f"sessionid={session}; csrftoken={self.csrf}"}
        self.api_headers = {**self.base, "Authorization": f"Bearer {self.account['token']}"}

    def _submit(self, path, data, csrf_token, headers, what):
        """POST a sign-in form as the browser would; anything but a redirect stops the user."""
        response = self.client.post(
            path,
            data={**data, "csrfmiddlewaretoken": csrf_token},
            headers={**headers, "Origin": self.origin, "Referer": self.origin + path},
            name=f"POST {path}",
            allow_redirects=False,
            catch_response=True,
        )
        with response:
            if response.status_code != 302:
                response.failure(f"{what}: {response.status_code}")
                raise RuntimeError(f"{what} refused")
        return response

    def _second_factor(self, session: str) -> str:
        """Enter the authenticator app's code, as production asks of a local account."""
        username = self.account["username"]
        cookies = {**self.base, "Cookie": f"sessionid={session}; csrftoken={self.csrf}"}
        page = self.client.get(
            "/sign-in/two-factor/", headers=cookies, name="GET /sign-in/two-factor/"
        )
        match = CSRF_INPUT.search(page.text or "")
        if not match:
            raise RuntimeError("the two-factor page gave no CSRF token")
        # One account's codes must reach the server in the order of their steps: a code older
        # than one already accepted is refused. The server accepts one step either side of its
        # own, so only the current step and the next are sure to pass: a code for the step
        # before fails whenever the sign-in crosses a step boundary on a loaded machine.
        with _code_locks[username]:
            turn = _codes_used.get(username, 0)
            _codes_used[username] = turn + 1
            if turn > 1:
                raise RuntimeError(f"more than two simulated users share {username}")
            totp = TOTP(bytes.fromhex(self.account["totp_key"]))
            totp.time = time.time() + turn * 30
            response = self._submit(
                "/sign-in/two-factor/",
                {"code": f"{totp.token():06d}"},
                match.group(1),
                cookies,
                f"second factor for {username}",
            )
        return _cookie(response, "sessionid") or session

    # ---- what a practitioner does ----

    def _get(self, path, name, headers=None):
        # Redirects are not followed: a page that sends the user elsewhere (to sign in, to a
        # second factor) is a failure, not a measure of the page asked for.
        with self.client.get(
            path,
            headers=headers or self.page_headers,
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def caseload(self):
        self._get("/caseload/", "GET /caseload/")

    def person_page(self):
        self._get(f"/people/{random.choice(self.account['crns'])}/", "GET /people/<crn>/")

    def person_long_case(self):
        crn = PLAN["long_case"]["crn"] if self.account["sees_long_case"] else None
        if crn is None:
            return self.person_page()
        self._get(f"/people/{crn}/", "GET /people/<long case>/")

    def my_work(self):
        self._get("/my-work/", "GET /my-work/")

    def search(self):
        with self.client.post(
            "/search/",
            data={"q": random.choice(self.account["surnames"]), "csrfmiddlewaretoken": self.csrf},
            headers={**self.page_headers, "Origin": self.origin, "Referer": self.origin + "/"},
            name="POST /search/",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def api_work_items(self):
        self._get("/api/v1/work-items?limit=50", "GET /api/v1/work-items", self.api_headers)

    def api_risk_summary(self):
        crn = random.choice(self.account["crns"])
        self._get(
            f"/api/v1/people/{crn}/risk-summary",
            "GET /api/v1/people/<crn>/risk-summary",
            self.api_headers,
        )

    @task
    def one_request(self):
        if ONLY == "mix":
            name = random.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        else:
            name = ONLY
        getattr(self, name)()
