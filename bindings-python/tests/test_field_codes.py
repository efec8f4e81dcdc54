"""Refused field values give the core's code, the same as in Node: both suites
run testdata/refusals/field_codes.json (its `about` says the setup). The binding
only converts; a display or trigger <= 0 reaches the core, which refuses it with
`invalid_display` / `invalid_trigger_price`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import brokerx

TABLE = json.loads((Path(__file__).parents[2] / "testdata/refusals/field_codes.json").read_text())


def setup() -> tuple[brokerx.Engine, dict[str, int]]:
    e = brokerx.Engine()
    e.register_instrument("ACME", "0.01", "1", ts=1)
    e.place(1, "ACME", "sell", "100.00", "10", ts=2000)
    e.place(2, "ACME", "buy", "100.00", "1", ts=2000)
    iceberg = e.place(3, "ACME", "sell", "101.00", "10", display="3", ts=2000)[0].order_id  # type: ignore[union-attr]
    stop = e.place(3, "ACME", "buy", None, "5", trigger="105.00", ts=2000)[0].order_id  # type: ignore[union-attr]
    assert isinstance(iceberg, int) and isinstance(stop, int)
    return e, {"iceberg": iceberg, "stop": stop}


@pytest.mark.parametrize("case", TABLE["place"], ids=lambda c: json.dumps(c["fields"]))
def test_refused_place_fields_give_the_table_code_and_change_nothing(case: dict[str, Any]) -> None:
    e, _ = setup()
    fields = dict(case["fields"])
    price = fields.pop("price", "100.00")
    qty = fields.pop("qty", "10")
    before = (e.state_hash(), e.last_seq)
    with pytest.raises(brokerx.BrokerXError) as ei:
        e.place(2, "ACME", "buy", price, qty, ts=3000, **fields)
    assert ei.value.code == case["code"]
    assert (e.state_hash(), e.last_seq) == before


@pytest.mark.parametrize("case", TABLE["amend"], ids=lambda c: f"{c['order']} {json.dumps(c['fields'])}")
def test_refused_amend_fields_give_the_table_code_and_change_nothing(case: dict[str, Any]) -> None:
    e, orders = setup()
    before = (e.state_hash(), e.last_seq)
    with pytest.raises(brokerx.BrokerXError) as ei:
        e.amend(3, orders[case["order"]], ts=3000, **case["fields"])
    assert ei.value.code == case["code"]
    assert (e.state_hash(), e.last_seq) == before
