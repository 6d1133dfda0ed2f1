"""tasks/search_backends.py: each backend's full-text index, through the services and
the permission layer (runs on SQLite here and on PostgreSQL with scripts/with-postgres;
the MongoDB path runs in the GitHub Actions job with TEST_MONGO_URL)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import roles
from projects import services as project_services
from projects.models import Membership, Role
from tasks import search_backends, services, trash
from tasks.models import Status, Task
from tasks.permissions import visible_tasks
from tests.conftest import client_for
from tests.factories import TaskFactory

# A MongoDB text index matches whole words only and the list keeps its order there
# (tasks/search_backends.py); these behaviours are the SQL backends'.
PREFIXES = pytest.mark.skipif(
    connection.vendor == "mongodb", reason="a MongoDB text index has no prefix search"
)
RANKS = pytest.mark.skipif(
    connection.vendor == "mongodb", reason="no relevance order on MongoDB's text index"
)


def found(user, query: str) -> list[str]:
    """Titles of the user's visible tasks matching ``query``, best match first."""
    ids = search_backends.matching_ids(visible_tasks(user), query)
    titles = dict(Task.objects.filter(pk__in=ids).values_list("pk", "title"))
    return [titles[pk] for pk in ids]


def make(user, title: str, description: str = "", **fields) -> Task:
    task, _ = services.task_create(actor=user, title=title, description=description, **fields)
    return task


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", []),
        ("   ", []),
        ("café", ["cafe"]),
        ("Café au lait!", ["cafe", "au", "lait"]),
        ("' OR 1=1 --", ["or", "1"]),
        ('"quoted" *star* NEAR(a b)', ["quoted", "star", "near", "a", "b"]),
        ("snake_case x-ray", ["snake", "case", "x", "ray"]),
        ("ÉLAN élan", ["elan"]),
        ("Straße", ["straße"]),
    ],
)
def test_words_are_letters_and_digits_folded(query, expected):
    assert search_backends.words(query) == expected


@PREFIXES
def test_prefixes_match_at_the_start_of_words_only(user):
    make(user, "Send the invoice")
    make(user, "Voice memo")
    assert found(user, "inv") == ["Send the invoice"]
    assert found(user, "invoice") == ["Send the invoice"]
    assert found(user, "voice") == ["Voice memo"]


@PREFIXES
@pytest.mark.parametrize(
    ("title", "query"),
    [
        # PostgreSQL's text parser read "1e52abcd" as a number and a word and kept
        # "example.com", "v1.2" and "a_b" whole: these words were never found there.
        ("pg-1e52abcd-17", "1e52abcd"),
        ("pg-1e52abcd-17", "pg 1e52abcd"),
        ("Renew example.com", "com"),
        ("Release v1.2", "2"),
        ("snake_case name", "case"),
        ("Straße fegen", "straße"),
    ],
)
def test_every_word_the_query_sees_is_a_word_of_the_index(user, title, query):
    make(user, title)
    make(user, "Something else")
    assert found(user, query) == [title]


def test_case_and_accents_do_not_matter(user):
    make(user, "Café menu")
    make(user, "RESUME review")
    for query in ("cafe", "CAFÉ", "café", "Cafe"):
        assert found(user, query) == ["Café menu"], query
    assert found(user, "résumé") == ["RESUME review"]


@PREFIXES
def test_descriptions_match_and_every_word_must(user):
    make(user, "Quarterly report", description="Numbers for the board meeting")
    make(user, "Board games night")
    assert set(found(user, "board")) == {"Quarterly report", "Board games night"}
    assert found(user, "board meet") == ["Quarterly report"]
    assert found(user, "board chess") == []


@RANKS
def test_a_title_hit_ranks_above_a_description_hit(user):
    # Created first, so the newest-first order alone would list it last.
    make(user, "Invoice for March")
    make(user, "Pay the rent", description="and the invoice, and call about the invoice")
    make(user, "Unrelated")
    assert found(user, "invoice") == ["Invoice for March", "Pay the rent"]


def test_updates_and_deletes_are_searchable_at_once(user):
    task = make(user, "Draft the budget")
    assert found(user, "budget") == ["Draft the budget"]
    task = services.task_update(actor=user, task=task, changes={"title": "Draft the plan"})
    assert found(user, "budget") == []
    assert found(user, "plan") == ["Draft the plan"]
    services.task_update(actor=user, task=task, changes={"description": "with a budget"})
    assert found(user, "budget") == ["Draft the plan"]
    services.task_delete_permanently(actor=user, task=Task.objects.get(pk=task.pk))
    assert found(user, "plan") == []
    assert search_backends.verify(connection) == []


