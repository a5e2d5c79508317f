"""The dashboard's figures: plain functions over the database, one facility (tenant) at a time.

Each function takes the facility's code (the tenant key of its records) and the months to report and
returns a `Figure`: one row per month, the columns the table and the exports show, and the series
the bar chart draws. They read index tables only (the FHIR search index, the chart index, the
signed-document, exchange and claim bookkeeping), never a resource's content: the dashboard shows
counts and durations, not patients. See docs/decisions/0013-dashboards.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from benhan.clinical.models import ChartEntry
from benhan.documents.models import SignedDocument
from benhan.exchange.models import InboxMessage, OutboxMessage
from benhan.fhir.search.models import DateIndex, ReferenceIndex, TokenIndex
from benhan.insurance.models import Claim

Value = int | float | Decimal | str | None

# Column kinds: how a value is shown (the exports keep the raw number).
MONTH, COUNT, HOURS, MINUTES, PERCENT, VND = "month", "count", "hours", "minutes", "percent", "vnd"


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"

    def start(self) -> datetime:
        return timezone.make_aware(datetime(self.year, self.month, 1))

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)


@dataclass
class Column:
    key: str
    label: str | Promise
    kind: str


@dataclass
class Figure:
    key: str
    title: str | Promise
    description: str | Promise
    columns: list[Column]
    rows: list[dict[str, Value]]
    chart_column: str  # the column the bar chart draws
    available: bool = True
    notes: list[str | Promise] = field(default_factory=list)

    def chart_series(self) -> list[tuple[str, float | None]]:
        out: list[tuple[str, float | None]] = []
        for row in self.rows:
            value = row.get(self.chart_column)
            out.append((str(row["month"]), None if value is None else float(value)))
        return out


def last_months(count: int = 12, today: date | None = None) -> list[Month]:
    """The `count` calendar months ending with the current one (server time zone), oldest first."""
    today = today or timezone.localdate()
    months = [Month(today.year, today.month)]
    while len(months) < count:
        first = months[0]
        months.insert(0, Month(first.year - (first.month == 1), 12 if first.month == 1 else first.month - 1))
    return months


def month_of(moment: datetime) -> Month:
    local = timezone.localtime(moment)
    return Month(local.year, local.month)


def _bounds(months: list[Month]) -> tuple[datetime, datetime]:
    return months[0].start(), months[-1].next().start()


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.get_current_timezone())


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0–100) by linear interpolation between closest ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# (1) Result turnaround -------------------------------------------------------------------------


def result_turnaround(facility: str, months: list[Month]) -> Figure:
    """Lab orders (ServiceRequest.authoredOn) to their report made final (DiagnosticReport.issued at
    signing), in hours, by the month the report became final: median and 90th percentile."""
    start, end = _bounds(months)
    reports = DiagnosticReportIds(facility)
    issued = dict(DateIndex.objects.filter(
        tenant=facility, resource_type="DiagnosticReport", param="issued",
        low__gte=_epoch_ms(start), low__lt=_epoch_ms(end), resource_id__in=reports.final_lab(),
    ).values_list("resource_id", "low"))
    based_on = list(ReferenceIndex.objects.filter(
        tenant=facility, resource_type="DiagnosticReport", param="based-on", target_type="ServiceRequest",
        resource_id__in=list(issued),
    ).values_list("resource_id", "target_id"))
    authored = dict(DateIndex.objects.filter(
        tenant=facility, resource_type="ServiceRequest", param="authored",
        resource_id__in=[target for _r, target in based_on],
    ).values_list("resource_id", "low"))
    hours: dict[Month, list[float]] = defaultdict(list)
    for report_id, request_id in based_on:
        if request_id in authored:
            final_ms = issued[report_id]
            hours[month_of(_from_ms(final_ms))].append((final_ms - authored[request_id]) / 3_600_000)
    rows: list[dict[str, Value]] = [
        {"month": m.label, "reports": len(hours[m]), "median_hours": _round(percentile(hours[m], 50)),
         "p90_hours": _round(percentile(hours[m], 90))}
        for m in months
    ]
    return Figure(
        "turnaround", _("Thời gian trả kết quả xét nghiệm"),
        _("Từ lúc bác sĩ chỉ định đến lúc phiếu kết quả được duyệt và ký số, theo tháng phiếu được ký."),
        [Column("month", _("Tháng"), MONTH), Column("reports", _("Số phiếu kết quả đã ký"), COUNT),
         Column("median_hours", _("Trung vị (giờ)"), HOURS), Column("p90_hours", _("Bách phân vị 90 (giờ)"), HOURS)],
        rows, "median_hours",
    )


class DiagnosticReportIds:
    """Subqueries of a facility's report ids by index token (no list of ids is ever built)."""

    def __init__(self, facility: str) -> None:
        self.facility = facility

    def _token(self, param: str, code: str) -> Any:
        return TokenIndex.objects.filter(tenant=self.facility, resource_type="DiagnosticReport", param=param,
                                         code=code).values("resource_id")

    def final_lab(self) -> Any:
        return self._token("status", "final").filter(resource_id__in=self._token("category", "LAB"))


