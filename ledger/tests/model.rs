//! The ledger against a naive reference model on random batches.
//!
//! The model is written separately and plainly: `BTreeMap`s, linked chains
//! done by cloning the whole model and restoring it on failure, no undo
//! log, no indexes. After every batch the two must agree on every status,
//! every balance column and every hold; the ledger's invariants must hold;
//! and the model must conserve (debits = credits per asset). At the end,
//! replaying the journal must reproduce the state hash.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use brokerx_ledger::*;
use proptest::prelude::*;

const USD: AssetId = AssetId(1);
const BTC: AssetId = AssetId(2);
// The test's own codes for holds and their settlement (the ledger names only generic ones).
const SETTLE: TransferCode = TransferCode(3);
const HOLD: TransferCode = TransferCode(5);
const DEPOSIT_LIMIT: u128 = 1_000;
const DAILY_WITHDRAWAL: u128 = 1_500;
const CAPPED_MAX: u128 = 5_000;
const WALLET_MAX: u128 = 8_000;

fn policy() -> Policy {
    Policy {
        transfer_limits: vec![TransferLimit {
            code: TransferCode::DEPOSIT,
            asset: USD,
            max_amount: Amount::from_minor(DEPOSIT_LIMIT),
        }],
        daily_limits: vec![DailyLimit {
            code: TransferCode::WITHDRAWAL,
            asset: USD,
            side: LimitSide::Debit,
            max_per_day: Amount::from_minor(DAILY_WITHDRAWAL),
        }],
        wallet_limits: vec![WalletLimit { asset: USD, max_balance: Amount::from_minor(WALLET_MAX) }],
    }
}