@RANKS
def test_bulk_writes_and_import_keep_the_index_in_step(user):
    first, second = make(user, "Alpha notes"), make(user, "Alpha slides")
    services.tasks_bulk_set_status(actor=user, ids=[first.pk, second.pk], status=Status.DONE)
    assert set(found(user, "alpha")) == {"Alpha notes", "Alpha slides"}
    services.tasks_bulk_delete(actor=user, ids=[first.pk])
    assert found(user, "alpha") == ["Alpha slides"]
    created, _ = services.tasks_import(
        actor=user,
        rows=[{"title": "Imported zebra"}, {"title": "Other", "description": "zebra crossing"}],
    )
    assert created == 2
    assert found(user, "zebra") == ["Imported zebra", "Other"]
    assert search_backends.verify(connection) == []


def test_rows_written_behind_the_services_back_are_indexed_too(user):
    # The database keeps its own index: factories, the admin and cascades are covered.
    TaskFactory(owner=user, title="Factory made widget", description="")
    assert found(user, "widget") == ["Factory made widget"]
    Task.objects.filter(title="Factory made widget").update(title="Gadget")
    assert found(user, "widget") == []
    assert found(user, "gadget") == ["Gadget"]


def test_a_deleted_project_leaves_nothing_in_the_index(user):
    project = project_services.project_create(actor=user, name="Side")
    make(user, "Side quest", project_id=project.pk)
    assert found(user, "quest") == ["Side quest"]
    project_services.project_delete(
        actor=user, membership=roles.get_membership_for(user, project.pk)
    )
    assert found(user, "quest") == []
    assert search_backends.verify(connection) == []


def test_other_users_tasks_never_match(user, other_user):
    make(user, "Secret plan")
    make(other_user, "Secret plan B", description="secret")
    assert found(user, "secret") == ["Secret plan"]
    assert found(other_user, "secret") == ["Secret plan B"]


@PREFIXES
@pytest.mark.parametrize(
    "query",
    [
        "' OR 1=1 --",
        '"',
        '""',
        "*",
        "a*",
        "title:plan",
        "NEAR(plan secret)",
        "plan AND NOT secret",
        "'; DROP TABLE tasks_task; --",
        "^plan",
        "-plan",
        "%",
        "_",
        "\\",
        "plan:*",
        "!!!",
    ],
)
def test_operator_and_sql_like_input_is_only_words(user, query):
    make(user, "plan the party")
    # "title:plan" is the words "title" and "plan", not a column filter.
    expected = ["plan the party"] if query in ("^plan", "-plan", "plan:*") else []
    assert found(user, query) == expected
    assert Task.objects.count() == 1


def test_verify_and_rebuild_through_the_command(user, capsys):
    make(user, "Indexed task")
    call_command("searchindex", "--verify")
    assert f"Search index OK ({connection.vendor})" in capsys.readouterr().out
    call_command("searchindex", "--rebuild", "--verify")
    assert found(user, "indexed") == ["Indexed task"]


