"""accounts.revocation: the database is the truth, a shared cache only speeds it up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts import revocation
from accounts.models import RevokedToken

pytestmark = pytest.mark.django_db


def later(days: int = 1):
    return timezone.now() + timedelta(days=days)


def test_revoke_is_true_once_then_false(user):
    assert revocation.revoke(jti="j1", kind="refresh", user_id=user.pk, expires_at=later())
    assert not revocation.revoke(jti="j1", kind="refresh", user_id=user.pk, expires_at=later())
    assert RevokedToken.objects.filter(jti="j1").count() == 1


def test_duplicate_revoke_leaves_the_enclosing_transaction_usable(user):
    with transaction.atomic():
        revocation.revoke(jti="j1", kind="refresh", user_id=user.pk, expires_at=later())
        revocation.revoke(jti="j1", kind="refresh", user_id=user.pk, expires_at=later())
        assert RevokedToken.objects.count() == 1  # would raise on a broken transaction


def test_in_process_cache_is_never_trusted_for_not_revoked(user, settings):
    settings.CACHE_IS_SHARED = False
    cache.set("revoked:j2", "0")  # a stale answer another process could not correct
    RevokedToken.objects.create(jti="j2", kind="session", user=user, expires_at=later())
    assert revocation.is_revoked("j2")


def test_shared_cache_answers_and_is_filled_from_the_database(user, settings):
    settings.CACHE_IS_SHARED = True
    assert not revocation.is_revoked("j3")
    assert cache.get("revoked:j3") == "0"
    revocation.revoke(jti="j3", kind="session", user_id=user.pk, expires_at=later())
    assert cache.get("revoked:j3") == "1"  # revoking overwrites the negative answer
    assert revocation.is_revoked("j3")


def test_prune_expired_deletes_only_expired(user):
    RevokedToken.objects.create(jti="old", kind="refresh", user=user, expires_at=later(-1))
    RevokedToken.objects.create(jti="new", kind="refresh", user=user, expires_at=later())
    assert revocation.prune_expired() == 1
    assert list(RevokedToken.objects.values_list("jti", flat=True)) == ["new"]
