// The shared ledger scenario files (testdata/scenarios/ledger/*.txt), replayed
// through Node. Same commands and checks as ledger/tests/scenarios.rs and
// bindings-python/tests/test_ledger_scenarios.py; invariants after every command;
// at the end the journal is replayed into a new ledger with the same state hash.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const bx = require("..");

const DIR = path.resolve(__dirname, "../../testdata/scenarios/ledger");
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith(".txt")).sort();
const I128_MAX = (1n << 127n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
const FLAGS = { single: 0, pending: 2, post: 4, post_part: 32, void: 8 };
const LINKED = 1;

const amount = (s) => (s === "max" ? I128_MAX : s === "u128max" ? U128_MAX : BigInt(s));
const acct = (s) => {
  const [owner, asset] = s.split(":");
  return { owner: BigInt(owner), asset: Number(asset) };
};
const kv = (args) => Object.fromEntries(args.filter((a) => a.includes("=")).map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));

function transfer(kind, args) {
  const m = kv(args);
  let flags = "flags" in m ? Number(m.flags) : FLAGS[kind];
  if (args.includes("linked")) flags |= LINKED;
  return {
    id: BigInt(m.id ?? "0"),
    flags,
    debit: m.debit ? acct(m.debit) : undefined,
    credit: m.credit ? acct(m.credit) : undefined,
    amount: m.amount !== undefined ? amount(m.amount) : 0n,
    pendingId: BigInt(m.pending ?? "0"),
    timeoutNs: BigInt(m.timeout ?? "0"),
    code: Number(m.code ?? "1"),
    userData: BigInt(m.user_data ?? "0"),
  };
}

class Runner {
  constructor(name) {
    this.name = name;
    this.config = { transferLimits: [], dailyLimits: [], walletLimits: [] };
    this.ledger = null;
    this.now = 0n;
    this.batch = null;
    this.statuses = [];
    this.error = null;
    this.expired = [];
    this.checked = 0;
  }
  led() {
    if (!this.ledger) this.ledger = new bx.Ledger(this.config);
    return this.ledger;
  }
  attempt(f) {
    try {
      const r = f();
      this.error = null;
      return r;
    } catch (e) {
      assert.ok(e instanceof bx.BrokerXError, `${this.name}: untyped ${e}`);
      this.error = e.code;
      return undefined;
    }
  }
  submit(batch) {
    const r = this.attempt(() => this.led().submit(batch, { ts: this.now }));
    this.statuses = r ? r.map((x) => x.status) : [];
  }
  run(no, line) {
    const where = `${this.name}:${no}`;
    const [cmd, ...args] = line.split(/\s+/);
    if (this.batch !== null && cmd !== "end") {
      this.batch.push(transfer(cmd, args));
      return;
    }
    const c = this.config;
    if (cmd === "transfer_limit") c.transferLimits.push({ code: Number(args[0]), asset: Number(args[1]), maxAmount: amount(args[2]) });
    else if (cmd === "wallet_limit") c.walletLimits.push({ asset: Number(args[0]), maxBalance: amount(args[1]) });
    else if (cmd === "daily_limit") c.dailyLimits.push({ code: Number(args[0]), asset: Number(args[1]), side: args[2], maxPerDay: amount(args[3]) });
    else if (cmd === "time") this.now = BigInt(args[0]);
    else if (cmd === "asset") this.attempt(() => this.led().createAsset(Number(args[0]), args[1], Number(args[2]), { ts: this.now }));
    else if (cmd === "account") {
      const m = kv(args);
      const { owner, asset } = acct(args[0]);
      this.attempt(() => this.led().createAccount(owner, asset, {
        system: args[1] === "system", maxBalance: "max" in m ? amount(m.max) : undefined, ts: this.now,
      }));
    } else if (cmd === "batch") this.batch = [];
    else if (cmd === "end") {
      assert.ok(this.batch !== null, where);
      const b = this.batch;
      this.batch = null;
      this.submit(b);
    } else if (cmd in FLAGS) this.submit([transfer(cmd, args)]);
    else if (cmd === "on_time") {
      const r = this.attempt(() => this.led().onTime(BigInt(args[0])));
      this.expired = r ?? [];
      if (r) this.now = BigInt(args[0]);
    } else if (cmd.startsWith("expect")) {
      this.check(this.led(), where, cmd, args);
      this.checked += 1;
    } else assert.fail(`${where}: unknown command ${cmd}`);
    if (this.ledger) this.ledger.checkInvariants();
  }
  check(L, where, cmd, args) {
    if (cmd === "expect") assert.deepEqual(this.statuses, args, where);
    else if (cmd === "expect_error") assert.equal(this.error, args[0] ?? null, where);
    else if (cmd === "expect_expired") assert.deepEqual(this.expired, args.map(BigInt), where);
    else if (cmd === "expect_balance") {
      const { owner, asset } = acct(args[0]);
      const b = L.balance(owner, asset);
      assert.ok(b, `${where}: no account ${args[0]}`);
      const names = { posted: "posted", available: "available", debits_pending: "debitsPending", credits_pending: "creditsPending", debits_posted: "debitsPosted", credits_posted: "creditsPosted" };
      for (const [k, v] of Object.entries(kv(args))) assert.equal(b[names[k]], BigInt(v), `${where}: ${k} of ${args[0]}`);
    } else if (cmd === "expect_hold") {
      const h = L.hold(BigInt(args[0]));
      assert.ok(h, `${where}: no hold ${args[0]}`);
      for (const [k, v] of Object.entries(kv(args))) {
        const got = { state: h.state, pending_amount: h.pendingAmount, posted_amount: h.postedAmount }[k];
        assert.equal(got, k === "state" ? v : amount(v), `${where}: hold ${k}`);
      }
    } else if (cmd === "expect_no_hold") assert.equal(L.hold(BigInt(args[0])), null, where);
    else if (cmd === "expect_holds_of") {
      const { owner, asset } = acct(args[0]);
      assert.deepEqual(L.holdsOf(owner, asset), args.slice(1).map(BigInt), where);
    } else if (cmd === "expect_totals") {
      const t = L.totals(Number(args[0]));
      assert.ok(t, where);
      for (const [k, v] of Object.entries(kv(args))) assert.equal(t[k], amount(v), `${where}: totals ${k}`);
    } else if (cmd === "expect_deadline") assert.equal(L.nextDeadline(), args[0] === "none" ? null : BigInt(args[0]), where);
    else if (cmd === "expect_entries") {
      const { owner, asset } = acct(args[0]);
      assert.equal(L.entriesOf(owner, asset), Number(args[1]), where);
    } else assert.fail(`${where}: unknown expectation ${cmd}`);
  }
}