def test_uninstall_and_install_are_reversible_and_backfill(user):
    make(user, "Existing before the index")
    search_backends.uninstall(connection)
    try:
        assert search_backends.verify(connection) != []
        with pytest.raises(CommandError):
            call_command("searchindex", "--verify")
    finally:
        search_backends.install(connection)
    assert search_backends.verify(connection) == []
    assert found(user, "existing") == ["Existing before the index"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 tables and triggers")
def test_sqlite_verify_finds_a_damaged_index_and_rebuild_repairs_it(user):
    make(user, "Kept in step")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tf_task_search")
        cursor.execute("DROP TRIGGER tf_task_search_ai")
    problems = search_backends.verify(connection)
    assert "Trigger tf_task_search_ai is missing." in problems
    assert "1 tasks missing from the index." in problems
    search_backends.rebuild(connection)
    assert search_backends.verify(connection) == []
    make(user, "Written after the repair")
    assert found(user, "kept") == ["Kept in step"]
    assert found(user, "repair") == ["Written after the repair"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's table rebuilds")
def test_sqlite_triggers_come_back_after_migrate_with_a_rebuilt_index(user):
    make(user, "Before the table rebuild")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER tf_task_search_ad")
    Task.objects.all().delete()  # unseen by the index while the trigger is gone
    assert "1 index entries of deleted tasks." in search_backends.verify(connection)
    call_command("migrate", verbosity=0)  # post_migrate repairs
    assert search_backends.verify(connection) == []
    make(user, "Before the table rebuild")
    assert found(user, "rebuild") == ["Before the table rebuild"]


PG_ONLY = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's stored vector")


@PG_ONLY
@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        ("DROP INDEX tf_task_search_stored", "The GIN index tf_task_search_stored is missing"),
        (
            "DROP INDEX tf_task_search_stored;"
            " CREATE INDEX tf_task_search_stored ON tasks_task (id)",
            "The index tf_task_search_stored is not a GIN index of tf_search_vector.",
        ),
        (
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid ="
            " 'tf_task_search_stored'::regclass",
            "The GIN index tf_task_search_stored is invalid",
        ),
        ("DROP TRIGGER tf_task_search_bi ON tasks_task", "Trigger tf_task_search_bi is missing."),
        (
            "ALTER TABLE tasks_task DISABLE TRIGGER tf_task_search_bi;"
            " UPDATE tasks_task SET title = 'Renamed behind its back'",
            "Trigger tf_task_search_bi is disabled.",
        ),
        ("ALTER TABLE tasks_task DROP COLUMN tf_search_vector", "The column tasks_task.tf_search"),
        (
            "ALTER TABLE tasks_task DROP COLUMN tf_search_vector;"
            " ALTER TABLE tasks_task ADD COLUMN tf_search_vector text",
            "The column tasks_task.tf_search",
        ),
    ],
)
def test_postgres_verify_finds_a_damaged_stored_vector_and_rebuild_repairs_it(
    user, damage, problem
):
    make(user, "Kept in step")
    with connection.cursor() as cursor:
        # The test's deferred foreign key checks would block DDL on the table.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(damage)
    problems = search_backends.verify(connection)
    assert any(p.startswith(problem) for p in problems), problems
    with pytest.raises(CommandError):
        call_command("searchindex", "--verify")
    call_command("searchindex", "--rebuild", "--verify")
    assert search_backends.verify(connection) == []
    make(user, "Written after the repair")
    assert found(user, "repair") == ["Written after the repair"]


@PG_ONLY
def test_postgres_verify_finds_vectors_written_behind_the_trigger(user):
    make(user, "Kept in step")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE tasks_task DISABLE TRIGGER tf_task_search_bi")
        cursor.execute("UPDATE tasks_task SET title = 'Renamed'")
        cursor.execute("ALTER TABLE tasks_task ENABLE TRIGGER tf_task_search_bi")
    assert search_backends.verify(connection) == [
        "1 tasks whose stored vector differs from their text."
    ]
    assert found(user, "renamed") == []
    search_backends.rebuild(connection)
    assert found(user, "renamed") == ["Renamed"]


@PG_ONLY
def test_postgres_search_reads_the_stored_column_and_title_can_change_type(user):
    make(user, "Stored vector")
    queryset = search_backends.ranked(visible_tasks(user), "stored")
    sql = str(queryset.query)
    assert '"tasks_task"."tf_search_vector" @@' in sql
    assert "tf_task_search_vector(" not in sql  # no vector computed per row
    # A generated column would refuse this (a migration changing the title's length).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE tasks_task ALTER COLUMN title TYPE varchar(300)")
    assert search_backends.verify(connection) == []
    assert found(user, "vector") == ["Stored vector"]