/// Accounts created up front: owners 1..=3 wallets, owner 4 capped wallet,
/// owner 100 system, in both assets. Owner 5 never exists.
fn account_specs() -> Vec<AccountSpec> {
    let mut specs = Vec::new();
    for asset in [USD, BTC] {
        for owner in 1..=3 {
            specs.push(AccountSpec::wallet(AccountKey::new(owner, asset.0)));
        }
        specs.push(AccountSpec::wallet(AccountKey::new(4, asset.0)).with_max_balance(Amount::from_minor(CAPPED_MAX)));
        specs.push(AccountSpec::system(AccountKey::new(100, asset.0)));
    }
    specs
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MState {
    Pending,
    Posted,
    Voided,
    Expired,
}

#[derive(Debug, Clone, Copy)]
struct MHold {
    debit: AccountKey,
    credit: AccountKey,
    amount: u128,
    expires_at: Option<u64>,
    state: MState,
    /// Settled by its posts so far.
    posted: u128,
}

/// Columns: [debits_pending, debits_posted, credits_pending, credits_posted].
#[derive(Debug, Clone)]
struct Model {
    specs: BTreeMap<AccountKey, AccountSpec>,
    cols: BTreeMap<AccountKey, [u128; 4]>,
    assets: BTreeSet<AssetId>,
    applied: BTreeMap<TransferId, Transfer>,
    refused: BTreeSet<TransferId>,
    holds: BTreeMap<TransferId, MHold>,
    daily: BTreeMap<AccountKey, (u64, u128)>,
    posted_total: BTreeMap<AssetId, u128>,
    pending_total: BTreeMap<AssetId, u128>,
}

const MAX: u128 = i128::MAX as u128;

impl Model {
    fn new() -> Self {
        // The policy's wallet limit is the default max balance of USD
        // wallets created without one.
        let specs: BTreeMap<_, _> = account_specs()
            .into_iter()
            .map(|mut s| {
                if s.must_not_go_negative && s.max_balance.is_none() && s.key.asset == USD {
                    s.max_balance = Some(Amount::from_minor(WALLET_MAX));
                }
                (s.key, s)
            })
            .collect();
        let cols = specs.keys().map(|k| (*k, [0; 4])).collect();
        Self {
            specs,
            cols,
            assets: [USD, BTC].into_iter().collect(),
            applied: BTreeMap::new(),
            refused: BTreeSet::new(),
            holds: BTreeMap::new(),
            daily: BTreeMap::new(),
            posted_total: BTreeMap::new(),
            pending_total: BTreeMap::new(),
        }
    }

    fn expire(&mut self, now: u64) {
        let due: Vec<TransferId> = self
            .holds
            .iter()
            .filter(|(_, h)| h.state == MState::Pending && h.expires_at.is_some_and(|at| at <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let h = self.holds[&id];
            self.cols.get_mut(&h.debit).unwrap()[0] -= h.amount;
            self.cols.get_mut(&h.credit).unwrap()[2] -= h.amount;
            *self.pending_total.get_mut(&h.debit.asset).unwrap() -= h.amount;
            self.holds.get_mut(&id).unwrap().state = MState::Expired;
        }
    }

    fn submit(&mut self, now: u64, batch: &[Transfer]) -> Vec<TransferStatus> {
        self.expire(now);
        let mut out = Vec::new();
        let mut i = 0;
        while i < batch.len() {
            let mut end = i;
            while end < batch.len() && batch[end].flags.contains(TransferFlags::LINKED) {
                end += 1;
            }
            if end == i {
                out.push(self.apply(now, &batch[i], false));
                i += 1;
                continue;
            }
            if end == batch.len() {
                for k in i..end {
                    out.push(if k + 1 == end {
                        TransferStatus::LinkedEventChainOpen
                    } else {
                        TransferStatus::LinkedEventFailed
                    });
                }
                i = end;
                continue;
            }
            let saved = self.clone();
            let mut statuses = Vec::new();
            let mut failed = None;
            for (k, t) in batch[i..=end].iter().enumerate() {
                let s = self.apply(now, t, true);
                statuses.push(s);
                if !matches!(s, TransferStatus::Ok | TransferStatus::Exists) {
                    failed = Some(k);
                    break;
                }
            }
            if let Some(f) = failed {
                *self = saved;
                for k in 0..=(end - i) {
                    out.push(if k == f { statuses[f] } else { TransferStatus::LinkedEventFailed });
                }
            } else {
                out.extend(statuses);
            }
            i = end + 1;
        }
        out
    }

    fn apply(&mut self, now: u64, t: &Transfer, in_chain: bool) -> TransferStatus {
        let s = self.evaluate(now, t);
        if !in_chain
            && matches!(
                s,
                TransferStatus::AssetNotFound
                    | TransferStatus::DebitAccountNotFound
                    | TransferStatus::CreditAccountNotFound
                    | TransferStatus::PendingTransferNotFound
                    | TransferStatus::ExceedsDailyLimit
                    | TransferStatus::OverflowPending
                    | TransferStatus::OverflowPosted
                    | TransferStatus::InsufficientFunds
                    | TransferStatus::ExceedsMaxBalance
            )
        {
            self.refused.insert(t.id);
        }
        s
    }

    fn evaluate(&mut self, now: u64, t: &Transfer) -> TransferStatus {
        use TransferStatus as S;
        if t.id.0 == 0 {
            return S::IdMustNotBeZero;
        }
        let pending = t.flags.contains(TransferFlags::PENDING);
        let post = t.flags.contains(TransferFlags::POST_PENDING);
        let void = t.flags.contains(TransferFlags::VOID_PENDING);
        let resize = t.flags.contains(TransferFlags::RESIZE_PENDING);
        let part = t.flags.contains(TransferFlags::POST_PART);
        if u8::from(pending) + u8::from(post) + u8::from(void) + u8::from(resize) + u8::from(part) > 1 {
            return S::FlagsAreMutuallyExclusive;
        }
        if let Some(old) = self.applied.get(&t.id) {
            return if old.flags != t.flags {
                S::ExistsWithDifferentFlags
            } else if old.pending_id != t.pending_id {
                S::ExistsWithDifferentPendingId
            } else if old.timeout_ns != t.timeout_ns {
                S::ExistsWithDifferentTimeout
            } else if old.debit_account != t.debit_account {
                S::ExistsWithDifferentDebitAccount
            } else if old.credit_account != t.credit_account {
                S::ExistsWithDifferentCreditAccount
            } else if old.amount != t.amount {
                S::ExistsWithDifferentAmount
            } else if old.user_data != t.user_data {
                S::ExistsWithDifferentUserData
            } else if old.code != t.code {
                S::ExistsWithDifferentCode
            } else {
                S::Exists
            };
        }
        if self.refused.contains(&t.id) {
            return S::IdAlreadyFailed;
        }
        let amount = t.amount.minor();
        if post || void || resize || part {
            if t.pending_id.0 == 0 {
                return S::PendingIdMustNotBeZero;
            }
            if t.pending_id == t.id {
                return S::PendingIdMustBeDifferent;
            }
            if t.timeout_ns != 0 {
                return S::TimeoutReservedForPendingTransfer;
            }
            if t.code.0 == 0 {
                return S::CodeMustNotBeZero;
            }
            if (post || resize || part) && amount == 0 {
                return S::AmountMustNotBeZero;
            }
            if void && amount != 0 {
                return S::VoidAmountMustBeZero;
            }
            let (dset, cset) = (!t.debit_account.is_unset(), !t.credit_account.is_unset());
            if dset && cset {
                if t.debit_account == t.credit_account {
                    return S::AccountsMustBeDifferent;
                }
                if t.debit_account.asset != t.credit_account.asset {
                    return S::AssetMismatch;
                }
            }
            let Some(h) = self.holds.get(&t.pending_id).copied() else {
                return if self.applied.contains_key(&t.pending_id) {
                    S::PendingTransferNotPending
                } else {
                    S::PendingTransferNotFound
                };
            };
            if dset && t.debit_account != h.debit {
                return S::PendingTransferHasDifferentDebitAccount;
            }
            if cset && t.credit_account != h.credit {
                return S::PendingTransferHasDifferentCreditAccount;
            }
            match h.state {
                MState::Posted => return S::PendingTransferAlreadyPosted,
                MState::Voided => return S::PendingTransferAlreadyVoided,
                MState::Expired => return S::PendingTransferExpired,
                MState::Pending => {}
            }
            if resize {
                return self.resize(now, t, h);
            }
            let posted = if post || part { amount } else { 0 };
            if posted > h.amount || (part && posted == h.amount) {
                return S::PostAmountExceedsPending;
            }
            // A part post releases only what it settles; the rest stays held.
            let released = if part { posted } else { h.amount };
            let asset = h.debit.asset;
            let pt = self.posted_total.get(&asset).copied().unwrap_or(0);
            if pt.checked_add(posted).is_none_or(|v| v > MAX) {
                return S::OverflowPosted;
            }
            // Apply.
            let d = self.cols.get_mut(&h.debit).unwrap();
            d[0] -= released;
            d[1] += posted;
            let c = self.cols.get_mut(&h.credit).unwrap();
            c[2] -= released;
            c[3] += posted;
            *self.pending_total.get_mut(&asset).unwrap() -= released;
            *self.posted_total.entry(asset).or_default() += posted;
            let hold = self.holds.get_mut(&t.pending_id).unwrap();
            hold.posted += posted;
            if part {
                hold.amount -= posted;
            } else {
                hold.state = if post { MState::Posted } else { MState::Voided };
            }
            self.applied.insert(t.id, *t);
            return S::Ok;
        }
        if t.pending_id.0 != 0 {
            return S::PendingIdMustBeZero;
        }
        if !pending && t.timeout_ns != 0 {
            return S::TimeoutReservedForPendingTransfer;
        }
        if t.code.0 == 0 {
            return S::CodeMustNotBeZero;
        }
        if amount == 0 {
            return S::AmountMustNotBeZero;
        }
        if t.debit_account == t.credit_account {
            return S::AccountsMustBeDifferent;
        }
        let asset = t.debit_account.asset;
        if asset != t.credit_account.asset {
            return S::AssetMismatch;
        }
        if t.code == TransferCode::DEPOSIT && asset == USD && amount > DEPOSIT_LIMIT {
            return S::ExceedsTransferLimit;
        }
        if !self.assets.contains(&asset) {
            return S::AssetNotFound;
        }
        if !self.specs.contains_key(&t.debit_account) {
            return S::DebitAccountNotFound;
        }
        if !self.specs.contains_key(&t.credit_account) {
            return S::CreditAccountNotFound;
        }
        let day = now / Timestamp::NANOS_PER_DAY;
        let daily_applies = t.code == TransferCode::WITHDRAWAL && asset == USD;
        if daily_applies {
            let used = match self.daily.get(&t.debit_account) {
                Some((d, u)) if *d == day => *u,
                _ => 0,
            };
            if used.checked_add(amount).is_none_or(|v| v > DAILY_WITHDRAWAL) {
                return S::ExceedsDailyLimit;
            }
        }
        if pending {
            let p = self.pending_total.get(&asset).copied().unwrap_or(0);
            if p.checked_add(amount).is_none_or(|v| v > MAX) {
                return S::OverflowPending;
            }
        } else {
            let p = self.posted_total.get(&asset).copied().unwrap_or(0);
            if p.checked_add(amount).is_none_or(|v| v > MAX) {
                return S::OverflowPosted;
            }
        }
        let d = self.cols[&t.debit_account];
        if self.specs[&t.debit_account].must_not_go_negative && d[1] + d[0] + amount > d[3] {
            return S::InsufficientFunds;
        }
        let c = self.cols[&t.credit_account];
        if let Some(max) = self.specs[&t.credit_account].max_balance {
            if c[3] + c[2] + amount > c[1] + max.minor() {
                return S::ExceedsMaxBalance;
            }
        }
        // Apply.
        if daily_applies {
            let used = match self.daily.get(&t.debit_account) {
                Some((d, u)) if *d == day => *u,
                _ => 0,
            };
            self.daily.insert(t.debit_account, (day, used + amount));
        }
        let (dcol, ccol) = if pending { (0, 2) } else { (1, 3) };
        self.cols.get_mut(&t.debit_account).unwrap()[dcol] += amount;
        self.cols.get_mut(&t.credit_account).unwrap()[ccol] += amount;
        if pending {
            *self.pending_total.entry(asset).or_default() += amount;
            self.holds.insert(
                t.id,
                MHold {
                    debit: t.debit_account,
                    credit: t.credit_account,
                    amount,
                    expires_at: (t.timeout_ns != 0).then(|| now.saturating_add(t.timeout_ns)),
                    state: MState::Pending,
                    posted: 0,
                },
            );
        } else {
            *self.posted_total.entry(asset).or_default() += amount;
        }
        self.applied.insert(t.id, *t);
        S::Ok
    }

    /// A pending hold set to `t.amount`: growth is checked like a new hold
    /// of the difference; shrinking releases the difference.
    fn resize(&mut self, now: u64, t: &Transfer, h: MHold) -> TransferStatus {
        use TransferStatus as S;
        let amount = t.amount.minor();
        let asset = h.debit.asset;
        if amount > h.amount {
            let grow = amount - h.amount;
            let day = now / Timestamp::NANOS_PER_DAY;
            let daily_applies = t.code == TransferCode::WITHDRAWAL && asset == USD;
            let used = match self.daily.get(&h.debit) {
                Some((d, u)) if *d == day => *u,
                _ => 0,
            };
            if daily_applies && used.checked_add(grow).is_none_or(|v| v > DAILY_WITHDRAWAL) {
                return S::ExceedsDailyLimit;
            }
            let p = self.pending_total.get(&asset).copied().unwrap_or(0);
            if p.checked_add(grow).is_none_or(|v| v > MAX) {
                return S::OverflowPending;
            }
            let d = self.cols[&h.debit];
            if self.specs[&h.debit].must_not_go_negative && d[1] + d[0] + grow > d[3] {
                return S::InsufficientFunds;
            }
            let c = self.cols[&h.credit];
            if let Some(max) = self.specs[&h.credit].max_balance {
                if c[3] + c[2] + grow > c[1] + max.minor() {
                    return S::ExceedsMaxBalance;
                }
            }
            if daily_applies {
                self.daily.insert(h.debit, (day, used + grow));
            }
            self.cols.get_mut(&h.debit).unwrap()[0] += grow;
            self.cols.get_mut(&h.credit).unwrap()[2] += grow;
            *self.pending_total.entry(asset).or_default() += grow;
        } else {
            let shrink = h.amount - amount;
            self.cols.get_mut(&h.debit).unwrap()[0] -= shrink;
            self.cols.get_mut(&h.credit).unwrap()[2] -= shrink;
            *self.pending_total.get_mut(&asset).unwrap() -= shrink;
        }
        self.holds.get_mut(&t.pending_id).unwrap().amount = amount;
        self.applied.insert(t.id, *t);
        S::Ok
    }

    fn check_conservation(&self) {
        for asset in [USD, BTC] {
            let mut sums = [0u128; 4];
            for (k, c) in &self.cols {
                if k.asset == asset {
                    for (s, v) in sums.iter_mut().zip(c) {
                        *s += v;
                    }
                }
            }
            assert_eq!(sums[0], sums[2], "pending debits != pending credits");
            assert_eq!(sums[1], sums[3], "posted debits != posted credits");
        }
    }
}

/// `sequential`: index the counter's ids (from 2 up) in the sequential run.
fn new_ledger(sequential: bool) -> Ledger {
    let sequential_ids_from = sequential.then_some(TransferId(2));
    let mut l = Ledger::new(LedgerConfig { policy: policy(), sequential_ids_from, ..LedgerConfig::default() });
    for (asset, scale) in [(USD, 2), (BTC, 8)] {
        l.create_asset(Timestamp(0), AssetSpec { id: asset, code: format!("A{}", asset.0), scale }).unwrap();
    }
    for spec in account_specs() {
        l.create_account(Timestamp(0), spec).unwrap();
    }
    l
}

// ---- generators ----

fn arb_amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        8 => (1u128..3_000).prop_map(Amount::from_minor),
        1 => Just(Amount::ZERO),
        1 => Just(Amount::from_minor(1)),
        1 => Just(Amount::from_minor(DEPOSIT_LIMIT)),
        1 => Just(Amount::from_minor(DEPOSIT_LIMIT + 1)),
        1 => Just(Amount::from_minor(CAPPED_MAX)),
        1 => Just(Amount::MAX),
        1 => Just(Amount::from_minor(u128::MAX)),
    ]
}

