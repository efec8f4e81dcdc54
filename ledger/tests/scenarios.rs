//! Replays every scenario file under `testdata/scenarios/ledger/` (format in
//! that folder's README.md). Invariants are checked after every command,
//! and every scenario ends with a journal replay that must reproduce the
//! state hash.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use brokerx_ledger::*;

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/scenarios/ledger")
}

struct Runner {
    file: String,
    line_no: usize,
    config: LedgerConfig,
    ledger: Option<Ledger>,
    now: u64,
    batch: Option<Vec<Transfer>>,
    last_statuses: Vec<TransferStatus>,
    last_error: Option<String>,
    last_expired: Vec<TransferId>,
}

impl Runner {
    fn fail(&self, msg: impl std::fmt::Display) -> ! {
        panic!("{}:{}: {}", self.file, self.line_no, msg)
    }

    fn ledger(&mut self) -> &mut Ledger {
        if self.ledger.is_none() {
            self.ledger = Some(Ledger::new(self.config.clone()));
        }
        self.ledger.as_mut().unwrap()
    }

    fn num<T: std::str::FromStr>(&self, s: &str) -> T {
        s.parse().unwrap_or_else(|_| self.fail(format!("not a number: {s}")))
    }

    fn amount(&self, s: &str) -> Amount {
        match s {
            "max" => Amount::MAX,
            "u128max" => Amount::from_minor(u128::MAX),
            _ => Amount::from_minor(self.num(s)),
        }
    }

    fn key(&self, s: &str) -> AccountKey {
        let Some((owner, asset)) = s.split_once(':') else {
            self.fail(format!("account must be owner:asset, got {s}"))
        };
        AccountKey::new(self.num(owner), self.num(asset))
    }

