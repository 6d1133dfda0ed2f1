"""The board tests reuse the projects world: one project with a member per role."""

from tests.projects.conftest import World, add_member, world  # noqa: F401
