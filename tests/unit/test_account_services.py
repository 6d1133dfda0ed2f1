"""accounts.services: registration, profile, password change and sign-out-everywhere."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import User
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_register_normalises_email_and_name():
    user = services.user_register(
        email="  Mixed@Example.COM ", password=DEFAULT_PASSWORD, name=" N "
    )
    assert (user.email, user.name) == ("mixed@example.com", "N")
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("ALICE@example.com", DEFAULT_PASSWORD, "email"),
        ("new@example.com", "short", "password"),
        ("new@example.com", "12345678901", "password"),
        ("new@example.com", "new@example.com", "password"),
        ("not an email", DEFAULT_PASSWORD, "email"),
    ],
)
def test_register_rejects(user, email, password, field):
    with pytest.raises(ValidationError) as caught:
        services.user_register(email=email, password=password)
    assert field in caught.value.message_dict
    assert User.objects.count() == 1


def test_update_profile(user):
    services.user_update_profile(user=user, changes={"email": "NEW@example.com", "bio": " hi "})
    user.refresh_from_db()
    assert (user.email, user.bio) == ("new@example.com", "hi")


@pytest.mark.parametrize(
    "changes",
    [{"email": "bob@example.com"}, {"bio": "b" * 201}, {"is_staff": True}, {"password": "x"}],
)
def test_update_profile_rejects(user, other_user, changes):
    with pytest.raises(ValidationError):
        services.user_update_profile(user=user, changes=changes)
    user.refresh_from_db()
    assert (user.email, user.is_staff) == ("alice@example.com", False)


def test_revoke_all_bumps_generation_and_ends_browser_sessions(user):
    session_hash = user.get_session_auth_hash()
    services.user_revoke_all_tokens(user=user)
    assert user.token_generation == 1
    assert User.objects.get(pk=user.pk).token_generation == 1
    assert user.get_session_auth_hash() != session_hash


def test_change_password_checks_old_and_validates_new(user):
    with pytest.raises(ValidationError) as wrong:
        services.user_change_password(
            user=user, old_password="nope", new_password="a fresh passphrase 3"
        )
    assert "old_password" in wrong.value.message_dict
    with pytest.raises(ValidationError) as weak:
        services.user_change_password(user=user, old_password=DEFAULT_PASSWORD, new_password="1")
    assert "new_password" in weak.value.message_dict
    assert User.objects.get(pk=user.pk).token_generation == 0


def test_change_password_sets_it_and_revokes_tokens(user):
    services.user_change_password(
        user=user, old_password=DEFAULT_PASSWORD, new_password="a fresh passphrase 3"
    )
    stored = User.objects.get(pk=user.pk)
    assert stored.check_password("a fresh passphrase 3")
    assert stored.token_generation == 1


def test_set_password_validates_sets_and_revokes_tokens(user):
    with pytest.raises(ValidationError) as caught:
        services.user_set_password(user=user, password="short")
    assert "password" in caught.value.message_dict
    assert user.check_password(DEFAULT_PASSWORD)
    generation = user.token_generation
    services.user_set_password(user=user, password="a brand new pass 42")
    user.refresh_from_db()
    assert user.check_password("a brand new pass 42")
    assert user.token_generation == generation + 1
