"""The load phase of benchmarks/app.py: many patients at once against a real `benhan serve`."""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
GIVEN = ("An", "Bình", "Cúc", "Dung", "Hà", "Lan", "Mai", "Nga", "Oanh", "Yến")


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _patients(n: int, facility: Any, doctor: tuple[Any, Any], technician: Any) -> list[tuple[str, int, str]]:
    """n patients with a record each (two visits, a signed lab report, a prescription) and an app
    session: (session cookie, profile id, report id)."""
    from datetime import date

    from django.contrib.sessions.backends.db import SessionStore

    from benhan.clinical.workflows.orders import enter_lab_results, place_orders, sign_report
    from benhan.clinical.workflows.prescriptions import Line, prescribe
    from benhan.clinical.workflows.registration import PatientInput, register_patient
    from benhan.clinical.workflows.visits import set_diagnoses, start_outpatient_visit
    from benhan.portal.linking import join
    from benhan.portal.models import Account
    from benhan.vn.models import Drug, Icd10

    Icd10.objects.get_or_create(code="J06.9", defaults={"name": "Nhiễm trùng hô hấp trên cấp"})
    Drug.objects.get_or_create(code="PARA500", defaults={"name": "Paracetamol 500mg", "active_ingredient": "Paracetamol",
                                                         "strength": "500mg", "unit": "viên"})
    user, repo = doctor
    out = []
    for i in range(n):
        phone = f"09{i:08d}"
        name = f"{FAMILY[i % len(FAMILY)]} Thị {GIVEN[i // len(FAMILY) % len(GIVEN)]}"  # names hold no digits
        patient = register_patient(repo, PatientInput(name=name, birth_date="01/01/1980", gender="female",
                                                      cccd=f"0791800{i:05d}", phone=phone), confirm_not_duplicate=True)
        pid = str(patient.patient["id"])
        encounter = start_outpatient_visit(repo, pid, "P101").encounter["id"]
        set_diagnoses(repo, encounter, "J06.9", [])
        prescribe(repo, encounter, [Line("PARA500", "1", "3", "5")])
        (order,) = place_orders(repo, encounter, ["XN-SHM"])
        report = enter_lab_results(technician, order["id"], {"GLU": "5"})
        sign_report(repo, user, report["id"])
        start_outpatient_visit(repo, pid, "P101")
        account = Account.objects.create(phone=phone)
        profile = join(account, "self", name, date(1980, 1, 1), [(pid, facility.code)], "activation")
        # A logged-in app session made as portal.session does at login (the OTP flow has its own benchmark).
        store = SessionStore()
        store["account_id"], store["seen"] = account.pk, time.time() + 3600
        store.set_expiry(3600)
        store.save()
        out.append((str(store.session_key), profile.pk, str(report["id"])))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "BENHAN_ALLOWED_HOSTS": "127.0.0.1", "BENHAN_DEBUG": ""}
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "benhan"), "serve", "--port", str(port), "--workers",
                               str(workers), "--no-jobs", "--no-collectstatic"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(300):
        try:
            if httpx.get(base + "/app/sw.js", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError((server.stderr.read() if server.stderr else b"").decode()[-2000:])
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("benhan serve did not answer within a minute")


def _hammer(base: str, sessions: list[tuple[str, int, str]], paths: Any, rounds: int) -> dict[str, list[float]]:
    """One thread per patient, all started together; each fetches its pages `rounds` times."""
    import httpx

    samples: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock, start = threading.Lock(), threading.Barrier(len(sessions))

    def patient(cookie: str, profile: int, report: str) -> None:
        with httpx.Client(base_url=base, cookies={"benhan_app": cookie}, timeout=60) as client:
            start.wait()
            for _ in range(rounds):
                for label, path in paths(profile, report):
                    began = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - began) * 1000
                    with lock:
                        if response.status_code != 200:
                            errors.append(f"{path}: {response.status_code}")
                        samples[label].append(elapsed)

    threads = [threading.Thread(target=patient, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return samples


def load_phase(args: argparse.Namespace, facility: Any, doctor: tuple[Any, Any], technician: Any) -> None:
    started = time.perf_counter()
    sessions = _patients(args.concurrent, facility, doctor, technician)
    print(f"\nloaded {args.concurrent} patients with their own records and sessions in {time.perf_counter() - started:.1f} s")
    from django.db import connections

    connections.close_all()
    server, base = _serve(args.server_workers)
    try:
        def pages(profile: int, report: str) -> list[tuple[str, str]]:
            p = f"/app/ho-so/{profile}/"
            return [("home", "/app/"), ("timeline", p), ("results", f"{p}ket-qua/"), ("one result", f"{p}ket-qua/{report}/"),
                    ("prescriptions", f"{p}don-thuoc/"), ("papers", f"{p}giay-to/"), ("notifications", "/app/thong-bao/"),
                    ("share links", f"{p}lien-ket/")]

        _hammer(base, sessions[:2], pages, 1)  # warm the worker processes
        began = time.perf_counter()
        baseline = _hammer(base, sessions, lambda _p, _r: [("sw.js", "/app/sw.js")] * 8, args.per_patient)
        baseline_rate = len(baseline["sw.js"]) / (time.perf_counter() - began)
        began = time.perf_counter()
        measured = _hammer(base, sessions, pages, args.per_patient)
        rate = sum(len(v) for v in measured.values()) / (time.perf_counter() - began)
        if not args.no_3g:
            from app_3g import slow_3g_phase

            cookie, profile, report = sessions[0]
            slow_3g_phase(base, cookie, pages(profile, report))
    finally:
        server.terminate()
        server.wait(timeout=30)
    b50, b95 = _percentiles(baseline["sw.js"])
    print(f"{args.concurrent} patients at once, benhan serve with {args.server_workers} workers "
          f"({'SQLite' if args.sqlite else 'PostgreSQL'}), {args.per_patient} rounds each")
    print(f"{'page':<14} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}   p95 / baseline p95")
    for label, samples in measured.items():
        p50, p95 = _percentiles(samples)
        print(f"{label:<14} {len(samples):8d} {p50:8.1f} {p95:8.1f}   {p95 / b95:6.1f}×")
    all50, all95 = _percentiles([x for s in measured.values() for x in s])
    print(f"{'all pages':<14} {sum(len(s) for s in measured.values()):8d} {all50:8.1f} {all95:8.1f}   {all95 / b95:6.1f}×"
          f"   {rate:.1f} pages/s")
    print(f"{'baseline sw.js':<14} {len(baseline['sw.js']):8d} {b50:8.1f} {b95:8.1f}   (no database)   {baseline_rate:.1f} req/s")


if __name__ == "__main__":
    sys.exit("run benchmarks/app.py")