fn arb_owner() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 1u64..=4, 4 => Just(100u64), 1 => Just(5u64)]
}

/// Debit and credit accounts: mostly the same asset, sometimes not.
fn arb_accounts() -> impl Strategy<Value = (AccountKey, AccountKey)> {
    (
        prop_oneof![8 => Just(1u32), 3 => Just(2u32), 1 => Just(9u32)],
        arb_owner(),
        arb_owner(),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(asset, d, c, cross)| {
            let credit_asset = if cross { 3 - asset.min(2) } else { asset };
            (AccountKey::new(d, asset), AccountKey::new(c, credit_asset))
        })
}

fn arb_code() -> impl Strategy<Value = TransferCode> {
    prop_oneof![
        4 => Just(TransferCode::DEPOSIT),
        2 => Just(TransferCode::WITHDRAWAL),
        4 => Just(SETTLE),
        4 => Just(HOLD),
        1 => Just(TransferCode(0)),
    ]
}

fn arb_id() -> impl Strategy<Value = u128> {
    prop_oneof![30 => 1u128..32, 1 => Just(0u128)]
}

fn arb_transfer() -> impl Strategy<Value = Transfer> {
    (
        arb_id(),
        arb_accounts(),
        arb_amount(),
        arb_id(),
        prop_oneof![4 => Just(0u64), 1 => 1u64..20],
        arb_code(),
        0u8..26,
        prop::bool::weighted(0.15),
        0u128..3,
        prop::bool::weighted(0.8),
    )
        .prop_map(|(id, (d, c), amount, pid, timeout, code, kind, linked, ud, unset)| {
            let mut t = match kind {
                0..=7 => Transfer::single(TransferId(id), d, c, amount, code),
                8..=12 => Transfer::pending(TransferId(id), d, c, amount, code, timeout),
                13..=16 => Transfer::post(TransferId(id), TransferId(pid), amount, code),
                17..=18 => Transfer::void(TransferId(id), TransferId(pid), code),
                19..=21 => Transfer::resize(TransferId(id), TransferId(pid), amount, code),
                22..=24 => Transfer::post_part(TransferId(id), TransferId(pid), amount, code),
                _ => {
                    let mut t = Transfer::single(TransferId(id), d, c, amount, code);
                    t.flags = TransferFlags(
                        0b0110
                            | (u16::from(amount.minor() % 2 == 0) << 3)
                            | (u16::from(amount.minor() % 3 == 0) << 4)
                            | (u16::from(amount.minor() % 5 == 0) << 5),
                    );
                    t.pending_id = TransferId(pid);
                    t.timeout_ns = timeout;
                    t
                }
            };
            if kind >= 13 && !unset {
                t.debit_account = d;
                t.credit_account = c;
            }
            if kind < 8 && timeout % 7 == 3 {
                t.timeout_ns = timeout;
            }
            if kind < 8 && pid % 17 == 5 {
                t.pending_id = TransferId(pid);
            }
            t.user_data = ud;
            if linked {
                t = t.linked();
            }
            t
        })
}

