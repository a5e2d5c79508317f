"""Realistic Vietnamese people for the demo: names with diacritics, CCCD and BHYT numbers that pass
the benhan.vn rules, addresses in real communes of the demo province."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from benhan.vn import admin_units
from benhan.vn.identifiers import parse_bhyt, parse_cccd

# Family names weighted roughly by their share in northern Việt Nam.
FAMILY = [("Nguyễn", 30), ("Trần", 10), ("Lê", 8), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 4), ("Đỗ", 4), ("Bùi", 4),
          ("Đặng", 3), ("Ngô", 3), ("Dương", 2), ("Hà", 3), ("Đinh", 3), ("Phan", 2), ("Lương", 1), ("Trịnh", 2),
          ("Cao", 1), ("Kiều", 1), ("Tạ", 1), ("Lý", 1)]
MIDDLE = {"male": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Công", "Thành", "Ngọc", "Mạnh"],
          "female": ["Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Phương", "Hồng", "Kim"]}
GIVEN = {"male": ["An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Long", "Nam", "Phong", "Quân", "Sơn", "Thắng",
                  "Tuấn", "Việt", "Hoàng", "Khánh", "Trung", "Đức", "Tiến", "Hiếu", "Huy", "Kiên"],
         "female": ["Anh", "Bích", "Chi", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngọc",
                    "Nhung", "Phương", "Thảo", "Trang", "Vân", "Yến", "Huyền", "Thủy", "Hằng", "Loan"]}
# Birth registration provinces for people living in today's Phú Thọ (merged with Vĩnh Phúc and Hòa Bình).
BIRTH_PROVINCES = [("025", 60), ("026", 20), ("017", 12), ("001", 5), ("019", 3)]
ADDRESS_KIND = ["Thôn", "Khu", "Tổ dân phố", "Xóm"]


@dataclass(frozen=True)
class Person:
    name: str
    gender: str
    birth_date: date
    cccd: str
    bhyt: str
    phone: str
    address_line: str
    commune_code: str

    @property
    def address_text(self) -> str:
        return admin_units.full_address(self.address_line, self.commune_code)


def _weighted(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def make_cccd(rng: random.Random, gender: str, birth: date, used: set[str]) -> str:
    century = (birth.year - 1900) // 100
    digit = century * 2 + (0 if gender == "male" else 1)
    while True:
        number = f"{_weighted(rng, BIRTH_PROVINCES)}{digit}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
        if number not in used:
            used.add(number)
            parse_cccd(number, birth_date=birth, sex=gender)  # the demo never ships an invalid number
            return number


def bhyt_group(age: int, rng: random.Random) -> str:
    """Group + benefit level the way cards are actually issued by age."""
    if age < 6:
        return "TE1"
    if age < 18:
        return "HS4"
    if age >= 60:
        return rng.choice(["HT3", "HT3", "CN3", "GD4", "CC1"])
    return rng.choice(["DN4", "DN4", "HC4", "GD4", "GD4", "HN1", "CN3", "SV4" if age < 24 else "DN4"])


def make_bhyt(rng: random.Random, age: int, used: set[str]) -> str:
    """Group + level, issuing province 25 (Phú Thọ), then a 10-digit BHXH number (also 25…)."""
    while True:
        number = f"{bhyt_group(age, rng)}25" + f"25{rng.randrange(10**8):08d}"
        if number not in used:
            used.add(number)
            parse_bhyt(number)
            return number


def make_person(rng: random.Random, today: date, used: set[str], *, age_range: tuple[int, int] = (0, 90)) -> Person:
    gender = rng.choice(["male", "female"])
    age = rng.randint(*age_range)
    birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
    name = f"{_weighted(rng, FAMILY)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
    communes = admin_units.communes("25")
    commune = rng.choice(communes)
    phone = f"0{rng.choice(['912', '983', '868', '977', '385', '705', '837'])}{rng.randrange(10**6):06d}"
    return Person(
        name=name, gender=gender, birth_date=birth,
        cccd=make_cccd(rng, gender, birth, used),  # every citizen has a personal number from birth
        bhyt=make_bhyt(rng, (today - birth).days // 365, used),
        phone=phone if age >= 16 else "",
        address_line=f"{rng.choice(ADDRESS_KIND)} {rng.randint(1, 15)}",
        commune_code=commune.code,
    )
