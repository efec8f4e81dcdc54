"""The shared ledger scenario files (testdata/scenarios/ledger/*.txt), replayed
through Python with the same checks as ledger/tests/scenarios.rs."""

from __future__ import annotations

from pathlib import Path

import pytest

import brokerx

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "testdata" / "scenarios" / "ledger").glob("*.txt"))
I128_MAX = (1 << 127) - 1
U128_MAX = (1 << 128) - 1


def amount(s: str) -> int:
    return {"max": I128_MAX, "u128max": U128_MAX}.get(s) or int(s)


def acct(s: str) -> tuple[int, int]:
    owner, asset = s.split(":")
    return int(owner), int(asset)


def kv(args: list[str]) -> dict[str, str]:
    return dict(a.split("=", 1) for a in args if "=" in a)


def transfer(kind: str, args: list[str]) -> brokerx.Transfer:
    m = kv(args)
    flags = {"single": 0, "pending": brokerx.Transfer.PENDING, "post": brokerx.Transfer.POST_PENDING,
             "post_part": brokerx.Transfer.POST_PART, "void": brokerx.Transfer.VOID_PENDING}[kind]
    if "linked" in args:
        flags |= brokerx.Transfer.LINKED
    if "flags" in m:
        flags = int(m["flags"]) | (brokerx.Transfer.LINKED if "linked" in args else 0)
    return brokerx.Transfer(
        int(m.get("id", "0")),
        debit=acct(m["debit"]) if "debit" in m else None,
        credit=acct(m["credit"]) if "credit" in m else None,
        amount_minor=amount(m["amount"]) if "amount" in m else 0,
        pending_id=int(m.get("pending", "0")),
        timeout_ns=int(m.get("timeout", "0")),
        code=int(m.get("code", "1")),
        flags=flags,
        user_data=int(m.get("user_data", "0")),
    )


class Runner:
    def __init__(self, name: str) -> None:
        self.name = name
        self.transfer_limits: list[tuple[int, int, int]] = []
        self.daily_limits: list[tuple[int, int, str, int]] = []
        self.wallet_limits: list[tuple[int, int]] = []
        self.ledger: brokerx.Ledger | None = None
        self.now = 0
        self.batch: list[brokerx.Transfer] | None = None
        self.statuses: list[str] = []
        self.error: str | None = None
        self.expired: list[int] = []
        self.checked = 0

    def led(self) -> brokerx.Ledger:
        if self.ledger is None:
            self.ledger = brokerx.Ledger(transfer_limits=self.transfer_limits, daily_limits=self.daily_limits,  # type: ignore[arg-type]
                                         wallet_limits=self.wallet_limits)
        return self.ledger

    def submit(self, batch: list[brokerx.Transfer]) -> None:
        try:
            self.statuses = [r.status for r in self.led().submit(batch, ts=self.now)]
            self.error = None
        except brokerx.BrokerXError as e:
            self.statuses, self.error = [], e.code

    def setup(self, fn: object, *args: object, **kw: object) -> None:
        try:
            fn(*args, **kw)  # type: ignore[operator]
            self.error = None
        except brokerx.BrokerXError as e:
            self.error = e.code

    def run(self, no: int, line: str) -> None:
        where = f"{self.name}:{no}"
        cmd, *args = line.split()
        if self.batch is not None and cmd != "end":
            self.batch.append(transfer(cmd, args))
            return
        L = self.led() if cmd not in ("transfer_limit", "daily_limit", "wallet_limit") else None
        if cmd == "transfer_limit":
            self.transfer_limits.append((int(args[0]), int(args[1]), amount(args[2])))
        elif cmd == "wallet_limit":
            self.wallet_limits.append((int(args[0]), amount(args[1])))
        elif cmd == "daily_limit":
            self.daily_limits.append((int(args[0]), int(args[1]), args[2], amount(args[3])))
        elif cmd == "time":
            self.now = int(args[0])
        elif cmd == "asset":
            assert L is not None
            self.setup(L.create_asset, int(args[0]), args[1], int(args[2]), ts=self.now)
        elif cmd == "account":
            assert L is not None
            m = kv(args)
            self.setup(L.create_account, *acct(args[0]), system=args[1] == "system",
                       max_balance_minor=amount(m["max"]) if "max" in m else None, ts=self.now)
        elif cmd == "batch":
            self.batch = []
        elif cmd == "end":
            assert self.batch is not None, where
            batch, self.batch = self.batch, None
            self.submit(batch)
        elif cmd in ("single", "pending", "post", "post_part", "void"):
            self.submit([transfer(cmd, args)])
        elif cmd == "on_time":
            assert L is not None
            try:
                self.expired = L.on_time(int(args[0]))
                self.now, self.error = int(args[0]), None
            except brokerx.BrokerXError as e:
                self.expired, self.error = [], e.code
        elif cmd.startswith("expect"):
            assert L is not None
            self.check(L, where, cmd, args)
            self.checked += 1
        else:
            raise AssertionError(f"{where}: unknown command {cmd}")
        if self.ledger is not None:
            self.ledger.check_invariants()

    def check(self, L: brokerx.Ledger, where: str, cmd: str, args: list[str]) -> None:
        if cmd == "expect":
            assert self.statuses == args, f"{where}: expected {args}, got {self.statuses}"
        elif cmd == "expect_error":
            assert self.error == (args[0] if args else None), f"{where}: expected error {args}, got {self.error}"
        elif cmd == "expect_expired":
            assert self.expired == [int(a) for a in args], f"{where}: expired {self.expired}"
        elif cmd == "expect_balance":
            b = L.balance(*acct(args[0]))
            assert b is not None, f"{where}: no account {args[0]}"
            got = b.to_minor()
            for k, v in kv(args).items():
                assert got[k] == int(v), f"{where}: {k} of {args[0]}: expected {v}, got {got[k]}"
        elif cmd == "expect_hold":
            h = L.hold(int(args[0]))
            assert h is not None, f"{where}: no hold {args[0]}"
            for k, v in kv(args).items():
                field: object = {"state": h.state, "pending_amount": h.pending_amount_minor,
                                 "posted_amount": h.posted_amount_minor}[k]
                assert field == (v if k == "state" else amount(v)), f"{where}: hold {k} is {field}, not {v}"
        elif cmd == "expect_no_hold":
            assert L.hold(int(args[0])) is None, where
        elif cmd == "expect_holds_of":
            assert [h.id for h in L.holds_of(*acct(args[0]))] == [int(a) for a in args[1:]], where
        elif cmd == "expect_totals":
            t = L.totals_minor(int(args[0]))
            assert t is not None, where
            for k, v in kv(args).items():
                assert {"posted": t[0], "pending": t[1]}[k] == amount(v), f"{where}: totals {k}"
        elif cmd == "expect_deadline":
            assert L.next_deadline() == (None if args[0] == "none" else int(args[0])), where
        elif cmd == "expect_entries":
            assert L.entries_of(*acct(args[0])) == int(args[1]), where
        else:
            raise AssertionError(f"{where}: unknown expectation {cmd}")


def test_ledger_scenario_files_exist() -> None:
    assert SCENARIOS, "no ledger scenario files"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_ledger_scenario(path: Path) -> None:
    r = Runner(path.name)
    for no, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            r.run(no, line)
    assert r.batch is None, "batch without end"
    assert r.checked > 0
    L = r.led()
    replayed = brokerx.Ledger.replay(L.journal(), transfer_limits=r.transfer_limits, daily_limits=r.daily_limits,  # type: ignore[arg-type]
                                     wallet_limits=r.wallet_limits)
    assert replayed.state_hash() == L.state_hash()