/// Batches with realistic ids: mostly fresh ids from a counter, some
/// retries of recent ids, posts/voids mostly naming a recent id.
fn arb_batches() -> impl Strategy<Value = Vec<(u64, Vec<Transfer>)>> {
    prop::collection::vec(
        (prop_oneof![3 => 0u64..6, 1 => Just(Timestamp::NANOS_PER_DAY)], prop::collection::vec(arb_transfer(), 1..16)),
        1..40,
    )
    .prop_map(|mut batches| {
        let mut counter = 1u128;
        let mut history: Vec<Transfer> = Vec::new();
        for (_, batch) in &mut batches {
            for t in batch.iter_mut() {
                let r = t.id.0;
                t.id = TransferId(match r {
                    0 => 0,
                    1..=23 => {
                        counter += 1;
                        counter
                    }
                    _ => counter.saturating_sub(r - 23),
                });
                if t.pending_id.0 != 0 {
                    t.pending_id = TransferId(counter.saturating_sub(t.pending_id.0 % 6));
                }
                // Some are exact resubmissions of an earlier transfer.
                if r >= 28 && !history.is_empty() {
                    let back = usize::try_from(r - 28).unwrap() % history.len();
                    *t = history[history.len() - 1 - back];
                }
                history.push(*t);
            }
        }
        batches
    })
}

