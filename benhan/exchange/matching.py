"""Patient matching for the provincial patient index, tuned for Vietnamese records.

Identifiers decide first: the same CCCD is the same person, two different CCCDs are two people;
then the BHYT social-insurance number (the card's last ten digits, stable across card renewals).
Without them, a Fellegi–Sunter style score adds log-likelihood weights for agreement and
disagreement on the accent-folded name (family, middle and given parts compared in Vietnamese
order, a reversed Western order accepted with a penalty; a common surname such as Nguyễn weighs
little, a rare one a lot), birth date, sex, commune and phone. Two thresholds split the scores
into automatic links, a review queue, and non-matches.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from benhan.vn.text import fold

# Share of the population carrying each surname (folded). Rarer surnames are better evidence.
SURNAME_SHARE = {
    "nguyen": 0.38, "tran": 0.11, "le": 0.095, "pham": 0.071, "hoang": 0.051, "huynh": 0.051, "phan": 0.045,
    "vu": 0.039, "vo": 0.039, "dang": 0.021, "bui": 0.02, "do": 0.014, "ho": 0.013, "ngo": 0.013,
    "duong": 0.01, "ly": 0.005,
}
RARE_SURNAME_SHARE = 0.002
# Middle names like Văn and Thị are shared by a large part of the population.
COMMON_MIDDLE = {"van", "thi", "huu", "duc", "ngoc", "minh", "thanh", "quang", "xuan"}


class Decision(StrEnum):
    MATCH = "match"
    REVIEW = "review"
    NON_MATCH = "non-match"


@dataclass(frozen=True)
class Demographics:
    name: str = ""
    birth_date: date | None = None
    sex: str = ""  # male, female, other, unknown
    commune: str = ""  # commune code after 1/7/2025
    phone: str = ""
    cccd: str = ""
    bhyt: str = ""  # card number (15 characters) or the CCCD that stands for it


@dataclass(frozen=True)
class Thresholds:
    match: float = 12.0
    review: float = 5.0


@dataclass
class MatchResult:
    decision: Decision
    score: float
    reasons: list[str] = field(default_factory=list)


def _phone(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    return digits


def _bhxh_number(card: str) -> str:
    """The social-insurance number: last ten digits of a legacy card; a 12-digit CCCD card stays whole."""
    card = card.strip().upper()
    if len(card) == 15:
        return card[-10:]
    return card


def _damerau(a: str, b: str) -> int:
    """Optimal string alignment distance: counts one transposition as one edit (typing slips)."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def _token_agreement(a: str, b: str) -> float:
    """1 for the same token, 0.6 for two swapped letters in a longer token, 0 otherwise.

    Only transpositions count as typing slips: a changed letter makes another real name
    (Minh/Mạnh, Lan/Lân), so it is a disagreement.
    """
    if a == b:
        return 1.0
    if len(a) == len(b) >= 4 and sorted(a) == sorted(b) and _damerau(a, b) == 1:
        return 0.6
    return 0.0


def _tokens(name: str, keep_marks: bool) -> list[str]:
    if keep_marks:
        return unicodedata.normalize("NFC", name).casefold().split()
    return fold(name).split()


def _has_marks(name: str) -> bool:
    return fold(name) != " ".join(name.casefold().split())


def _name_score(a: str, b: str) -> tuple[float, str]:
    # When both records carry diacritics they are compared with them (Hùng and Hưng are two
    # names); when either was typed without, both are folded.
    keep = _has_marks(a) and _has_marks(b)
    ta, tb = _tokens(a, keep), _tokens(b, keep)
    if not ta or not tb:
        return 0.0, "thiếu họ tên"
    best = _ordered_name_score(ta, tb)
    if len(tb) > 1:
        # Western orders on one side ("Van An Nguyen", "An Van Nguyen", "An Nguyen Van"): put the family name back
        # in front, at a small cost.
        for reordered in ([*tb[1:], tb[0]], [tb[-1], *tb[:-1]], tb[::-1]):
            alt = _ordered_name_score(ta, reordered)
            if alt[0] - 1.0 > best[0]:
                best = (alt[0] - 1.0, alt[1] + " (thứ tự tên đảo)")
    return best


