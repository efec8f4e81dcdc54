"""Snapshot/restore to bytes, pickling, and journal replay."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Literal

import pytest

import brokerx


def busy_engine() -> tuple[brokerx.Engine, list[brokerx.Command]]:
    e = brokerx.Engine()
    cmds: list[brokerx.Command] = [brokerx.RegisterInstrument("ACME", "0.01", "1", ts=1_000)]
    for i in range(200):
        side: Literal["buy", "sell"] = "buy" if i % 2 else "sell"
        cmds.append(brokerx.Place(1 + i % 4, "ACME", side, f"{100 + (i * 7) % 13 - 6}.{i % 100:02d}", 1 + i % 9,
                                 ts=2_000 + i, correlation_id=i, client_order_id=f"c{i}"))
    cmds.append(brokerx.Place(9, 0, "buy", "99", 3, expire_at=50_000, ts=3_000))
    cmds.append(brokerx.Amend(1, 1, qty="1", ts=3_001))
    batch = e.submit_many(cmds)
    assert not [err for err in batch.errors if err[1].code not in {"unknown_order", "amend_qty_at_or_below_filled"}]
    return e, cmds


def test_snapshot_restore_then_continue_matches_never_snapshotting() -> None:
    e, _ = busy_engine()
    r = brokerx.Engine.restore(e.snapshot())
    assert r.state_hash() == e.state_hash() and r.snapshot() == e.snapshot()
    r.check_invariants()
    for eng in (e, r):
        eng.place(5, 0, "buy", "200", 50, ts=4_000)
    assert e.on_time(60_000) == r.on_time(60_000)
    assert r.state_hash() == e.state_hash()
    assert e.depth(0, "buy", 100) == r.depth(0, "buy", 100)


def test_pickle_and_deepcopy_round_trip() -> None:
    e, _ = busy_engine()
    for clone in (pickle.loads(pickle.dumps(e)), copy.deepcopy(e)):
        assert isinstance(clone, brokerx.Engine)
        assert clone.state_hash() == e.state_hash()
        assert clone.next_deadline() == e.next_deadline() == 50_000


def test_replaying_the_journal_rebuilds_the_same_state_and_events() -> None:
    e, cmds = busy_engine()
    journal = [json.dumps(c.to_dict()) for c in cmds]  # what a host would store
    again = brokerx.Engine()
    batch = again.submit_many(brokerx.command_from_dict(json.loads(j)) for j in journal)
    assert again.state_hash() == e.state_hash()
    first = brokerx.Engine().submit_many(cmds)
    assert batch.to_list() == first.to_list()
    assert json.dumps([ev.to_dict() for ev in batch])  # JSON-ready


@pytest.mark.parametrize("data", [b"", b"not json", b"{}", b'{"format_version": 99}'])
def test_bad_snapshots_raise_snapshot_error(data: bytes) -> None:
    with pytest.raises(brokerx.SnapshotError) as ei:
        brokerx.Engine.restore(data)
    assert ei.value.code.startswith("snapshot_")


def test_unsupported_snapshot_version_is_refused() -> None:
    e, _ = busy_engine()
    snap = json.loads(e.snapshot())
    snap["format_version"] = 99
    with pytest.raises(brokerx.SnapshotError) as ei:
        brokerx.Engine.restore(json.dumps(snap).encode())
    assert ei.value.code == "snapshot_version_unsupported"


def test_inconsistent_snapshot_is_refused() -> None:
    e, _ = busy_engine()
    snap = json.loads(e.snapshot())
    snap["orders"] = snap["orders"] + snap["orders"][:1]  # the same order twice
    with pytest.raises(brokerx.SnapshotError) as ei:
        brokerx.Engine.restore(json.dumps(snap).encode())
    assert ei.value.code == "snapshot_inconsistent"
