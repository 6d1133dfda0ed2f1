from datetime import date, timedelta

from tasks.templatetags.task_ui import CHART_HEIGHT, CHART_WIDTH, completion_chart

START = date(2026, 1, 1)


def _days(counts):
    return [(START + timedelta(days=i), n) for i, n in enumerate(counts)]


def test_bars_scale_to_the_busiest_day():
    chart = completion_chart(_days([0, 2, 4]))
    heights = [bar["height"] for bar in chart["bars"]]
    assert heights[0] == 0
    assert heights[2] == 2 * heights[1]
    assert chart["bars"][2]["y"] + heights[2] == chart["baseline"]
    assert (chart["peak"], chart["total"]) == (4, 6)


def test_bars_fit_inside_the_view_box():
    chart = completion_chart(_days([5] * 30))
    last = chart["bars"][-1]
    assert last["x"] + last["width"] <= CHART_WIDTH
    assert all(0 <= bar["y"] < CHART_HEIGHT for bar in chart["bars"])


def test_no_completions_draws_no_bar_heights():
    chart = completion_chart(_days([0] * 30))
    assert {bar["height"] for bar in chart["bars"]} == {0}
    assert chart["peak"] == 0
