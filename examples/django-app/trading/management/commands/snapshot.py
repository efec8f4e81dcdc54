"""``python manage.py snapshot``: store the Broker's state so start-up replays less."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from trading import host


class Command(BaseCommand):
    help = "Store a Broker snapshot as of the last journal entry."

    def handle(self, *args: Any, **options: Any) -> None:
        snap = host.take_snapshot()
        self.stdout.write(f"snapshot {snap.id} after journal entry {snap.journal_id} (state hash {snap.state_hash})")
