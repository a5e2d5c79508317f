"""Three real benhan servers on loopback (hub, provincial hospital, regional center), federated.

Each node is its own `benhan serve` process group with its own database (a copy of the migrated
template: SQLite files, or PostgreSQL databases named benhan_fed_* when the run uses PostgreSQL),
its own BENHAN_VAR_DIR (secret key, PKI) and exchange key directory, and a fixed port so a restarted
node keeps its directory URL. Setup goes through the operator's commands: `benhan exchange host`,
`public-key`, `register` at the hub, `sync` at the nodes. Clinical steps run inside a node's own
database with `benhan shell -c`, as a doctor's action would run inside that node.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.core.live import BENHAN, _with_database, free_port, query

HUB, HOSPITAL, CENTER = "01000", "01001", "01002"
NAMES = {HUB: "Sở Y tế (hub)", HOSPITAL: "Bệnh viện Đa khoa tỉnh", CENTER: "Trung tâm Y tế khu vực Sóc Sơn"}
DOCTORS = {HOSPITAL: ("bs.hospital", "002222/HNO-CCHN"), CENTER: ("bs.center", "001111/HNO-CCHN")}


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll until `condition()` is truthy; fail (not hang) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


@dataclass
class Node:
    code: str
    database_url: str
    home: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def key_dir(self) -> Path:
        return self.home / "var" / "exchange"

    @property
    def log(self) -> Path:
        return self.home / "serve.log"

    def env(self) -> dict[str, str]:
        return {**os.environ, "BENHAN_DATABASE_URL": self.database_url, "BENHAN_VAR_DIR": str(self.home / "var"),
                "BENHAN_BASE_URL": self.base, "BENHAN_FACILITY": self.code, "BENHAN_LOG_LEVEL": "WARNING",
                "BENHAN_PKI_PASSPHRASE": f"fed-{self.code}", "BENHAN_EXCHANGE_HUB": HUB}

    def run(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run([BENHAN, *args], env=self.env(), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"[{self.code}] benhan {' '.join(args[:2])} failed ({done.returncode}):\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str, timeout: float = 120) -> Any:
        """Run Python inside this node (its settings, its database); the script prints one JSON line last."""
        out = self.run("shell", "-c", code, timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return query(self.database_url, sql, params)

    def count(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return int(self.query(sql, params)[0][0])

    def start(self, timeout: float = 60) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [BENHAN, "serve", "--port", str(self.port), "--workers", "1", "--no-collectstatic"],
                env=self.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"[{self.code}] benhan serve exited:\n{self.log.read_text()[-3000:]}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/exchange/directory", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"[{self.code}] benhan serve did not answer in {timeout} s")

    def kill(self) -> None:
        """SIGKILL the whole server (supervisor, HTTP worker, job worker thread): a power cut."""
        if self.process is not None and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def token(self, scope: str = "system/*.read") -> str:
        """An OAuth2 client-credentials token for this node's own facility, from its /oauth2/token."""
        out = self.run("client", "create", "--name", f"fed-{uuid.uuid4().hex[:6]}", "--scope", scope,
                       "--facility", self.code)
        client_id, secret = re.search(r"client_id: (\S+)", out), re.search(r"client_secret: (\S+)", out)
        assert client_id and secret, out
        answer = httpx.post(f"{self.base}/oauth2/token", data={"grant_type": "client_credentials", "scope": scope},
                            auth=(client_id.group(1), secret.group(1)), timeout=30)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


@contextmanager
def databases(template: str, home: Path, names: list[str]) -> Iterator[dict[str, str]]:
    """One migrated database per node, copied from the template, dropped after."""
    if template.startswith("postgres"):
        admin = _with_database(template, "postgres")
        source = template.rsplit("/", 1)[1]
        made = {n: f"benhan_fed_{n}_{uuid.uuid4().hex[:8]}" for n in names}
        with psycopg.connect(admin, autocommit=True) as conn:
            for db in made.values():
                conn.execute(f'CREATE DATABASE "{db}" TEMPLATE "{source}"')
        try:
            yield {n: _with_database(template, db) for n, db in made.items()}
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                for db in made.values():
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    else:
        urls = {}
        for n in names:
            target = home / f"{n}.sqlite3"
            with sqlite3.connect(template[len("sqlite:///"):]) as src, sqlite3.connect(target) as copy:
                src.backup(copy)
            urls[n] = f"sqlite:///{target}"
        yield urls


