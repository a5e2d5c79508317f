from __future__ import annotations

from collections import defaultdict
from datetime import date

from benhan.exchange.matching import Decision, Demographics, match

from .population import Person, population


def test_same_cccd_is_the_same_person_and_different_cccds_are_not() -> None:
    a = Demographics(name="Nguyễn Văn An", cccd="001089012345")
    assert match(a, Demographics(name="Nguyen Van Anh", cccd="001089012345")).decision is Decision.MATCH
    assert match(a, Demographics(name="Nguyễn Văn An", cccd="001089099999")).decision is Decision.NON_MATCH


def test_a_renewed_bhyt_card_keeps_matching_by_its_social_insurance_number() -> None:
    a = Demographics(name="Trần Thị Lan", birth_date=date(1970, 2, 3), bhyt="GD4790123456789")
    b = Demographics(name="Tran Thi Lan", birth_date=date(1970, 2, 3), bhyt="HT3790123456789")
    assert match(a, b).decision is Decision.MATCH


def test_diacritics_and_western_name_order_do_not_hide_a_match() -> None:
    a = Demographics(name="Đặng Hữu Thắng", birth_date=date(1958, 7, 21), sex="male", commune="00123")
    for other in ("Dang Huu Thang", "Thắng Đặng Hữu", "DANG HUU THANG"):
        assert match(a, Demographics(name=other, birth_date=date(1958, 7, 21), sex="male")).decision is Decision.MATCH


def test_twins_sharing_everything_but_the_given_name_are_not_merged() -> None:
    a = Demographics(name="Nguyễn Văn Minh", birth_date=date(2015, 5, 1), sex="male", commune="00123", phone="0912345678")
    b = Demographics(name="Nguyễn Văn Mạnh", birth_date=date(2015, 5, 1), sex="male", commune="00123", phone="0912345678")
    assert match(a, b).decision is Decision.NON_MATCH


def test_a_common_surname_alone_is_weak_evidence() -> None:
    a = Demographics(name="Nguyễn Văn Hùng", birth_date=date(1980, 1, 1))
    b = Demographics(name="Nguyễn Văn Hùng", birth_date=date(1981, 6, 9))
    assert match(a, b).decision is Decision.NON_MATCH


def _birth_year(person: Person) -> int:
    born = person.record.birth_date
    assert born is not None, "every generated record has a birth date"
    return born.year


def test_generated_population_has_no_false_merge_and_finds_95_percent_automatically() -> None:
    firsts, seconds = population(1500)
    by_year: dict[int, list[Person]] = defaultdict(list)  # blocking on birth year, as the index does
    for p in firsts:
        by_year[_birth_year(p)].append(p)
    true_pairs = found = false_merges = 0
    for s in seconds:
        true_pairs += 1
        candidates = {p.key: p for year in (_birth_year(s),) for p in by_year[year]}
        for p in candidates.values():
            decision = match(p.record, s.record).decision
            if p.key == s.key:
                found += decision is Decision.MATCH
            elif decision is Decision.MATCH:
                false_merges += 1
    recall = found / true_pairs
    print(f"true pairs {true_pairs}, found automatically {found} ({recall:.1%}), false merges {false_merges}")
    assert false_merges == 0
    assert recall >= 0.95
