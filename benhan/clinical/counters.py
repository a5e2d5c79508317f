"""Gap-free numbers per scope, safe under concurrent callers on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import Counter


def next_number(scope: str) -> int:
    with transaction.atomic():
        counter = Counter.objects.select_for_update().filter(scope=scope).first()
        if counter is None:
            try:
                # A savepoint: losing the race to create the row must not spoil the caller's transaction.
                with transaction.atomic():
                    Counter.objects.create(scope=scope, last_number=1)
                return 1
            except IntegrityError:
                counter = Counter.objects.select_for_update().get(scope=scope)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        return counter.last_number