SETUP = """
import json
from benhan.accounts.models import Facility, User
from benhan.vn.models import Icd10
facility, _ = Facility.objects.get_or_create(code={code!r}, defaults={{"name": {name!r}}})
for c, n in (("I21.9", "Nhồi máu cơ tim cấp, không đặc hiệu"), ("I10", "Tăng huyết áp vô căn")):
    Icd10.objects.get_or_create(code=c, defaults={{"name": n}})
if {doctor!r}:
    from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate
    init_facility_ca(facility)
    user = User.objects.create(username={doctor!r}, facility=facility, role=User.Role.DOCTOR, first_name="Minh",
                               last_name="Phạm Văn", licence_number={licence!r})
    issue_user_certificate(user)
if {beds}:
    from benhan.facilities.structure import ensure_beds, ensure_department, ensure_room
    ensure_beds(ensure_room(ensure_department(facility, "TM", "Khoa Tim mạch", inpatient=True), "P301", "Buồng 301",
                            kind="ward"), 4)
print(json.dumps({{"facility": facility.code}}))
"""

PROLOGUE = """
import json
from benhan.accounts.actors import actor_for_user
from benhan.accounts.models import User
from benhan.fhir.repository import Repository
doctor = User.objects.get(username={doctor!r})
repo = Repository(actor_for_user(doctor), {code!r})
"""

REFER = PROLOGUE + """
from benhan.clinical.workflows.registration import PatientInput, register_patient
from benhan.clinical.workflows.visits import set_diagnoses, start_outpatient_visit
from benhan.exchange import referral
patient = register_patient(repo, PatientInput(name={patient!r}, birth_date="02/05/1968", gender="male", cccd={cccd!r}),
                           confirm_not_duplicate=True).patient
visit = start_outpatient_visit(repo, patient["id"], "PK1")
set_diagnoses(repo, visit.encounter["id"], "I21.9", ["I10"])
sent = referral.refer(repo, doctor, visit.encounter["id"], referral.ReferralInput(
    destination={destination!r}, reason="Cần can thiệp mạch vành", reason_code="1",
    clinical_signs="Đau ngực trái, vã mồ hôi", course="Đau ngực 2 giờ trước khi vào",
    results_summary="ĐTĐ: ST chênh lên V1–V4", treatment="Aspirin 300 mg, thở oxy",
    condition="Tỉnh, HA 100/60 mmHg", transport="Xe cứu thương", escort="Điều dưỡng Lê Thị Thu"))
print(json.dumps({{"task": sent.task["id"], "patient": patient["id"]}}))
"""

TREAT = PROLOGUE + """
from benhan.clinical.workflows.inpatient import admit, discharge
from benhan.exchange import referral
task = repo.read("Task", {task!r}).json()
referral.accept(repo, task["id"])
patient_id = task["for"]["reference"].split("/", 1)[1]
stay = admit(repo, patient_id, "TM", "", "I21.9", "Chuyển từ TTYT Sóc Sơn")
referral.arrived(repo, task["id"], stay["id"])
done = discharge(repo, doctor, stay["id"], "I21.9", ["I10"], "Đặt stent động mạch vành", "Ổn định",
                 "Tái khám sau 1 tháng")
referral.send_back(repo, task["id"], summary_id=done.summary["id"],
                   follow_up="Theo dõi huyết áp, dùng thuốc chống kết tập tiểu cầu", reexam_date="2026-12-25")
print(json.dumps({{"stay": stay["id"], "patient": patient_id}}))
"""

REGISTER = PROLOGUE + """
from benhan.clinical.workflows.registration import PatientInput, register_patient
patient = register_patient(repo, PatientInput(name={patient!r}, birth_date="14/09/1959", gender="female", cccd={cccd!r}),
                           confirm_not_duplicate=True).patient
if {condition!r}:
    with repo.atomic():
        repo.create({{"resourceType": "Condition", "subject": {{"reference": "Patient/" + patient["id"]}},
                     "code": {{"text": {condition!r}}}}})
print(json.dumps({{"patient": patient["id"]}}))
"""

