"""The open patient API: what a patient-app token costs per FHIR request, alone and with many patients at once.

    .venv/bin/python benchmarks/smart_api.py [--patients 50] [--observations 20] [--rounds 10] [--sqlite]

Builds a fresh database (PostgreSQL benhan_bench_smart_*, dropped at the end; or SQLite under var/):
`--patients` patients with `--observations` Observations each, each patient with an app account whose
SMART consent was given through the real functions (authorize request → consent → code → token).
Then each patient's app reads its Patient and searches its Observations, `--rounds` times, through
Django's test client (no network): first one patient at a time, then all patients at once (one thread
each). Baseline in the same run: the same requests with a system client's token (client credentials,
no compartment), so the ratio shows what the patient token's resolution and the compartment cost.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchdb import run_in_database  # noqa: E402


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--observations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    run_in_database("smart", args.sqlite, lambda: run(args))


def _patient_token(patient_id: str, n: int, client_id: str) -> str:
    from django.conf import settings

    from benhan.portal.access import open_profile
    from benhan.portal.linking import join
    from benhan.portal.models import Account
    from benhan.smart import server

    account = Account.objects.create(phone=f"09{n:08d}")
    profile = join(account, "self", f"Bệnh nhân {n}", date(1970, 1, 1), [(patient_id, "79001")], "activation")
    opened = open_profile(account, profile.pk)
    assert opened is not None
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    request = server.parse_authorize({
        "response_type": "code", "client_id": client_id, "redirect_uri": "https://bench.example/cb",
        "scope": "launch/patient patient/*.rs", "code_challenge": challenge, "code_challenge_method": "S256",
    }, settings.FHIR_BASE_URL)
    redirect = server.approve(account, opened, request, 30)
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    application = server.authenticate_client(client_id, "")
    return str(server.exchange_code(application, code, request.redirect_uri, verifier, settings.FHIR_BASE_URL)
               ["access_token"])


def run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from benhan.accounts.clients import create_client, create_patient_app
    from benhan.accounts.models import Facility
    from benhan.fhir.access import Actor
    from benhan.fhir.repository import Repository

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    Facility.objects.create(code="79001", name="Trung tâm Y tế khu vực Thủ Đức")
    repo = Repository(Actor.system("bench"), "79001")
    started = time.perf_counter()
    patients = []
    for n in range(args.patients):
        pid = repo.create({"resourceType": "Patient", "name": [{"text": f"Bệnh nhân {n}"}]}).id
        for k in range(args.observations):
            repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "Glucose"},
                         "subject": {"reference": f"Patient/{pid}"}, "valueQuantity": {"value": 4 + k % 5}})
        patients.append(pid)
    app = create_patient_app("bench", "patient/*.rs launch/patient", ["https://bench.example/cb"], confidential=False)
    tokens = [_patient_token(pid, n, app.client_id) for n, pid in enumerate(patients)]
    system = create_client("bench-system", "system/*.read", None)
    system_token = Client().post("/oauth2/token", {"grant_type": "client_credentials", "client_id": system.client_id,
                                                   "client_secret": system.client_secret}).json()["access_token"]
    print(f"loaded {args.patients} patients × {args.observations} observations, consents and tokens in "
          f"{time.perf_counter() - started:.1f} s ({'SQLite' if args.sqlite else 'PostgreSQL'})")

    def reads(token: str, pid: str) -> list[tuple[str, float]]:
        client = Client(headers={"Authorization": f"Bearer {token}"})
        out = []
        for _ in range(args.rounds):
            for label, url in (("read Patient", f"/fhir/Patient/{pid}"),
                               ("search Observation", f"/fhir/Observation?patient={pid}&_count=50")):
                t = time.perf_counter()
                response = client.get(url)
                out.append((label, (time.perf_counter() - t) * 1000))
                assert response.status_code == 200, (url, response.status_code, response.content[:200])
        connection.close()  # each thread's own connection
        return out

    def measure(parallel: bool, token_of: Callable[[int], str]) -> dict[str, tuple[float, float]]:
        jobs = [(token_of(n), pid) for n, pid in enumerate(patients)]
        if parallel:
            with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
                results = [r for batch in pool.map(lambda j: reads(*j), jobs) for r in batch]
        else:
            results = [r for j in jobs for r in reads(*j)]
        labels = sorted({label for label, _ms in results})
        return {label: percentiles([ms for lb, ms in results if lb == label]) for label in labels}

    print(f"{'':<36} {'patient token p50/p95 ms':>26} {'system token (baseline)':>26}")
    for parallel in (False, True):
        mode = f"{args.patients} patients at once" if parallel else "one patient at a time"
        patient = measure(parallel, lambda n: tokens[n])
        baseline = measure(parallel, lambda n: system_token)
        for label in patient:
            p, b = patient[label], baseline[label]
            print(f"{mode + ', ' + label:<36} {p[0]:12.1f} / {p[1]:8.1f}   {b[0]:12.1f} / {b[1]:8.1f}")


if __name__ == "__main__":
    main()