test("the shared ledger scenario files are there", () => {
  assert.ok(FILES.length >= 5, `no ledger scenarios under ${DIR}`);
});

for (const file of FILES) {
  test(`ledger scenario ${file}`, () => {
    const r = new Runner(file);
    fs.readFileSync(path.join(DIR, file), "utf8").split("\n").forEach((raw, i) => {
      const line = raw.split("#")[0].trim();
      if (line) r.run(i + 1, line);
    });
    assert.equal(r.batch, null, "batch without end");
    assert.ok(r.checked > 0);
    const L = r.led();
    const replayed = bx.Ledger.replay(L.journal(), r.config);
    assert.equal(replayed.stateHash(), L.stateHash());
    const restored = bx.Ledger.restore(L.snapshot());
    assert.equal(restored.stateHash(), L.stateHash());
  });
}

test("ledger arguments are typed: amounts are bigints, never numbers", () => {
  const L = new bx.Ledger();
  L.createAsset(1, "USD", 2, { ts: 1n });
  L.createAccount(1n, 1, { system: true, ts: 1n });
  L.createAccount(2n, 1, { ts: 1n });
  const hash = L.stateHash();
  assert.throws(() => L.submit([{ id: 1n, debit: { owner: 1n, asset: 1 }, credit: { owner: 2n, asset: 1 }, amount: 100 }]), (e) => e instanceof TypeError && /amount/.test(e.message));
  assert.throws(() => L.submit([{ id: 1n, kind: "teleport" }]), RangeError);
  assert.throws(() => L.submit({}), TypeError);
  assert.throws(() => L.createAccount(-1n, 1), RangeError);
  assert.equal(L.stateHash(), hash);
  const [r] = L.submit([{ id: 1n, debit: { owner: 1n, asset: 1 }, credit: { owner: 2n, asset: 1 }, amount: 100n }], { ts: 2n });
  assert.deepEqual(r, { id: 1n, status: "ok" });
  assert.equal(L.balance(2n, 1).posted, 100n);
  assert.throws(() => L.createAsset(1, "USD", 2, { ts: 3n }), (e) => e instanceof bx.InvalidAccount && e.code === "asset_exists");
  L.close();
  assert.throws(() => L.balance(2n, 1), bx.ClosedError);
});
