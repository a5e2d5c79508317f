"""A generated population of Vietnamese patients and the messy second records other facilities hold."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from benhan.exchange.matching import Demographics
from benhan.vn.text import fold

SURNAMES = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 5), ("Phan", 4),
            ("Vũ", 4), ("Võ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 1), ("Hồ", 1), ("Ngô", 1), ("Dương", 1),
            ("Lý", 1), ("Đinh", 1), ("Trịnh", 1), ("Mai", 1), ("Lương", 1)]
MIDDLE = {"male": ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Xuân", "Thanh"],
          "female": ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Phương", "Mai"]}
GIVEN = {"male": ["An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Huy", "Khánh", "Long", "Minh", "Nam", "Phong",
                  "Quân", "Sơn", "Tâm", "Thắng", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Hiếu", "Đạt", "Lộc"],
         "female": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
                    "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Trang", "Tuyết", "Vân", "Yến", "Hằng"]}
COMMUNES = [f"{n:05d}" for n in range(100, 160)]


@dataclass(frozen=True)
class Person:
    key: int
    record: Demographics


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # a transposition


def population(size: int, seed: int = 7) -> tuple[list[Person], list[Person]]:
    """Records at facility A, and the second records at facility B (same key = same person)."""
    rng = random.Random(seed)
    names, weights = zip(*SURNAMES, strict=True)
    people: list[Person] = []
    for key in range(size):
        sex = rng.choice(["male", "female"])
        name = f"{rng.choices(names, weights)[0]} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 80))
        phone = f"09{rng.randrange(10**8):08d}"
        people.append(Person(key, Demographics(name=name, birth_date=birth, sex=sex, commune=rng.choice(COMMUNES),
                                                phone=phone, bhyt=f"GD4{rng.randrange(10, 96)}{rng.randrange(10**10):010d}")))
    # Twins: same family, birth date, commune and phone; different given names.
    for i in range(size // 20):
        base = people[i].record
        sex = rng.choice(["male", "female"])
        family, middle = base.name.split()[0], rng.choice(MIDDLE[sex])
        given = rng.choice([g for g in GIVEN[sex] if g != base.name.split()[-1]])
        people.append(Person(size + i, replace(base, name=f"{family} {middle} {given}", sex=sex,
                                               bhyt=f"TE1{rng.randrange(10, 96)}{rng.randrange(10**10):010d}")))
    seconds: list[Person] = []
    for person in people:
        if rng.random() > 0.6:
            continue
        r = person.record
        name = r.name
        roll = rng.random()
        if roll < 0.35:
            name = fold(name).title()  # typed without diacritics
        elif roll < 0.45:
            parts = name.split()
            name = " ".join(parts[1:] + parts[:1])  # Western order
        elif roll < 0.55:
            parts = name.split()
            parts[-1] = _typo(rng, parts[-1])
            name = " ".join(parts)
        born = r.birth_date
        if born and rng.random() < 0.04 and born.day <= 12 and born.day != born.month:
            born = born.replace(month=born.day, day=born.month)
        second = Demographics(
            name=name, birth_date=born, sex=r.sex,
            commune="" if rng.random() < 0.2 else r.commune,
            phone="" if rng.random() < 0.2 else (f"09{rng.randrange(10**8):08d}" if rng.random() < 0.2 else r.phone),
            # The card is renewed (new group/benefit digits) but keeps the social-insurance number.
            bhyt=("" if rng.random() < 0.5 else "HT3" + r.bhyt[3:]),
        )
        seconds.append(Person(person.key, second))
    return people, seconds
