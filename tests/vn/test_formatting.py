from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from benhan.vn.formatting import full_name, vn_date, vn_datetime, vnd


def test_money_is_whole_dong_with_dot_separators_and_the_dong_sign() -> None:
    assert vnd(1250000) == "1.250.000\u00a0₫"
    assert vnd(Decimal("35000.40")) == "35.000\u00a0₫"
    assert vnd(0) == "0\u00a0₫"
    assert vnd(-5000) == "-5.000\u00a0₫"
    assert vnd(None) == ""


def test_dates_are_day_month_year() -> None:
    assert vn_date(date(2025, 9, 30)) == "30/09/2025"
    assert vn_date("1966-03-05") == "05/03/1966"


def test_datetimes_are_shown_in_vietnam_time() -> None:
    assert vn_datetime(datetime(2025, 9, 30, 1, 30, tzinfo=UTC)) == "08:30 30/09/2025"


def test_full_names_put_the_family_name_first() -> None:
    from types import SimpleNamespace

    assert full_name(SimpleNamespace(last_name="Nguyễn Văn", first_name="An", username="bs.an")) == "Nguyễn Văn An"
    assert full_name(SimpleNamespace(last_name="", first_name="", username="bs.an")) == "bs.an"
