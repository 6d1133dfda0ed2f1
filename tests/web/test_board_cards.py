"""A board column's cards (tasks/templatetags/board_cards.py): byte for byte the
template loop they replace, for every kind of card, escaped like autoescaping does."""

from __future__ import annotations

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from tasks.models import Priority, Status, Task
from tests.factories import TaskFactory, UserFactory

# templates/tasks/board.html's card loop before {% board_cards %} (commit 06d68e1), verbatim.
TEMPLATE_LOOP = "{% load task_ui %}" + (Path(__file__).parent / "board_card_loop.html").read_text()
CARD_TAG = "{% load board_cards %}{% board_cards page.cards pages %}"

HOSTILE = "<script>alert(\"x\")</script> & 'q' “quoted”"
PAGES = [
    SimpleNamespace(column=SimpleNamespace(pk="col1", name="To do <now>")),
    SimpleNamespace(column=SimpleNamespace(pk="col2", name='Doing & "more"')),
    SimpleNamespace(column=SimpleNamespace(pk="col3", name="Done")),
]


@pytest.fixture
def cards(user) -> list[Task]:
    today = timezone.localdate()
    named = UserFactory(email="carol@example.com", name="Carol <Dev>")
    unnamed = UserFactory(email="dave@example.com", name="")
    TaskFactory(owner=user, title=HOSTILE, tags=["<b>\"t'</b>", "x y"], assignee=named)
    TaskFactory(owner=user, title="Done one", status=Status.DONE, due_date=today)
    TaskFactory(
        owner=user,
        title="Overdue",
        priority=Priority.HIGH,
        due_date=today - datetime.timedelta(days=3),
        due_time=datetime.time(9, 30),
        assignee=unnamed,
        checklist_total=4,
        checklist_done=1,
    )
    TaskFactory(owner=user, title="   ", checklist_total=2, checklist_done=2, tags=["  "])
    tasks = list(Task.objects.select_related("assignee").order_by("title"))
    for index, task in enumerate(tasks):
        task.column_id = PAGES[index % 3].column.pk
        task.comment_count = index  # 0, 1, 2, 3: none, one, several
    return tasks


@pytest.mark.parametrize("can_move", [True, False])
@pytest.mark.parametrize("token", ['tok&en"<', "", "NOTPROVIDED"])
def test_cards_render_like_the_template_loop(cards, user, can_move, token):
    context = {
        "page": SimpleNamespace(cards=cards),
        "pages": PAGES,
        "can_move": can_move,
        "csrf_token": token,
        "user": user,
    }
    expected = Template(TEMPLATE_LOOP).render(Context(context))
    assert Template(CARD_TAG).render(Context(context)) == expected
    assert expected.count('<li class="board-card"') == len(cards)


def test_an_empty_column_says_so(user):
    context = {"page": SimpleNamespace(cards=[]), "pages": PAGES, "user": user}
    expected = Template(TEMPLATE_LOOP).render(Context(context))
    assert Template(CARD_TAG).render(Context(context)) == expected
    assert "No cards" in expected
