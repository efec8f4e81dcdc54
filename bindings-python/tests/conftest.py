"""Shared fixtures: an engine with one instrument, ACME (tick 0.01, lot 1)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import brokerx

MARKET_DATA = (brokerx.LevelChanged, brokerx.BboChanged)


@pytest.fixture
def eng() -> brokerx.Engine:
    e = brokerx.Engine()
    e.register_instrument("ACME", "0.01", "1", ts=1_000)
    return e


def trading(events: Sequence[brokerx.Event]) -> list[brokerx.Event]:
    """The events without L2/BBO market data."""
    return [e for e in events if not isinstance(e, MARKET_DATA)]


def names(events: Sequence[brokerx.Event]) -> list[str]:
    return [type(e).__name__ for e in trading(events)]


def accepted_id(events: Sequence[brokerx.Event]) -> int:
    ev = events[0]
    assert isinstance(ev, brokerx.Accepted), ev
    return ev.order_id