# (2) Signed visit records / discharge papers -----------------------------------------------------

SIGNED_ENCOUNTER_KINDS = ("visit_record", "discharge")


def signed_encounter_share(facility: str, months: list[Month]) -> Figure:
    """Finished encounters (by start month) and how many carry a current signed visit record or
    discharge paper."""
    start, end = _bounds(months)
    encounters = dict(ChartEntry.objects.filter(
        tenant=facility, resource_type="Encounter", status="finished", sort_date__gte=start, sort_date__lt=end,
    ).values_list("resource_id", "sort_date"))
    signed = set(ChartEntry.objects.filter(
        tenant=facility, resource_type="DocumentReference", status="current", category__in=SIGNED_ENCOUNTER_KINDS,
        encounter_id__in=list(encounters),
    ).values_list("encounter_id", flat=True))
    finished: dict[Month, int] = defaultdict(int)
    with_paper: dict[Month, int] = defaultdict(int)
    for encounter_id, moment in encounters.items():
        if moment is None:
            continue
        month = month_of(moment)
        finished[month] += 1
        with_paper[month] += encounter_id in signed
    rows: list[dict[str, Value]] = [
        {"month": m.label, "finished": finished[m], "signed": with_paper[m],
         "share": _round(100 * with_paper[m] / finished[m]) if finished[m] else None}
        for m in months
    ]
    return Figure(
        "completeness", _("Hồ sơ đã ký số khi kết thúc lượt khám / điều trị"),
        _("Tỷ lệ lượt khám, đợt điều trị đã kết thúc có phiếu khám bệnh hoặc giấy ra viện đã ký số, theo tháng bắt đầu."),
        [Column("month", _("Tháng"), MONTH), Column("finished", _("Lượt đã kết thúc"), COUNT),
         Column("signed", _("Có giấy tờ đã ký số"), COUNT), Column("share", _("Tỷ lệ (%)"), PERCENT)],
        rows, "share",
    )


# (3) Signed documents, pages not printed -------------------------------------------------------

DOCUMENT_KINDS: list[tuple[str, str | Promise]] = [
    ("visit_record", _("Phiếu khám bệnh")),
    ("prescription", _("Đơn thuốc")),
    ("lab_report", _("Phiếu kết quả xét nghiệm")),
    ("imaging_report", _("Phiếu kết quả chẩn đoán hình ảnh")),
    ("discharge", _("Giấy ra viện")),
    ("referral", _("Giấy chuyển tuyến")),
]


