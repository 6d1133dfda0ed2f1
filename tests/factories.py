from __future__ import annotations

from typing import Any

import factory

from accounts.models import User
from projects.inbox import inbox_id_of
from tasks import counters
from tasks.models import Priority, Status, Task

DEFAULT_PASSWORD = "correct horse battery 9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TaskFactory(factory.django.DjangoModelFactory):
    """Builds rows directly; tests of behaviour go through services or the API. The
    task counters (tasks.counters) are kept as the write path would keep them, so stats
    read through them count factory rows too."""

    class Meta:
        model = Task

    @classmethod
    def _create(cls, model_class: type[Task], *args: Any, **kwargs: Any) -> Task:
        task = super()._create(model_class, *args, **kwargs)
        counters.apply(counters.contribution(task))
        return task

    owner = factory.SubFactory(UserFactory)
    # The owner's Inbox unless a test names a project.
    project_id = factory.LazyAttribute(lambda o: inbox_id_of(o.owner))
    title = factory.Faker("sentence", nb_words=4)
    description = factory.Faker("paragraph")
    status = Status.TODO
    priority = Priority.MEDIUM
    tags = factory.LazyFunction(list)
