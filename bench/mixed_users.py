"""The users bench/load_mixed.py runs with locust: each picks its next request at random, 70 %
reads and 30 % writes, and sends it as soon as the last one is answered. Ids, the token and
the calls' start time come from the JSON file named by OPENDIALER_LOAD_PLAN."""

from __future__ import annotations

import json
import os
import random
from typing import Any

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

PLAN: dict[str, Any] = json.loads(open(os.environ["OPENDIALER_LOAD_PLAN"]).read())  # noqa: SIM115


class Client(FastHttpUser):
    wait_time = constant(0)
    network_timeout = 10.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {PLAN['token']}"}
        self.sent = 0

    def send(self, method: str, path: str, name: str, body: Any = None) -> None:
        with self.client.request(
            method, path, name=name, json=body, headers=self.headers, catch_response=True
        ) as response:
            if response.status_code == 0:  # no answer: the connection timed out or broke
                response.failure("no answer within 10 s")
            elif not 200 <= response.status_code < 300:
                response.failure(f"status {response.status_code}")

    def contact(self) -> int:
        return random.choice(PLAN["contacts"])

    def loan(self) -> str:
        return random.choice(PLAN["loans"])

    @task(30)
    def read_contact(self) -> None:
        self.send("GET", f"/dialler/contacts/{self.contact()}", "GET /dialler/contacts/{id}")

    @task(15)
    def read_loan_calls(self) -> None:
        path = f"/calltracking/calls?loanid={self.loan()}"
        self.send("GET", path, "GET /calltracking/calls?loanid=")

    @task(10)
    def read_call_list(self) -> None:
        self.send("GET", "/dialer/calls?limit=50", "GET /dialer/calls")

    @task(15)
    def read_loan(self) -> None:
        self.send("GET", f"/loans/{self.loan()}", "GET /loans/{loanId}")

    @task(12)
    def post_result(self) -> None:
        body = {"PhoneNumberOffset": 1, "dtCallStart": PLAN["start"], "CauseCodesID": 16}
        path = f"/dialler/contacts/contact/{self.contact()}/results"
        self.send("POST", path, "POST /dialler/contacts/contact/{id}/results", body)

    @task(10)
    def post_call(self) -> None:
        call = {
            "loanId": self.loan(),
            "phoneNumber": "3125550100",
            "callStatus": "Attempted",
            "callTimestamp": PLAN["start"] + "Z",
        }
        self.send("POST", "/calltracking/calls", "POST /calltracking/calls", [call])

    @task(8)
    def import_contact(self) -> None:
        self.sent += 1
        body = {
            "DiallerCampaignsName": PLAN["campaign"],
            "Name": "Load",
            "PhoneNumber1": "3125550100",
            "UserData": f"load-{id(self)}-{self.sent}",
        }
        self.send("POST", "/dialler/contacts/import", "POST /dialler/contacts/import", body)
