"""Hub side: every facility's EMR status, totals per province, facilities live over time, and the
facilities' figures added up, all from the reports they sent (never from their records)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from benhan.exchange.models import Node
from benhan.exchange.reporting import hub_code
from benhan.reports.figures import (
    COUNT,
    HOURS,
    MINUTES,
    MONTH,
    PERCENT,
    VND,
    Column,
    Figure,
    Month,
    Value,
    percentile,
)
from benhan.vn.codes import CCCD_BIRTH_PROVINCES

from .criteria import score
from .models import EmrStatus, FacilityReport, StatusMonth

TEXT = "text"
# Percent columns that are a ratio of two count columns: recomputed from the sums, not averaged.
RATIOS: dict[tuple[str, str], tuple[str, str]] = {
    ("completeness", "share"): ("signed", "finished"),
    ("booking", "share"): ("online", "visits"),
}


def province_name(code: str) -> str:
    return CCCD_BIRTH_PROVINCES.get(f"0{code}", code)


@dataclass
class FacilityRow:
    code: str
    name: str
    province: str
    status: str
    met: int
    criteria: int
    as_of: datetime | None  # None: never reported

    @property
    def status_label(self) -> str:
        return str(EmrStatus(self.status).label) if self.as_of else str(_("Chưa báo cáo"))


def facility_rows(province: str = "") -> list[FacilityRow]:
    """Every facility that reported, and every facility in the exchange directory that has not yet."""
    rows = {r.facility: FacilityRow(r.facility, r.name, r.province, r.status, *score(r.answers), r.as_of)
            for r in FacilityReport.objects.all()}
    for node in Node.objects.filter(active=True, is_hub=False).exclude(code=hub_code()):
        if node.code not in rows:
            rows[node.code] = FacilityRow(node.code, node.name, node.code[:2], EmrStatus.NOT_STARTED,
                                          *score({}), None)
    found = sorted(rows.values(), key=lambda r: (r.province, r.code))
    return [r for r in found if not province or r.province == province]


@dataclass
class ProvinceTotal:
    code: str
    name: str
    facilities: int
    live: int
    in_progress: int
    not_started: int

    @property
    def live_share(self) -> float | None:
        return round(100 * self.live / self.facilities, 1) if self.facilities else None


def province_totals(rows: list[FacilityRow]) -> list[ProvinceTotal]:
    by: dict[str, list[FacilityRow]] = defaultdict(list)
    for row in rows:
        by[row.province].append(row)
    out = []
    for code in sorted(by):
        group = by[code]
        count = {s: sum(r.status == s for r in group) for s in EmrStatus.values}
        out.append(ProvinceTotal(code, province_name(code), len(group), count[EmrStatus.LIVE],
                                 count[EmrStatus.IN_PROGRESS], count[EmrStatus.NOT_STARTED]))
    return out


def _key(month: Month) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def live_over_time(months: list[Month], province: str = "") -> Figure:
    """Per month: facilities that had reported by then and their status then (the last one reported in or
    before that month), so "N of M live" can be read month by month."""
    history: dict[str, list[tuple[str, str]]] = defaultdict(list)
    found = StatusMonth.objects.all() if not province else StatusMonth.objects.filter(province=province)
    for facility, month, status in found.order_by("month").values_list("facility", "month", "status"):
        history[facility].append((month, status))
    rows: list[dict[str, Value]] = []
    for m in months:
        counts = {s: 0 for s in EmrStatus.values}
        for entries in history.values():
            known = [status for month, status in entries if month <= _key(m)]
            if known:
                counts[known[-1]] += 1
        reporting = sum(counts.values())
        rows.append({"month": m.label, "facilities": reporting, **counts,
                     "live_share": round(100 * counts[EmrStatus.LIVE] / reporting, 1) if reporting else None})
    return Figure(
        "live", _("Cơ sở đã triển khai bệnh án điện tử theo thời gian"),
        _("Số cơ sở đã báo cáo đến tháng đó và tình trạng bệnh án điện tử của từng cơ sở theo báo cáo gần nhất trong hoặc trước tháng."),
        [Column("month", _("Tháng"), MONTH), Column("facilities", _("Cơ sở đã báo cáo"), COUNT),
         Column(EmrStatus.LIVE, EmrStatus.LIVE.label, COUNT),
         Column(EmrStatus.IN_PROGRESS, EmrStatus.IN_PROGRESS.label, COUNT),
         Column(EmrStatus.NOT_STARTED, EmrStatus.NOT_STARTED.label, COUNT),
         Column("live_share", _("Tỷ lệ đã triển khai (%)"), PERCENT)],
        rows, EmrStatus.LIVE,
    )


def _combine(figure_key: str, column: dict[str, Any], values: list[float], sums: dict[str, float]) -> Value:
    kind = column["kind"]
    if kind in (COUNT, VND):
        return sum(values) if values else 0
    ratio = RATIOS.get((figure_key, column["key"]))
    if ratio is not None:
        numerator, denominator = sums.get(ratio[0], 0.0), sums.get(ratio[1], 0.0)
        return round(100 * numerator / denominator, 1) if denominator else None
    if kind in (PERCENT, HOURS, MINUTES):
        found = percentile(values, 50)
        return None if found is None else round(found, 2)
    return None


def aggregated_figures(months: list[Month], province: str = "") -> list[Figure]:
    """Each figure the facilities report, added up month by month over the facilities (of one province)."""
    reports = FacilityReport.objects.all() if not province else FacilityReport.objects.filter(province=province)
    shapes: dict[str, dict[str, Any]] = {}
    values: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for report in reports:
        for figure in report.figures:
            shapes.setdefault(figure["key"], figure)
            for reported in figure.get("rows") or ():
                for column, value in reported.items():
                    if column != "month" and isinstance(value, (int, float)):
                        values[figure["key"]][str(reported.get("month"))][column].append(float(value))
    out = []
    for key, shape in shapes.items():
        columns = shape["columns"]
        rows: list[dict[str, Value]] = []
        for m in months:
            cells = values[key][m.label]
            sums = {c: sum(v) for c, v in cells.items()}
            row: dict[str, Value] = {"month": m.label}
            for column in columns[1:]:
                row[column["key"]] = _combine(key, column, cells.get(column["key"], []), sums)
            rows.append(row)
        medians = [c["label"] for c in columns if c["kind"] in (PERCENT, HOURS, MINUTES)
                   and (key, c["key"]) not in RATIOS]
        notes: list[str | Promise] = [_("Cột là trung vị giữa các cơ sở (không cộng được): %(cols)s") % {"cols": ", ".join(medians)}] if medians else []
        out.append(Figure(
            key, shape["title"], _("Cộng từ báo cáo của các cơ sở; tỷ lệ tính lại từ tổng tử số và mẫu số."),
            [Column(c["key"], c["label"], c["kind"]) for c in columns], rows, shape.get("chart_column", ""),
            notes=notes))
    return out


def facilities_figure(rows: list[FacilityRow]) -> Figure:
    """The facility list as a table (for the CSV/xlsx export)."""
    return Figure(
        "facilities", _("Tình trạng bệnh án điện tử các cơ sở"), "",
        [Column("code", _("Mã cơ sở"), TEXT), Column("name", _("Tên cơ sở"), TEXT),
         Column("province", _("Tỉnh"), TEXT), Column("status", _("Tình trạng"), TEXT),
         Column("met", _("Tiêu chí đạt"), COUNT), Column("criteria", _("Tổng tiêu chí"), COUNT),
         Column("as_of", _("Báo cáo lúc"), TEXT)],
        [{"code": r.code, "name": r.name, "province": province_name(r.province), "status": r.status_label,
          "met": r.met, "criteria": r.criteria,
          "as_of": timezone.localtime(r.as_of).strftime("%d/%m/%Y %H:%M") if r.as_of else ""} for r in rows],
        "",
    )