def _ordered_name_score(ta: list[str], tb: list[str]) -> tuple[float, str]:
    family_a, family_b = ta[0], tb[0]
    given_a, given_b = ta[-1], tb[-1]
    score = 0.0
    family = _token_agreement(family_a, family_b)
    share = SURNAME_SHARE.get(fold(family_a), RARE_SURNAME_SHARE)
    if family:
        score += family * math.log2(0.95 / share)
    else:
        # Vietnamese keep their family name for life (no change at marriage).
        score -= 12.0
    given = _token_agreement(given_a, given_b) if len(ta) > 1 and len(tb) > 1 else 0.0
    # The given name is what tells siblings and twins apart: a different one outweighs a shared
    # birth date, address and phone together.
    score += given * math.log2(0.95 / 0.01) if given else -30.0
    middle_a, middle_b = set(ta[1:-1]), set(tb[1:-1])
    if middle_a and middle_b:
        shared = middle_a & middle_b
        rare_shared = {t for t in shared if fold(t) not in COMMON_MIDDLE}
        score += 2.5 * len(rare_shared) + 0.5 * len(shared - rare_shared)
        if not shared:
            score -= 1.5
    return score, f"họ tên {' '.join(ta)} ~ {' '.join(tb)}"


def _birth_score(a: date | None, b: date | None) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return math.log2(0.97 / (1 / 365 / 80))  # about 14.6: strong evidence
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return 2.0  # day and month swapped when typed: plausible, but common names need more evidence
    if a.year == b.year and (a.month == b.month or a.day == b.day):
        return 2.0
    if a.replace(year=b.year) == b and abs(a.year - b.year) in (1, 10):
        return 2.0
    return -12.0


def score(a: Demographics, b: Demographics) -> tuple[float, list[str]]:
    reasons: list[str] = []
    total, why = _name_score(a.name, b.name)
    reasons.append(f"{why}: {total:+.1f}")
    birth = _birth_score(a.birth_date, b.birth_date)
    total += birth
    reasons.append(f"ngày sinh: {birth:+.1f}")
    if a.sex and b.sex and "unknown" not in (a.sex, b.sex):
        sex = 1.0 if a.sex == b.sex else -10.0
        total += sex
        reasons.append(f"giới tính: {sex:+.1f}")
    if a.commune and b.commune:
        commune = 3.0 if a.commune == b.commune else -1.0
        total += commune
        reasons.append(f"xã/phường: {commune:+.1f}")
    pa, pb = _phone(a.phone), _phone(b.phone)
    if pa and pb:
        # Families share a phone: agreement is modest evidence, disagreement almost none.
        phone = 3.0 if pa == pb else -0.5
        total += phone
        reasons.append(f"điện thoại: {phone:+.1f}")
    return total, reasons


def match(a: Demographics, b: Demographics, thresholds: Thresholds = Thresholds()) -> MatchResult:
    if a.cccd and b.cccd:
        if a.cccd == b.cccd:
            return MatchResult(Decision.MATCH, math.inf, ["trùng số CCCD"])
        return MatchResult(Decision.NON_MATCH, -math.inf, ["khác số CCCD"])
    if a.bhyt and b.bhyt and _bhxh_number(a.bhyt) == _bhxh_number(b.bhyt):
        total, reasons = score(a, b)
        if total > thresholds.review:
            return MatchResult(Decision.MATCH, math.inf, ["trùng mã số BHXH trên thẻ BHYT", *reasons])
        return MatchResult(Decision.REVIEW, total, ["trùng mã số BHXH nhưng nhân khẩu khác nhau", *reasons])
    total, reasons = score(a, b)
    if total >= thresholds.match:
        decision = Decision.MATCH
    elif total >= thresholds.review:
        decision = Decision.REVIEW
    else:
        decision = Decision.NON_MATCH
    return MatchResult(decision, total, reasons)