OPEN_SHARED = PROLOGUE + """
from benhan.exchange import consent, record_view
if {consent!r}:
    consent.record(repo, {patient!r}, permit={consent!r} == "give")
asking = Repository(actor_for_user(doctor), {code!r}, purpose={purpose!r}, reason={reason!r})
try:
    view = record_view.open_other_records(asking, {patient!r})
except record_view.RecordViewError as exc:
    print(json.dumps({{"error": str(exc)}}))
else:
    print(json.dumps([{{"facility": s.facility, "status": s.status, "detail": s.detail,
                       "resources": s.resources}} for s in view.sources]))
"""

WHO_OPENED = """
import json
from benhan.portal.records import who_opened
print(json.dumps([{{"who": a.who, "facility": a.facility, "reason": a.emergency_reason}}
                  for a in who_opened(frozenset({{{patient!r}}}))]))
"""

PINGS = """
import json
from django.db import transaction
from benhan.exchange.outbox import enqueue
ids = []
with transaction.atomic():
    for n in range({n}):
        ids.append(str(enqueue({sender!r}, {destination!r}, "ping", {{"n": n, "batch": {batch!r}}}).id))
print(json.dumps(ids))
"""


@dataclass
class Federation:
    hub: Node
    hospital: Node
    center: Node

    @property
    def nodes(self) -> list[Node]:
        return [self.hub, self.hospital, self.center]

    def pings(self, sender: Node, destination: Node, n: int) -> list[str]:
        """`n` ping messages written to `sender`'s outbox in one transaction; their ids."""
        ids: list[str] = sender.shell(PINGS.format(n=n, sender=sender.code, destination=destination.code,
                                                   batch=uuid.uuid4().hex))
        return ids


def _uuid_in(column: str, ids: list[str]) -> tuple[str, tuple[str, ...]]:
    marks = ", ".join(["%s"] * len(ids))
    return f"REPLACE(CAST({column} AS TEXT), '-', '') IN ({marks})", tuple(i.replace("-", "") for i in ids)


def inbox_count(node: Node, ids: list[str]) -> int:
    """InboxMessage rows at `node` for these message ids (each may appear once: unique)."""
    where, params = _uuid_in("message_id", ids)
    return node.count(f"SELECT COUNT(*) FROM exchange_inboxmessage WHERE {where}", params)


def outbox_statuses(node: Node, ids: list[str]) -> dict[str, int]:
    where, params = _uuid_in("id", ids)
    return {str(s): int(n) for s, n in node.query(
        f"SELECT status, COUNT(*) FROM exchange_outboxmessage WHERE {where} GROUP BY status", params)}


def min_attempts(node: Node, ids: list[str]) -> int:
    where, params = _uuid_in("id", ids)
    return int(node.query(f"SELECT MIN(attempts) FROM exchange_outboxmessage WHERE {where}", params)[0][0])


def _set_up(fed: Federation, node: Node, home: Path) -> None:
    """The facility, its doctor and CA, its exchange key and directory entry; then serve."""
    node.home.mkdir(parents=True, exist_ok=True)
    doctor, licence = DOCTORS.get(node.code, ("", ""))
    node.shell(SETUP.format(code=node.code, name=NAMES[node.code], doctor=doctor, licence=licence,
                            beds=node is fed.hospital), timeout=180)
    node.run("exchange", "host", node.code, "--name", NAMES[node.code])
    (home / f"{node.code}.jwk").write_text(node.run("exchange", "public-key", node.code))
    node.start()


@contextmanager
def federation(template: str, home: Path) -> Iterator[Federation]:
    """Hub, hospital and center serving on loopback, each hosting its facility, all in one directory."""
    with databases(template, home, ["hub", "hospital", "center"]) as urls:
        fed = Federation(Node(HUB, urls["hub"], home / "hub"), Node(HOSPITAL, urls["hospital"], home / "hospital"),
                         Node(CENTER, urls["center"], home / "center"))
        try:
            # The three nodes set up side by side (each step is a process start on a busy 2-core machine).
            with ThreadPoolExecutor(3) as pool:
                list(pool.map(lambda node: _set_up(fed, node, home), fed.nodes))
            for node in (fed.hospital, fed.center):  # every node registered before any node syncs
                fed.hub.run("exchange", "register", node.code, node.base, str(home / f"{node.code}.jwk"),
                            "--name", NAMES[node.code])
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda node: node.run("exchange", "sync", fed.hub.base), (fed.hospital, fed.center)))
            yield fed
        finally:
            for node in fed.nodes:
                node.stop()