def signed_documents(facility: str, months: list[Month]) -> Figure:
    """Documents signed and delivered electronically per month, by kind; each is a page not printed
    (an estimate: one page per document)."""
    start, end = _bounds(months)
    counts: dict[Month, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, signed_at in SignedDocument.objects.filter(
        facility_code=facility, signed_at__gte=start, signed_at__lt=end,
    ).values_list("kind", "signed_at"):
        counts[month_of(signed_at)][kind] += 1
    known = [k for k, _label in DOCUMENT_KINDS]
    rows: list[dict[str, Value]] = []
    for m in months:
        total = sum(counts[m].values())
        row: dict[str, Value] = {"month": m.label, "documents": total}
        row.update({kind: counts[m][kind] for kind in known})
        row["other"] = total - sum(counts[m][k] for k in known)
        row["pages_saved"] = total
        rows.append(row)
    return Figure(
        "documents", _("Giấy tờ ký số, trả bản điện tử"),
        _("Số giấy tờ được ký số trong tháng; mỗi giấy tờ ước tính là một trang giấy không phải in."),
        [Column("month", _("Tháng"), MONTH), Column("documents", _("Tổng số giấy tờ"), COUNT),
         *(Column(k, label, COUNT) for k, label in DOCUMENT_KINDS), Column("other", _("Loại khác"), COUNT),
         Column("pages_saved", _("Trang giấy không in (ước tính)"), COUNT)],
        rows, "documents",
    )


# (4) Referrals ---------------------------------------------------------------------------------

REFERRAL_KIND = "referral.request"


def _latencies(messages: Iterable[tuple[datetime, datetime | None]]) -> list[float]:
    return [(delivered - created).total_seconds() / 60 for created, delivered in messages if delivered is not None]


def referrals(facility: str, months: list[Month]) -> Figure:
    """Referrals sent (this facility's outbox, by month created) with delivery latency (created →
    delivered_at, p50 and p95 in minutes), and referrals received (this facility's inbox, by month
    received)."""
    start, end = _bounds(months)
    sent: dict[Month, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for created, delivered in OutboxMessage.objects.filter(
        sender=facility, kind=REFERRAL_KIND, created__gte=start, created__lt=end,
    ).values_list("created", "delivered_at"):
        sent[month_of(created)].append((created, delivered))
    received: dict[Month, int] = defaultdict(int)
    for received_at in InboxMessage.objects.filter(
        destination=facility, kind=REFERRAL_KIND, received_at__gte=start, received_at__lt=end,
    ).values_list("received_at", flat=True):
        received[month_of(received_at)] += 1
    rows: list[dict[str, Value]] = []
    for m in months:
        latencies = _latencies(sent[m])
        rows.append({"month": m.label, "sent": len(sent[m]), "delivered": len(latencies),
                     "p50_minutes": _round(percentile(latencies, 50), 2),
                     "p95_minutes": _round(percentile(latencies, 95), 2), "received": received[m]})
    return Figure(
        "referrals", _("Chuyển tuyến liên thông"),
        _("Giấy chuyển tuyến gửi đi và nhận về qua hệ thống liên thông; độ trễ chuyển phát tính từ lúc gửi đến lúc nơi nhận xác nhận."),
        [Column("month", _("Tháng"), MONTH), Column("sent", _("Gửi đi"), COUNT),
         Column("delivered", _("Đã chuyển đến nơi"), COUNT), Column("p50_minutes", _("Độ trễ trung vị (phút)"), MINUTES),
         Column("p95_minutes", _("Độ trễ bách phân vị 95 (phút)"), MINUTES), Column("received", _("Nhận về"), COUNT)],
        rows, "sent",
    )


# (5) Insurance claims --------------------------------------------------------------------------


def claims(facility: str, months: list[Month]) -> Figure:
    """Insurance claims by month of discharge (period_end): count per status, total cost and the part
    the insurance pays, in VND."""
    start, end = _bounds(months)
    statuses = list(Claim.Status)
    counts: dict[Month, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[Month, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    grouped = (Claim.objects.filter(facility=facility, period_end__gte=start, period_end__lt=end)
               .values_list("status", "period_end", "total_cost", "insurance_pays"))
    for status, period_end, cost, pays in grouped:
        month = month_of(period_end)
        counts[month][status] += 1
        totals[month][0] += cost or 0
        totals[month][1] += pays or 0
    rows: list[dict[str, Value]] = []
    for m in months:
        row: dict[str, Value] = {"month": m.label, "claims": sum(counts[m].values())}
        row.update({s.value: counts[m][s.value] for s in statuses})
        row["total_cost"], row["insurance_pays"] = totals[m]
        rows.append(row)
    return Figure(
        "claims", _("Hồ sơ thanh toán BHYT"),
        _("Hồ sơ theo tháng ra viện / kết thúc khám, theo trạng thái; tổng chi phí và phần BHYT chi trả (đồng)."),
        [Column("month", _("Tháng"), MONTH), Column("claims", _("Tổng số hồ sơ"), COUNT),
         *(Column(s.value, s.label, COUNT) for s in statuses),
         Column("total_cost", _("Tổng chi phí"), VND), Column("insurance_pays", _("BHYT chi trả"), VND)],
        rows, "claims",
    )


# (6) Online booking ---------------------------------------------------------------------------


def online_booking(facility: str, months: list[Month]) -> Figure:
    """Online bookings that arrived over every outpatient check-in, per month: benhan.booking's own
    definition (`online_booking_share`), so the dashboard and the booking page agree."""
    from benhan.booking.services import online_booking_share

    rows: list[dict[str, Value]] = []
    for m in months:
        share = online_booking_share(facility, m.year, m.month)
        rows.append({"month": m.label, "online": share.online, "visits": share.visits,
                     "share": None if share.share is None else _round(100 * share.share)})
    return Figure(
        "booking", _("Tỷ lệ đặt lịch khám trực tuyến"),
        _("Lượt khám đặt lịch trực tuyến đã đến khám trên tổng số lượt tiếp đón ngoại trú trong tháng."),
        [Column("month", _("Tháng"), MONTH), Column("online", _("Đặt lịch trực tuyến đã đến khám"), COUNT),
         Column("visits", _("Tổng lượt tiếp đón ngoại trú"), COUNT), Column("share", _("Tỷ lệ (%)"), PERCENT)],
        rows, "share",
    )


# (7) Patients' questions and feedback, with response times -------------------------------------


def _response_figure(key: str, title: str | Promise, description: str | Promise,
                     moments: Iterable[tuple[datetime, datetime | None]], months: list[Month]) -> Figure:
    hours: dict[Month, list[float]] = defaultdict(list)
    received: dict[Month, int] = defaultdict(int)
    for sent, answered in moments:
        month = month_of(sent)
        received[month] += 1
        if answered is not None:
            hours[month].append((answered - sent).total_seconds() / 3600)
    rows: list[dict[str, Value]] = [
        {"month": m.label, "received": received[m], "answered": len(hours[m]),
         "median_hours": _round(percentile(hours[m], 50)), "p90_hours": _round(percentile(hours[m], 90))}
        for m in months
    ]
    return Figure(
        key, title, description,
        [Column("month", _("Tháng"), MONTH), Column("received", _("Nhận được"), COUNT),
         Column("answered", _("Đã trả lời"), COUNT), Column("median_hours", _("Thời gian trả lời trung vị (giờ)"), HOURS),
         Column("p90_hours", _("Bách phân vị 90 (giờ)"), HOURS)],
        rows, "received",
    )


def questions(facility: str, months: list[Month]) -> Figure:
    """Patients' questions to the doctor (benhan.questions) by month sent; hours to the first answer."""
    from benhan.questions.models import Question

    start, end = _bounds(months)
    return _response_figure(
        "questions", _("Câu hỏi của người bệnh cho bác sĩ"),
        _("Câu hỏi người bệnh gửi qua ứng dụng theo tháng gửi; thời gian từ lúc gửi đến câu trả lời đầu tiên."),
        Question.objects.filter(facility=facility, created__gte=start, created__lt=end)
        .values_list("created", "first_answer_at"), months)


def feedback(facility: str, months: list[Month]) -> Figure:
    """Patients' feedback (benhan.feedback) by month sent; hours to the first response."""
    from benhan.feedback.models import Feedback

    start, end = _bounds(months)
    return _response_figure(
        "feedback", _("Phản ánh, góp ý và thời gian phản hồi"),
        _("Phản ánh, góp ý của người bệnh theo tháng gửi; thời gian từ lúc gửi đến phản hồi đầu tiên."),
        Feedback.objects.filter(facility=facility, created__gte=start, created__lt=end)
        .values_list("created", "responded_at"), months)


# The province's overview: every facility side by side ------------------------------------------


@dataclass
class FacilityStatus:
    code: str
    name: str
    signed_documents: int
    last_signed: datetime | None
    finished_encounters: int
    signed_encounters: int

    @property
    def share(self) -> float | None:
        return _round(100 * self.signed_encounters / self.finished_encounters) if self.finished_encounters else None

    @property
    def emr_live(self) -> bool:
        """Live: the facility signs its records electronically (a signed document in the window)."""
        return self.signed_documents > 0


def province_overview(facilities: list[tuple[str, str]], months: list[Month]) -> list[FacilityStatus]:
    """EMR status of each facility over the window: signed documents (and the latest), finished
    encounters and how many carry a signed visit record or discharge paper. Grouped queries, one per
    source, whatever the number of facilities."""
    start, end = _bounds(months)
    codes = [code for code, _name in facilities]
    documents: dict[str, dict[str, Any]] = {row["facility_code"]: dict(row) for row in SignedDocument.objects.filter(
        facility_code__in=codes, signed_at__gte=start, signed_at__lt=end,
    ).values("facility_code").annotate(n=Count("id"), last=Max("signed_at"))}
    finished = ChartEntry.objects.filter(tenant__in=codes, resource_type="Encounter", status="finished",
                                         sort_date__gte=start, sort_date__lt=end)
    encounters = dict(finished.values("tenant").annotate(n=Count("resource_id", distinct=True))
                      .values_list("tenant", "n"))
    signed = dict(ChartEntry.objects.filter(
        tenant__in=codes, resource_type="DocumentReference", status="current", category__in=SIGNED_ENCOUNTER_KINDS,
        encounter_id__in=finished.values("resource_id"),
    ).values("tenant").annotate(n=Count("encounter_id", distinct=True)).values_list("tenant", "n"))
    return [FacilityStatus(code, name, documents.get(code, {}).get("n", 0), documents.get(code, {}).get("last"),
                           encounters.get(code, 0), signed.get(code, 0)) for code, name in facilities]


# Figures without data yet ----------------------------------------------------------------------


def not_available(key: str, title: str | Promise, why: str | Promise) -> Figure:
    """A figure whose source does not exist yet in benhan: shown as "Chưa có dữ liệu", never estimated."""
    return Figure(key, title, why, [], [], "", available=False)


def missing_figures() -> list[Figure]:
    return []  # questions and feedback have their data since benhan.questions and benhan.feedback landed


FIGURES = {
    "turnaround": result_turnaround,
    "completeness": signed_encounter_share,
    "documents": signed_documents,
    "referrals": referrals,
    "claims": claims,
    "booking": online_booking,
    "questions": questions,
    "feedback": feedback,
}


def all_figures(facility: str, months: list[Month]) -> list[Figure]:
    return [compute(facility, months) for compute in FIGURES.values()]


def window_start(months: list[Month]) -> datetime:
    return _bounds(months)[0]


def window_end(months: list[Month]) -> datetime:
    return _bounds(months)[1] - timedelta(microseconds=1)
