"""The server-drawn bar chart: escaped labels, one titled bar per month, round axis steps."""

from __future__ import annotations

from benhan.reports.charts import bar_chart, nice_top


def test_the_axis_top_is_a_round_number_at_or_above_the_highest_bar() -> None:
    assert [nice_top(v) for v in (0, 3, 7.5, 10, 11, 0.3)] == [1.0, 4, 8, 10, 20, 0.4]


def test_each_bar_has_a_title_with_its_month_and_value_and_a_missing_month_draws_no_bar() -> None:
    svg = bar_chart("t", "Thời gian <trả> kết quả", [("10/2026", 2.5), ("11/2026", None)], "giờ")
    assert '<title id="chart-t">Thời gian &lt;trả&gt; kết quả</title>' in svg
    assert "<title>10/2026: 2,5 giờ</title>" in svg and "<title>11/2026: —</title>" in svg
    assert svg.count("<rect") == 1 and "style" not in svg
