"""The journal (commands + the events they produced: also the outbox) and the
read models written in the same transaction."""

from __future__ import annotations

from django.db import models


class JournalEntry(models.Model):
    """One accepted command, in apply order. Replaying `command` in `id` order
    rebuilds the engine; `events` is the outbox a relay publishes from."""

    KIND_COMMAND = "command"
    KIND_DEPOSIT = "deposit"

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16)
    correlation_id = models.BigIntegerField(db_index=True)
    command = models.JSONField()
    events = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    published = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["id"]


class IdempotencyKey(models.Model):
    """A request already answered: the same key and request get the same answer."""

    key = models.CharField(max_length=128)
    account = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64)
    status = models.IntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="uniq_idempotency_key")]


class Balance(models.Model):
    account = models.BigIntegerField()
    asset = models.CharField(max_length=16)
    amount = models.DecimalField(max_digits=38, decimal_places=18, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "asset"], name="uniq_balance")]


class TradeRecord(models.Model):
    trade_id = models.BigIntegerField(unique=True)
    symbol = models.CharField(max_length=32, db_index=True)
    price = models.DecimalField(max_digits=38, decimal_places=18)
    qty = models.DecimalField(max_digits=38, decimal_places=18)
    aggressor = models.CharField(max_length=4)
    maker_order_id = models.BigIntegerField()
    maker_account = models.BigIntegerField()
    taker_order_id = models.BigIntegerField()
    taker_account = models.BigIntegerField()
    ts = models.BigIntegerField()
    seq = models.BigIntegerField()

    class Meta:
        ordering = ["trade_id"]



class Snapshot(models.Model):
    """The Broker's state after journal entry ``journal_id``: start-up restores the
    latest one and replays only the entries after it."""

    id = models.BigAutoField(primary_key=True)
    journal_id = models.BigIntegerField()
    state_hash = models.CharField(max_length=20)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