/// `entries_of` must equal a naive filter of the whole journal.
fn check_entries_of(ledger: &Ledger) {
    let keys: Vec<AccountKey> = ledger.account_keys().collect();
    for key in keys {
        let naive: Vec<u64> = ledger
            .journal()
            .iter()
            .filter(|e| match &e.event {
                JournalEvent::AccountCreated(spec) => spec.key == key,
                JournalEvent::Transfer(r) => r.transfer.debit_account == key || r.transfer.credit_account == key,
                JournalEvent::HoldExpired { debit_account, credit_account, .. } => {
                    *debit_account == key || *credit_account == key
                }
                _ => false,
            })
            .map(|e| e.seq)
            .collect();
        let got: Vec<u64> = ledger.entries_of(key).iter().map(|e| e.seq).collect();
        assert_eq!(got, naive, "entries of {key:?}");
    }
}

fn compare(model: &Model, ledger: &Ledger) {
    for (key, cols) in &model.cols {
        let b = ledger.balance(*key).unwrap();
        let got =
            [b.debits_pending.minor(), b.debits_posted.minor(), b.credits_pending.minor(), b.credits_posted.minor()];
        assert_eq!(&got, cols, "balance of {key:?}");
    }
    for (id, h) in &model.holds {
        let v = ledger.hold(*id).unwrap();
        let state = match v.state {
            HoldState::Pending => MState::Pending,
            HoldState::Posted => MState::Posted,
            HoldState::Voided => MState::Voided,
            HoldState::Expired => MState::Expired,
        };
        assert_eq!(state, h.state, "hold {id:?}");
        assert_eq!(v.amount.minor(), h.amount);
        assert_eq!(v.posted_amount.minor(), h.posted, "posted by hold {id:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Committed regressions live in ledger/proptest-regressions/ (cargo
        // runs tests from the package root).
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("proptest-regressions/model.txt"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn ledger_agrees_with_naive_model(batches in arb_batches(), sequential in any::<bool>()) {
        let mut ledger = new_ledger(sequential);
        let mut model = Model::new();
        let mut now = 1u64;
        let mut out = Vec::new();
        for (dt, batch) in &batches {
            now += dt;
            ledger.submit(Timestamp(now), batch, &mut out).unwrap();
            let got: Vec<_> = out.iter().map(|r| r.status).collect();
            let want = model.submit(now, batch);
            prop_assert_eq!(&got, &want, "batch {:?}", batch);
            ledger.check_invariants().unwrap();
            model.check_conservation();
            compare(&model, &ledger);
            check_entries_of(&ledger);
        }
        let restored = Ledger::restore(&ledger.snapshot()).unwrap();
        prop_assert_eq!(restored.state_hash(), ledger.state_hash());
        let replayed = Ledger::replay(ledger.config().clone(), ledger.journal()).unwrap();
        prop_assert_eq!(replayed.state_hash(), ledger.state_hash());
    }
}