    fn kv<'a>(&self, tokens: &[&'a str]) -> BTreeMap<&'a str, &'a str> {
        tokens.iter().filter_map(|t| t.split_once('=')).collect()
    }

    fn transfer(&self, kind: &str, tokens: &[&str]) -> Transfer {
        let kv = self.kv(tokens);
        let get = |k: &str| kv.get(k).copied();
        let id = TransferId(get("id").map_or(0, |v| self.num(v)));
        let code = TransferCode(get("code").map_or(1, |v| self.num(v)));
        let amount = get("amount").map_or(Amount::ZERO, |v| self.amount(v));
        let debit = get("debit").map_or(AccountKey::UNSET, |v| self.key(v));
        let credit = get("credit").map_or(AccountKey::UNSET, |v| self.key(v));
        let pending_id = TransferId(get("pending").map_or(0, |v| self.num(v)));
        let timeout = get("timeout").map_or(0, |v| self.num(v));
        let mut t = match kind {
            "single" => Transfer::single(id, debit, credit, amount, code),
            "pending" => Transfer::pending(id, debit, credit, amount, code, timeout),
            "post" => Transfer::post(id, pending_id, amount, code),
            "post_part" => Transfer::post_part(id, pending_id, amount, code),
            "void" => Transfer::void(id, pending_id, code),
            _ => self.fail(format!("unknown transfer kind {kind}")),
        };
        if matches!(kind, "post" | "post_part" | "void") {
            t.debit_account = debit;
            t.credit_account = credit;
            if kind == "void" {
                t.amount = amount;
            }
        }
        if kind != "pending" {
            t.timeout_ns = timeout;
        }
        if !matches!(kind, "post" | "post_part" | "void") {
            t.pending_id = pending_id;
        }
        if let Some(f) = get("flags") {
            t.flags = TransferFlags(self.num(f));
        }
        if let Some(u) = get("user_data") {
            t.user_data = self.num(u);
        }
        if tokens.contains(&"linked") {
            t = t.linked();
        }
        t
    }

    fn submit(&mut self, batch: Vec<Transfer>) {
        let now = Timestamp(self.now);
        let mut out = Vec::new();
        match self.ledger().submit(now, &batch, &mut out) {
            Ok(()) => {
                self.last_statuses = out.iter().map(|r| r.status).collect();
                self.last_error = None;
            }
            Err(e) => {
                self.last_statuses.clear();
                self.last_error = Some(e.code().to_string());
            }
        }
    }

    fn run_line(&mut self, line: &str) {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some((&cmd, args)) = tokens.split_first() else {
            return;
        };
        if self.batch.is_some() {
            if cmd == "end" {
                let batch = self.batch.take().unwrap_or_default();
                self.submit(batch);
            } else {
                let t = self.transfer(cmd, args);
                if let Some(batch) = self.batch.as_mut() {
                    batch.push(t);
                }
            }
            return;
        }
        let _ = self.ledger();
        match cmd {
            "transfer_limit" | "daily_limit" | "wallet_limit" => {
                if self.ledger.as_ref().is_some_and(|l| !l.journal().is_empty()) {
                    self.fail("policy lines must come before anything else");
                }
                if cmd == "wallet_limit" {
                    self.config
                        .policy
                        .wallet_limits
                        .push(WalletLimit { asset: AssetId(self.num(args[0])), max_balance: self.amount(args[1]) });
                } else if cmd == "transfer_limit" {
                    self.config.policy.transfer_limits.push(TransferLimit {
                        code: TransferCode(self.num(args[0])),
                        asset: AssetId(self.num(args[1])),
                        max_amount: self.amount(args[2]),
                    });
                } else {
                    let side = match args[2] {
                        "debit" => LimitSide::Debit,
                        "credit" => LimitSide::Credit,
                        s => self.fail(format!("side must be debit or credit, got {s}")),
                    };
                    self.config.policy.daily_limits.push(DailyLimit {
                        code: TransferCode(self.num(args[0])),
                        asset: AssetId(self.num(args[1])),
                        side,
                        max_per_day: self.amount(args[3]),
                    });
                }
                self.ledger = Some(Ledger::new(self.config.clone()));
            }
            "time" => self.now = self.num(args[0]),
            "asset" => {
                let spec =
                    AssetSpec { id: AssetId(self.num(args[0])), code: args[1].to_string(), scale: self.num(args[2]) };
                let now = Timestamp(self.now);
                let r = self.ledger().create_asset(now, spec);
                self.last_error = r.err().map(|e| e.code().to_string());
            }
            "account" => {
                let key = self.key(args[0]);
                let mut spec = match args.get(1).copied() {
                    Some("wallet") => AccountSpec::wallet(key),
                    Some("system") => AccountSpec::system(key),
                    other => self.fail(format!("account kind must be wallet or system: {other:?}")),
                };
                if let Some(max) = self.kv(args).get("max") {
                    spec = spec.with_max_balance(self.amount(max));
                }
                let now = Timestamp(self.now);
                let r = self.ledger().create_account(now, spec);
                self.last_error = r.err().map(|e| e.code().to_string());
            }
            "batch" => self.batch = Some(Vec::new()),
            "single" | "pending" | "post" | "post_part" | "void" => {
                let t = self.transfer(cmd, args);
                self.submit(vec![t]);
            }
            "on_time" => {
                let now = Timestamp(self.num(args[0]));
                let mut expired = Vec::new();
                match self.ledger().on_time(now, &mut expired) {
                    Ok(()) => {
                        self.now = now.0;
                        self.last_error = None;
                    }
                    Err(e) => self.last_error = Some(e.code().to_string()),
                }
                self.last_expired = expired;
            }
            "expect" => {
                let want: Vec<&str> = args.to_vec();
                let got: Vec<&str> = self.last_statuses.iter().map(|s| s.code()).collect();
                if want != got {
                    self.fail(format!("expected {want:?}, got {got:?}"));
                }
            }
            "expect_error" => {
                let want = args.first().copied();
                if self.last_error.as_deref() != want {
                    self.fail(format!("expected error {want:?}, got {:?}", self.last_error));
                }
            }
            "expect_expired" => {
                let want: Vec<TransferId> = args.iter().map(|a| TransferId(self.num(a))).collect();
                if want != self.last_expired {
                    self.fail(format!("expected expired {want:?}, got {:?}", self.last_expired));
                }
            }
            "expect_balance" => {
                let key = self.key(args[0]);
                let Some(b) = self.ledger().balance(key) else { self.fail(format!("no account {key:?}")) };
                for (k, v) in self.kv(args) {
                    let got: i128 = match k {
                        "posted" => b.posted(),
                        "available" => b.available(),
                        "debits_pending" => b.debits_pending.minor() as i128,
                        "credits_pending" => b.credits_pending.minor() as i128,
                        "debits_posted" => b.debits_posted.minor() as i128,
                        "credits_posted" => b.credits_posted.minor() as i128,
                        _ => self.fail(format!("unknown balance field {k}")),
                    };
                    let want: i128 = self.num(v);
                    if got != want {
                        self.fail(format!("{k} of {key:?}: expected {want}, got {got}"));
                    }
                }
            }
            "expect_hold" => {
                let id = TransferId(self.num(args[0]));
                let Some(h) = self.ledger().hold(id) else { self.fail(format!("no hold {id:?}")) };
                for (k, v) in self.kv(args) {
                    let ok = match k {
                        "state" => format!("{:?}", h.state).to_lowercase() == v,
                        "pending_amount" => h.pending_amount() == self.amount(v),
                        "posted_amount" => h.posted_amount == self.amount(v),
                        _ => self.fail(format!("unknown hold field {k}")),
                    };
                    if !ok {
                        self.fail(format!("hold {id:?}: {k} is not {v}: {h:?}"));
                    }
                }
            }
            "expect_no_hold" => {
                let id = TransferId(self.num(args[0]));
                if self.ledger().hold(id).is_some() {
                    self.fail(format!("hold {id:?} exists"));
                }
            }
            "expect_holds_of" => {
                let key = self.key(args[0]);
                let want: Vec<u128> = args[1..].iter().map(|a| self.num(a)).collect();
                let got: Vec<u128> = self.ledger().holds_of(key).iter().map(|h| h.id.0).collect();
                if want != got {
                    self.fail(format!("holds of {key:?}: expected {want:?}, got {got:?}"));
                }
            }
            "expect_totals" => {
                let asset = AssetId(self.num(args[0]));
                let Some(t) = self.ledger().totals(asset) else { self.fail(format!("no asset {asset:?}")) };
                for (k, v) in self.kv(args) {
                    let got = match k {
                        "posted" => t.posted,
                        "pending" => t.pending,
                        _ => self.fail(format!("unknown totals field {k}")),
                    };
                    if got != self.amount(v) {
                        self.fail(format!("totals {k}: expected {v}, got {got}"));
                    }
                }
            }
            "expect_deadline" => {
                let want = match args[0] {
                    "none" => None,
                    v => Some(Timestamp(self.num(v))),
                };
                let got = self.ledger().next_deadline();
                if want != got {
                    self.fail(format!("deadline: expected {want:?}, got {got:?}"));
                }
            }
            "expect_entries" => {
                let key = self.key(args[0]);
                let want: usize = self.num(args[1]);
                let got = self.ledger().entries_of(key).len();
                if want != got {
                    self.fail(format!("entries of {key:?}: expected {want}, got {got}"));
                }
            }
            _ => self.fail(format!("unknown command {cmd}")),
        }
        if let Some(l) = self.ledger.as_ref() {
            if let Err(e) = l.check_invariants() {
                self.fail(e);
            }
        }
    }
}

fn run_file(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = Runner {
        file: path.file_name().unwrap().to_string_lossy().into_owned(),
        line_no: 0,
        config: LedgerConfig::default(),
        ledger: None,
        now: 0,
        batch: None,
        last_statuses: Vec::new(),
        last_error: None,
        last_expired: Vec::new(),
    };
    let mut expects = 0;
    for (i, raw) in text.lines().enumerate() {
        r.line_no = i + 1;
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.starts_with("expect") {
            expects += 1;
        }
        r.run_line(line);
    }
    if r.batch.is_some() {
        r.fail("batch without end");
    }
    let ledger = r.ledger();
    let replayed = Ledger::replay(ledger.config().clone(), ledger.journal()).unwrap();
    assert_eq!(replayed.state_hash(), ledger.state_hash(), "{}", r.file);
    expects
}

#[test]
fn every_ledger_scenario_file_passes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "scenario files missing");
    for f in &files {
        let expects = run_file(f);
        assert!(expects > 0, "{} checks nothing", f.display());
    }
}