@PG_ONLY
def test_postgres_upgrade_replaces_the_expression_index_of_0009(user):
    make(user, "Written before the upgrade")
    with connection.cursor() as cursor:
        # A database as 0009 left it: the GIN index on the expression, no column.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP TRIGGER tf_task_search_bi ON tasks_task")
        cursor.execute("DROP INDEX tf_task_search_stored")
        cursor.execute("ALTER TABLE tasks_task DROP COLUMN tf_search_vector")
        cursor.execute(
            "CREATE INDEX tf_task_search ON tasks_task"
            " USING gin (tf_task_search_vector(title, description))"
        )
    assert search_backends.verify(connection) != []
    search_backends.upgrade(connection)
    assert search_backends.verify(connection) == []
    assert found(user, "upgrade") == ["Written before the upgrade"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('tf_task_search') IS NULL")
        assert cursor.fetchone()[0]  # the expression index is gone


# --- A search that finds its matches first (PostgreSQL, a user with many tasks) -------


@pytest.mark.skipif(connection.vendor == "mongodb", reason="only PostgreSQL reads this form")
def test_the_unindexed_scope_grants_exactly_what_the_indexed_one_does(user, other_user):
    theirs = project_services.project_create(actor=other_user, name="Theirs")
    private = project_services.project_create(actor=other_user, name="Private")
    Membership.objects.create(project=theirs, user=user, role=Role.VIEWER)
    make(user, "In the inbox")
    make(other_user, "Shared with me", project_id=theirs.pk)
    make(other_user, "Not shared", project_id=private.pk)
    trashed = make(user, "In the trash")
    trash.task_trash(actor=user, task=trashed)
    indexed = set(visible_tasks(user).values_list("title", flat=True))
    assert indexed == {"In the inbox", "Shared with me"}
    assert set(visible_tasks(user, scope_indexed=False).values_list("title", flat=True)) == indexed
    # The membership is read when the statement runs, as in the indexed form.
    project_services.member_remove(
        actor=other_user,
        membership=roles.get_membership_for(other_user, theirs.pk),
        user_id=user.pk,
    )
    assert list(visible_tasks(user, scope_indexed=False).values_list("title", flat=True)) == [
        "In the inbox"
    ]


def stats(shares: dict[str, float], tasks: float = 1000.0) -> search_backends._WordStats:
    return search_backends._WordStats(tasks=tasks, shares=shares, floor=min(shares.values()))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("plan", 500.0),  # a listed word: its share
        ("pla", 500.0 + 20.0),  # a prefix: every listed word it starts
        ("zeppelin", 10.0),  # unlisted: rarer than the rarest listed word
        ("plan zeppelin", 10.0),  # every word must match: the rarest bounds them
        ("pl", 1000.0),  # too short to estimate: assumed in every task
        ("pl zeppelin", 10.0),
    ],
)
def test_matches_are_estimated_from_the_shares_of_words(query, expected):
    shares = {"plan": 0.5, "plaster": 0.02, "invoice": 0.02, "memo": 0.01}
    found = search_backends.words(query)
    assert search_backends._estimated_matches(found, stats(shares)) == pytest.approx(expected)


def test_only_postgresql_and_a_user_with_many_tasks_read_matches_first(monkeypatch):
    counted = []

    def total() -> int:
        counted.append(1)
        return 50_000

    monkeypatch.setattr(
        search_backends, "_stats", lambda using: stats({"plan": 0.5, "memo": 0.001}, 100_000)
    )
    on_postgres = connection.vendor == "postgresql"
    assert search_backends.reads_matches_first("zeppelin", total) is on_postgres
    assert counted == ([1] if on_postgres else [])  # no count read elsewhere
    assert search_backends.reads_matches_first("plan", total) is False  # 50,000 matches
    assert search_backends.reads_matches_first("!!", total) is False  # no words
    assert search_backends.reads_matches_first("zeppelin", lambda: 19_999) is False


@PG_ONLY
@pytest.mark.parametrize("page", ["api", "html"])
def test_postgres_search_of_a_large_user_finds_matches_first_within_the_scope(
    user, other_user, monkeypatch, page
):
    theirs = project_services.project_create(actor=other_user, name="Theirs")
    side = project_services.project_create(actor=user, name="Side")
    for i in range(40):
        make(user, f"Common chore {i}", project_id=side.pk if i % 2 else None)
        make(other_user, f"Common chore of others {i}", project_id=theirs.pk)
    for i in range(3):
        make(user, f"Zeppelin ride {i}", project_id=side.pk if i % 2 else None)
        make(other_user, f"Zeppelin of others {i}", project_id=theirs.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_task")  # the statistics the estimate reads
    monkeypatch.setattr(search_backends, "_word_stats", {})
    monkeypatch.setattr(search_backends, "MATCHES_FIRST_FROM", 20)
    if page == "api":
        client, path = client_for(user), "/api/tasks/?search={}&page_size=100"
    else:
        client, path = Client(), "/tasks/?search={}&page_size=100"
        client.force_login(user)

    def search(word: str) -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path.format(word))
        assert response.status_code == 200
        vector = '"tasks_task"."tf_search_vector" @@'
        return response.content.decode(), [q["sql"] for q in queries if vector in q["sql"]]

    # A rare word: the search index first, the scope checked on each match.
    body, page_sql = search("zeppelin")
    assert [f"Zeppelin ride {i}" in body for i in range(3)] == [True] * 3
    assert "of others" not in body
    assert page_sql
    assert all("CASE WHEN" in sql for sql in page_sql)
    # A word in most of the database's tasks: the user's projects through their index.
    body, page_sql = search("common")
    assert "Common chore 39" in body
    assert "of others" not in body
    assert page_sql
    assert not any("CASE WHEN" in sql for sql in page_sql)
