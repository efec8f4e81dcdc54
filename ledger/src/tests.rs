//! Unit tests: one or more per status code, named as outcomes.

use crate::*;

const USD: AssetId = AssetId(1);
const BTC: AssetId = AssetId(2);
const SHARES: AssetId = AssetId(3);

const BANK: AccountKey = AccountKey::new(1000, 1);
const ALICE: AccountKey = AccountKey::new(1, 1);
const BOB: AccountKey = AccountKey::new(2, 1);
const CAROL_CAPPED: AccountKey = AccountKey::new(3, 1);
const NOBODY: AccountKey = AccountKey::new(99, 1);
const ALICE_BTC: AccountKey = AccountKey::new(1, 2);
const BTC_BANK: AccountKey = AccountKey::new(1000, 2);

// The tests' own codes for holds and their settlement (the ledger names only
// generic ones); the same numbers the Broker uses, so nothing else changes.
const SETTLE: TransferCode = TransferCode(3);
const HOLD: TransferCode = TransferCode(5);

fn id(n: u128) -> TransferId {
    TransferId(n)
}

fn amt(n: u128) -> Amount {
    Amount::from_minor(n)
}

struct Fixture {
    ledger: Ledger,
    now: u64,
    out: Vec<TransferResult>,
}

impl Fixture {
    fn with_policy(policy: Policy) -> Self {
        Self::with_config(LedgerConfig { policy, ..LedgerConfig::default() })
    }

    fn with_config(config: LedgerConfig) -> Self {
        let mut ledger = Ledger::new(config);
        let t = Timestamp(1);
        for (asset, code, scale) in [(USD, "USD", 2), (BTC, "BTC", 8), (SHARES, "ACME", 0)] {
            ledger.create_asset(t, AssetSpec { id: asset, code: code.into(), scale }).unwrap();
        }
        ledger.create_account(t, AccountSpec::system(BANK)).unwrap();
        ledger.create_account(t, AccountSpec::wallet(ALICE)).unwrap();
        ledger.create_account(t, AccountSpec::wallet(BOB)).unwrap();
        ledger.create_account(t, AccountSpec::wallet(CAROL_CAPPED).with_max_balance(amt(10_000))).unwrap();
        ledger.create_account(t, AccountSpec::wallet(ALICE_BTC)).unwrap();
        ledger.create_account(t, AccountSpec::system(BTC_BANK)).unwrap();
        Self { ledger, now: 10, out: Vec::new() }
    }

    fn new() -> Self {
        Self::with_policy(Policy::default())
    }

    /// Submits at a fresh time; checks invariants and that refusals left
    /// balances alone.
    fn submit(&mut self, batch: &[Transfer]) -> Vec<TransferStatus> {
        self.now += 1;
        let before: Vec<_> = self.ledger.account_keys().map(|k| self.ledger.balance(k)).collect();
        self.ledger.submit(Timestamp(self.now), batch, &mut self.out).unwrap();
        self.ledger.check_invariants().unwrap();
        let statuses: Vec<_> = self.out.iter().map(|r| r.status).collect();
        assert_eq!(statuses.len(), batch.len());
        let expired_now = self
            .ledger
            .journal()
            .iter()
            .rev()
            .any(|e| e.timestamp.0 == self.now && matches!(e.event, JournalEvent::HoldExpired { .. }));
        if !expired_now && statuses.iter().all(|s| *s != TransferStatus::Ok) {
            let after: Vec<_> = self.ledger.account_keys().map(|k| self.ledger.balance(k)).collect();
            assert_eq!(before, after, "a batch with no ok changed balances");
        }
        statuses
    }

    fn one(&mut self, t: Transfer) -> TransferStatus {
        self.submit(&[t])[0]
    }

    fn deposit(&mut self, n: u128, to: AccountKey, amount: u128) -> TransferStatus {
        self.one(Transfer::single(id(n), BANK, to, amt(amount), TransferCode::DEPOSIT))
    }

    fn available(&self, key: AccountKey) -> i128 {
        self.ledger.balance(key).unwrap().available()
    }

    fn posted(&self, key: AccountKey) -> i128 {
        self.ledger.balance(key).unwrap().posted()
    }
}

use TransferStatus as S;

// ---- ok / exists / idempotency ----

#[test]
fn deposit_credits_wallet_and_debits_bank() {
    let mut f = Fixture::new();
    assert_eq!(f.deposit(1, ALICE, 500), S::Ok);
    assert_eq!(f.available(ALICE), 500);
    assert_eq!(f.posted(BANK), -500);
    let totals = f.ledger.totals(USD).unwrap();
    assert_eq!(totals.posted, amt(500));
    assert_eq!(totals.pending, Amount::ZERO);
}

#[test]
fn repeated_deposit_with_same_key_returns_exists_and_changes_nothing() {
    let mut f = Fixture::new();
    assert_eq!(f.deposit(1, ALICE, 500), S::Ok);
    let hash = f.ledger.state_hash();
    let journal_len = f.ledger.journal().len();
    assert_eq!(f.deposit(1, ALICE, 500), S::Exists);
    assert_eq!(f.available(ALICE), 500);
    assert_eq!(f.ledger.journal().len(), journal_len);
    assert_eq!(f.ledger.state_hash(), hash);
}

#[test]
fn submit_one_matches_a_batch_of_one() {
    let mut f = Fixture::new();
    let t = Transfer::single(id(1), BANK, ALICE, amt(5), TransferCode::DEPOSIT);
    assert_eq!(f.ledger.submit_one(Timestamp(20), &t), Ok(S::Ok));
    assert_eq!(f.ledger.submit_one(Timestamp(20), &t), Ok(S::Exists));
    assert_eq!(f.ledger.submit_one(Timestamp(21), &t.linked()), Ok(S::LinkedEventChainOpen));
    assert_eq!(f.ledger.submit_one(Timestamp(19), &t).unwrap_err().code(), "time_went_backwards");
    assert_eq!(f.available(ALICE), 5);
    f.ledger.check_invariants().unwrap();
}

#[test]
fn same_id_twice_in_one_batch_applies_once() {
    let mut f = Fixture::new();
    let t = Transfer::single(id(1), BANK, ALICE, amt(5), TransferCode::DEPOSIT);
    assert_eq!(f.submit(&[t, t]), vec![S::Ok, S::Exists]);
    assert_eq!(f.available(ALICE), 5);
}

#[test]
fn same_id_with_each_different_field_returns_its_own_exists_status() {
    let mut f = Fixture::new();
    let base = Transfer::pending(id(1), BANK, ALICE, amt(5), TransferCode::DEPOSIT, 1_000).with_user_data(77);
    assert_eq!(f.one(base), S::Ok);
    let cases: [(Transfer, TransferStatus); 8] = [
        (Transfer { flags: TransferFlags::NONE, ..base }, S::ExistsWithDifferentFlags),
        (Transfer { pending_id: id(9), ..base }, S::ExistsWithDifferentPendingId),
        (Transfer { timeout_ns: 5, ..base }, S::ExistsWithDifferentTimeout),
        (Transfer { debit_account: BOB, ..base }, S::ExistsWithDifferentDebitAccount),
        (Transfer { credit_account: BOB, ..base }, S::ExistsWithDifferentCreditAccount),
        (Transfer { amount: amt(6), ..base }, S::ExistsWithDifferentAmount),
        (Transfer { user_data: 78, ..base }, S::ExistsWithDifferentUserData),
        (Transfer { code: TransferCode::FEE, ..base }, S::ExistsWithDifferentCode),
    ];
    for (t, expected) in cases {
        assert_eq!(f.one(t), expected, "{expected}");
    }
    assert_eq!(f.one(base), S::Exists);
}

#[test]
fn exists_is_checked_before_validation() {
    let mut f = Fixture::new();
    assert_eq!(f.deposit(1, ALICE, 5), S::Ok);
    // Same id, now with an invalid amount: idempotency answers first.
    let t = Transfer::single(id(1), BANK, ALICE, Amount::ZERO, TransferCode::DEPOSIT);
    assert_eq!(f.one(t), S::ExistsWithDifferentAmount);
}

#[test]
fn post_retried_with_unset_accounts_returns_exists() {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 100);
    f.one(Transfer::pending(id(2), ALICE, BOB, amt(50), HOLD, 0));
    let post = Transfer::post(id(3), id(2), amt(20), SETTLE);
    assert_eq!(f.one(post), S::Ok);
    assert_eq!(f.one(post), S::Exists);
    let explicit = Transfer { debit_account: ALICE, ..post };
    assert_eq!(f.one(explicit), S::ExistsWithDifferentDebitAccount);
}

#[test]
fn insufficient_funds_is_remembered_and_retry_returns_id_already_failed() {
    let mut f = Fixture::new();
    let t = Transfer::single(id(1), ALICE, BOB, amt(10), SETTLE);
    assert_eq!(f.one(t), S::InsufficientFunds);
    assert_eq!(f.deposit(2, ALICE, 100), S::Ok);
    // Funds are there now, but the id failed: no success by surprise.
    assert_eq!(f.one(t), S::IdAlreadyFailed);
    assert_eq!(f.available(ALICE), 100);
    assert!(matches!(f.ledger.journal().last().map(|e| &e.event), Some(JournalEvent::Transfer(_))));
}

#[test]
fn validation_refusal_is_not_remembered() {
    let mut f = Fixture::new();
    let bad = Transfer::single(id(1), BANK, ALICE, Amount::ZERO, TransferCode::DEPOSIT);
    assert_eq!(f.one(bad), S::AmountMustNotBeZero);
    assert_eq!(f.deposit(1, ALICE, 5), S::Ok);
}

// ---- validation statuses ----

#[test]
fn zero_id_is_refused() {
    let mut f = Fixture::new();
    assert_eq!(f.deposit(0, ALICE, 5), S::IdMustNotBeZero);
}

#[test]
fn pending_and_post_together_are_mutually_exclusive() {
    let mut f = Fixture::new();
    let mut t = Transfer::pending(id(1), BANK, ALICE, amt(1), TransferCode::DEPOSIT, 0);
    t.flags = TransferFlags::PENDING | TransferFlags::POST_PENDING;
    assert_eq!(f.one(t), S::FlagsAreMutuallyExclusive);
    t.flags = TransferFlags::POST_PENDING | TransferFlags::VOID_PENDING;
    assert_eq!(f.one(t), S::FlagsAreMutuallyExclusive);
}

#[test]
fn single_phase_with_pending_id_is_refused() {
    let mut f = Fixture::new();
    let mut t = Transfer::single(id(1), BANK, ALICE, amt(1), TransferCode::DEPOSIT);
    t.pending_id = id(5);
    assert_eq!(f.one(t), S::PendingIdMustBeZero);
}

#[test]
fn post_without_pending_id_is_refused() {
    let mut f = Fixture::new();
    let t = Transfer::post(id(1), id(0), amt(1), TransferCode::DEPOSIT);
    assert_eq!(f.one(t), S::PendingIdMustNotBeZero);
}

#[test]
fn post_naming_itself_is_refused() {
    let mut f = Fixture::new();
    let t = Transfer::post(id(1), id(1), amt(1), TransferCode::DEPOSIT);
    assert_eq!(f.one(t), S::PendingIdMustBeDifferent);
}

#[test]
fn timeout_on_single_phase_transfer_is_refused() {
    let mut f = Fixture::new();
    let mut t = Transfer::single(id(1), BANK, ALICE, amt(1), TransferCode::DEPOSIT);
    t.timeout_ns = 10;
    assert_eq!(f.one(t), S::TimeoutReservedForPendingTransfer);
    let mut v = Transfer::void(id(2), id(1), TransferCode::DEPOSIT);
    v.timeout_ns = 10;
    assert_eq!(f.one(v), S::TimeoutReservedForPendingTransfer);
}

#[test]
fn zero_code_is_refused() {
    let mut f = Fixture::new();
    let t = Transfer::single(id(1), BANK, ALICE, amt(1), TransferCode(0));
    assert_eq!(f.one(t), S::CodeMustNotBeZero);
}

#[test]
fn zero_amount_is_refused_for_transfers_holds_and_posts() {
    let mut f = Fixture::new();
    assert_eq!(f.deposit(1, ALICE, 0), S::AmountMustNotBeZero);
    let p = Transfer::pending(id(2), BANK, ALICE, Amount::ZERO, TransferCode::DEPOSIT, 0);
    assert_eq!(f.one(p), S::AmountMustNotBeZero);
    let post = Transfer::post(id(3), id(2), Amount::ZERO, TransferCode::DEPOSIT);
    assert_eq!(f.one(post), S::AmountMustNotBeZero);
}

#[test]
fn void_with_amount_is_refused() {
    let mut f = Fixture::new();
    let mut v = Transfer::void(id(1), id(5), TransferCode::DEPOSIT);
    v.amount = amt(1);
    assert_eq!(f.one(v), S::VoidAmountMustBeZero);
}

#[test]
fn same_debit_and_credit_account_is_refused() {
    let mut f = Fixture::new();
    let t = Transfer::single(id(1), ALICE, ALICE, amt(1), TransferCode::DEPOSIT);
    assert_eq!(f.one(t), S::AccountsMustBeDifferent);
}

#[test]
fn cross_asset_transfer_is_refused() {
    let mut f = Fixture::new();
    let t = Transfer::single(id(1), BTC_BANK, ALICE, amt(1), TransferCode::DEPOSIT);
    assert_eq!(f.one(t), S::AssetMismatch);
}

#[test]
fn deposit_above_per_transfer_limit_is_refused() {
    let mut f = Fixture::with_policy(Policy {
        transfer_limits: vec![TransferLimit { code: TransferCode::DEPOSIT, asset: USD, max_amount: amt(100_000) }],
        ..Policy::default()
    });
    assert_eq!(f.deposit(1, ALICE, 100_001), S::ExceedsTransferLimit);
    assert_eq!(f.deposit(2, ALICE, 100_000), S::Ok);
    // Not remembered: the limit is configuration, the answer cannot change.
    assert_eq!(f.deposit(1, ALICE, 100_001), S::ExceedsTransferLimit);
}

#[test]
fn transfer_in_unknown_asset_is_refused_and_remembered() {
    let mut f = Fixture::new();
    let a = AccountKey::new(1, 77);
    let b = AccountKey::new(2, 77);
    let t = Transfer::single(id(1), a, b, amt(1), TransferCode::DEPOSIT);
    assert_eq!(f.one(t), S::AssetNotFound);
    assert_eq!(f.one(t), S::IdAlreadyFailed);
}

#[test]
fn unknown_debit_account_is_refused() {
    let mut f = Fixture::new();
    let t = Transfer::single(id(1), NOBODY, ALICE, amt(1), TransferCode::DEPOSIT);
    assert_eq!(f.one(t), S::DebitAccountNotFound);
}

#[test]
fn unknown_credit_account_is_refused() {
    let mut f = Fixture::new();
    let t = Transfer::single(id(1), BANK, NOBODY, amt(1), TransferCode::DEPOSIT);
    assert_eq!(f.one(t), S::CreditAccountNotFound);
}

#[test]
fn wallet_cannot_go_negative() {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 100);
    let t = Transfer::single(id(2), ALICE, BOB, amt(101), SETTLE);
    assert_eq!(f.one(t), S::InsufficientFunds);
    let t = Transfer::single(id(3), ALICE, BOB, amt(100), SETTLE);
    assert_eq!(f.one(t), S::Ok);
    assert_eq!(f.available(ALICE), 0);
}

#[test]
fn held_funds_are_not_available_for_another_hold() {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 100);
    let h1 = Transfer::pending(id(2), ALICE, BOB, amt(70), HOLD, 0);
    let h2 = Transfer::pending(id(3), ALICE, BOB, amt(31), HOLD, 0);
    assert_eq!(f.submit(&[h1, h2]), vec![S::Ok, S::InsufficientFunds]);
    assert_eq!(f.available(ALICE), 30);
}

#[test]
fn wallet_cannot_exceed_max_balance_including_pending_credits() {
    let mut f = Fixture::new();
    assert_eq!(f.deposit(1, CAROL_CAPPED, 9_000), S::Ok);
    let hold = Transfer::pending(id(2), BANK, CAROL_CAPPED, amt(900), TransferCode::DEPOSIT, 0);
    assert_eq!(f.one(hold), S::Ok);
    assert_eq!(f.deposit(3, CAROL_CAPPED, 101), S::ExceedsMaxBalance);
    assert_eq!(f.deposit(4, CAROL_CAPPED, 100), S::Ok);
}

#[test]
fn daily_withdrawal_limit_resets_next_day() {
    let mut f = Fixture::with_policy(Policy {
        transfer_limits: vec![],
        daily_limits: vec![DailyLimit {
            code: TransferCode::WITHDRAWAL,
            asset: USD,
            side: LimitSide::Debit,
            max_per_day: amt(100),
        }],
        ..Policy::default()
    });
    f.deposit(1, ALICE, 1_000);
    let w = |n: u128, a: u128| Transfer::single(id(n), ALICE, BANK, amt(a), TransferCode::WITHDRAWAL);
    assert_eq!(f.one(w(2, 60)), S::Ok);
    assert_eq!(f.one(w(3, 41)), S::ExceedsDailyLimit);
    assert_eq!(f.one(w(4, 40)), S::Ok);
    f.now += Timestamp::NANOS_PER_DAY;
    assert_eq!(f.one(w(5, 100)), S::Ok);
    assert_eq!(f.one(w(3, 41)), S::IdAlreadyFailed);
}

#[test]
fn pending_total_overflow_is_refused() {
    let mut f = Fixture::new();
    let max = Amount::MAX;
    let p1 = Transfer::pending(id(1), BANK, BOB, max, TransferCode::DEPOSIT, 0);
    assert_eq!(f.one(p1), S::Ok);
    let p2 = Transfer::pending(id(2), BOB, BANK, amt(1), TransferCode::DEPOSIT, 0);
    assert_eq!(f.one(p2), S::OverflowPending);
    let p3 = Transfer::pending(id(3), BANK, BOB, amt(u128::MAX), TransferCode::DEPOSIT, 0);
    assert_eq!(f.one(p3), S::OverflowPending);
}

#[test]
fn posted_total_overflow_is_refused() {
    let mut f = Fixture::new();
    assert_eq!(f.deposit(1, BOB, u128::MAX), S::OverflowPosted);
    assert_eq!(f.deposit(2, BOB, Amount::MAX.minor()), S::Ok);
    assert_eq!(f.deposit(3, ALICE, 1), S::OverflowPosted);
    assert_eq!(f.posted(BOB), i128::MAX);
}

#[test]
fn ledger_full_is_refused_without_change() {
    let mut f = Fixture::with_config(LedgerConfig { transfers_max: 2, ..LedgerConfig::default() });
    assert_eq!(f.deposit(1, ALICE, 1), S::Ok);
    assert_eq!(f.deposit(2, ALICE, 1), S::Ok);
    assert_eq!(f.deposit(3, ALICE, 1), S::LedgerFull);
    assert_eq!(f.deposit(1, ALICE, 1), S::Exists);
    assert_eq!(f.available(ALICE), 2);
}

#[test]
fn policy_wallet_limit_is_the_default_max_balance_of_new_wallets() {
    let mut f = Fixture::with_policy(Policy {
        wallet_limits: vec![WalletLimit { asset: USD, max_balance: amt(1_000_000) }],
        ..Policy::default()
    });
    // Wallets created by the fixture got the default; CAROL keeps her own.
    assert_eq!(f.ledger.account(ALICE).unwrap().max_balance, Some(amt(1_000_000)));
    assert_eq!(f.ledger.account(CAROL_CAPPED).unwrap().max_balance, Some(amt(10_000)));
    assert_eq!(f.ledger.account(BANK).unwrap().max_balance, None);
    assert_eq!(f.ledger.account(ALICE_BTC).unwrap().max_balance, None);
    assert_eq!(f.deposit(1, ALICE, 1_000_000), S::Ok);
    assert_eq!(f.deposit(2, ALICE, 1), S::ExceedsMaxBalance);
    let replayed = Ledger::replay(f.ledger.config().clone(), f.ledger.journal()).unwrap();
    assert_eq!(replayed.state_hash(), f.ledger.state_hash());
}

// ---- holds ----

fn funded_hold(f: &mut Fixture, amount: u128, timeout_ns: u64) {
    f.deposit(1, ALICE, 1_000);
    let hold = Transfer::pending(id(10), ALICE, BOB, amt(amount), HOLD, timeout_ns);
    assert_eq!(f.one(hold), S::Ok);
}

#[test]
fn hold_reserves_funds_until_posted() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    assert_eq!(f.available(ALICE), 700);
    assert_eq!(f.posted(ALICE), 1_000);
    assert_eq!(f.ledger.pending_amount(id(10)), Some(amt(300)));
    let holds = f.ledger.holds_of(ALICE);
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].state, HoldState::Pending);
    assert_eq!(f.ledger.holds_of(BOB).len(), 1);
}

#[test]
fn partial_post_settles_part_and_releases_the_rest() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let post = Transfer::post(id(11), id(10), amt(120), SETTLE);
    assert_eq!(f.one(post), S::Ok);
    assert_eq!(f.available(ALICE), 880);
    assert_eq!(f.available(BOB), 120);
    let hold = f.ledger.hold(id(10)).unwrap();
    assert_eq!(hold.state, HoldState::Posted);
    assert_eq!(hold.posted_amount, amt(120));
    assert_eq!(hold.resolved_by, Some(id(11)));
    assert_eq!(hold.pending_amount(), Amount::ZERO);
    assert_eq!(f.ledger.pending_amount(id(10)), Some(Amount::ZERO));
    assert_eq!(f.ledger.hold_amount(id(10)), Some(amt(300)));
    assert_eq!(f.ledger.hold_amount(id(11)), None);
    assert!(f.ledger.holds_of(ALICE).is_empty());
}

#[test]
fn resize_grows_and_shrinks_a_hold_in_place() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let entries = f.ledger.journal().len();
    assert_eq!(f.one(Transfer::resize(id(11), id(10), amt(450), HOLD)), S::Ok);
    assert_eq!(f.available(ALICE), 550);
    assert_eq!(f.ledger.pending_amount(id(10)), Some(amt(450)));
    assert_eq!(f.one(Transfer::resize(id(12), id(10), amt(100), HOLD)), S::Ok);
    assert_eq!(f.available(ALICE), 900);
    assert_eq!(f.ledger.balance(BOB).unwrap().credits_pending, amt(100));
    // One journal entry per resize; the hold keeps its id and stays open.
    assert_eq!(f.ledger.journal().len(), entries + 2);
    assert_eq!(f.ledger.holds_of(ALICE).len(), 1);
    // It is still an ordinary hold: post it.
    assert_eq!(f.one(Transfer::post(id(13), id(10), amt(100), SETTLE)), S::Ok);
    assert_eq!(f.available(BOB), 100);
    assert_eq!(f.one(Transfer::resize(id(14), id(10), amt(50), HOLD)), S::PendingTransferAlreadyPosted);
    let replayed = Ledger::replay(f.ledger.config().clone(), f.ledger.journal()).unwrap();
    assert_eq!(replayed.state_hash(), f.ledger.state_hash());
}

#[test]
fn resize_beyond_available_funds_is_refused_and_changes_nothing() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    assert_eq!(f.one(Transfer::resize(id(11), id(10), amt(1_001), HOLD)), S::InsufficientFunds);
    assert_eq!(f.ledger.pending_amount(id(10)), Some(amt(300)));
    assert_eq!(f.available(ALICE), 700);
    // Remembered like any refusal that depends on state.
    assert_eq!(f.one(Transfer::resize(id(11), id(10), amt(1_000), HOLD)), S::IdAlreadyFailed);
    assert_eq!(f.one(Transfer::resize(id(12), id(10), amt(1_000), HOLD)), S::Ok);
    assert_eq!(f.available(ALICE), 0);
}

#[test]
fn resize_to_zero_or_of_a_non_hold_is_refused() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    assert_eq!(f.one(Transfer::resize(id(11), id(10), Amount::ZERO, HOLD)), S::AmountMustNotBeZero);
    assert_eq!(f.one(Transfer::resize(id(12), id(1), amt(5), HOLD)), S::PendingTransferNotPending);
    assert_eq!(f.one(Transfer::resize(id(13), id(77), amt(5), HOLD)), S::PendingTransferNotFound);
    let mut both = Transfer::resize(id(14), id(10), amt(5), HOLD);
    both.flags = both.flags | TransferFlags::VOID_PENDING;
    assert_eq!(f.one(both), S::FlagsAreMutuallyExclusive);
}

#[test]
fn resize_in_a_failed_chain_is_rolled_back() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let batch = [
        Transfer::resize(id(11), id(10), amt(600), HOLD).linked(),
        Transfer::single(id(12), ALICE, BOB, amt(500), SETTLE),
    ];
    assert_eq!(f.submit(&batch), vec![S::LinkedEventFailed, S::InsufficientFunds]);
    assert_eq!(f.ledger.pending_amount(id(10)), Some(amt(300)));
    assert_eq!(f.available(ALICE), 700);
    assert_eq!(f.ledger.balance(BOB).unwrap().credits_pending, amt(300));
}

#[test]
fn post_more_than_held_is_refused() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let post = Transfer::post(id(11), id(10), amt(301), SETTLE);
    assert_eq!(f.one(post), S::PostAmountExceedsPending);
}

#[test]
fn post_part_settles_part_and_keeps_the_rest_held_under_the_same_id() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let part = Transfer::post_part(id(11), id(10), amt(120), SETTLE);
    assert_eq!(f.one(part), S::Ok);
    let bal = |f: &Fixture, k| f.ledger.balance(k).unwrap();
    assert_eq!((bal(&f, ALICE).debits_pending, bal(&f, ALICE).debits_posted), (amt(180), amt(120)));
    assert_eq!((bal(&f, BOB).credits_pending, bal(&f, BOB).credits_posted), (amt(180), amt(120)));
    assert_eq!(f.available(ALICE), 700);
    let hold = f.ledger.hold(id(10)).unwrap();
    assert_eq!(
        (hold.state, hold.amount, hold.posted_amount, hold.resolved_by),
        (HoldState::Pending, amt(180), amt(120), None)
    );
    // A second part, then a post of less than the rest, which releases what is left.
    assert_eq!(f.one(Transfer::post_part(id(12), id(10), amt(80), SETTLE)), S::Ok);
    assert_eq!(f.one(Transfer::post(id(13), id(10), amt(60), SETTLE)), S::Ok);
    let hold = f.ledger.hold(id(10)).unwrap();
    assert_eq!((hold.state, hold.posted_amount, hold.resolved_by), (HoldState::Posted, amt(260), Some(id(13))));
    assert_eq!(f.posted(ALICE), 740);
    assert_eq!(f.available(ALICE), 740);
    assert_eq!(f.posted(BOB), 260);
    assert_eq!(bal(&f, BOB).credits_pending, Amount::ZERO);
    // A retry of the partial post is `exists`, not a second settlement.
    assert_eq!(f.one(Transfer::post_part(id(11), id(10), amt(120), SETTLE)), S::Exists);
    assert_eq!(f.one(Transfer::post_part(id(14), id(10), amt(1), SETTLE)), S::PendingTransferAlreadyPosted);
}

#[test]
fn post_part_of_all_the_hold_or_more_or_nothing_is_refused_and_changes_nothing() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let hash = f.ledger.state_hash();
    for (n, amount, want) in [
        (11, 300, S::PostAmountExceedsPending),
        (12, 301, S::PostAmountExceedsPending),
        (13, 0, S::AmountMustNotBeZero),
    ] {
        assert_eq!(f.one(Transfer::post_part(id(n), id(10), amt(amount), SETTLE)), want);
    }
    assert_eq!(f.ledger.state_hash(), hash);
    let both = Transfer {
        flags: TransferFlags::POST_PART.union(TransferFlags::POST_PENDING),
        ..Transfer::post_part(id(14), id(10), amt(5), SETTLE)
    };
    assert_eq!(f.one(both), S::FlagsAreMutuallyExclusive);
    assert_eq!(f.ledger.pending_amount(id(10)), Some(amt(300)));
}

#[test]
fn post_part_in_a_failed_chain_is_rolled_back() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    assert_eq!(f.one(Transfer::post_part(id(11), id(10), amt(50), SETTLE)), S::Ok);
    let hash = f.ledger.state_hash();
    let batch = [
        Transfer::post_part(id(12), id(10), amt(100), SETTLE).linked(),
        Transfer::post_part(id(13), id(10), amt(100), SETTLE).linked(),
        Transfer::single(id(14), BOB, ALICE, amt(10_000), SETTLE),
    ];
    assert_eq!(f.submit(&batch), vec![S::LinkedEventFailed, S::LinkedEventFailed, S::InsufficientFunds]);
    assert_eq!(f.ledger.state_hash(), hash);
    let hold = f.ledger.hold(id(10)).unwrap();
    assert_eq!((hold.amount, hold.posted_amount), (amt(250), amt(50)));
    // And a failed chain ending in the hold's final post puts back only that post.
    let batch = [
        Transfer::post(id(15), id(10), amt(200), SETTLE).linked(),
        Transfer::single(id(16), BOB, ALICE, amt(10_000), SETTLE),
    ];
    assert_eq!(f.submit(&batch), vec![S::LinkedEventFailed, S::InsufficientFunds]);
    assert_eq!(f.ledger.state_hash(), hash);
    assert_eq!(f.ledger.hold(id(10)).unwrap().posted_amount, amt(50));
}

#[test]
fn a_part_posted_hold_expires_with_only_its_rest_and_replays_to_the_same_state() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 1_000);
    assert_eq!(f.one(Transfer::post_part(id(11), id(10), amt(100), SETTLE)), S::Ok);
    let mut expired = Vec::new();
    f.ledger.on_time(Timestamp(f.now + 1_000), &mut expired).unwrap();
    assert_eq!(expired, vec![id(10)]);
    f.ledger.check_invariants().unwrap();
    assert_eq!(f.posted(ALICE), 900);
    assert_eq!(f.available(ALICE), 900);
    assert_eq!(f.ledger.balance(BOB).unwrap().credits_pending, Amount::ZERO);
    let replayed = Ledger::replay(f.ledger.config().clone(), f.ledger.journal()).unwrap();
    assert_eq!(replayed.state_hash(), f.ledger.state_hash());
    let restored = Ledger::restore(&f.ledger.snapshot()).unwrap();
    assert_eq!(restored.state_hash(), f.ledger.state_hash());
}

#[test]
fn second_post_of_a_hold_is_already_posted() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let post = Transfer::post(id(11), id(10), amt(300), SETTLE);
    assert_eq!(f.one(post), S::Ok);
    let again = Transfer::post(id(12), id(10), amt(1), SETTLE);
    assert_eq!(f.one(again), S::PendingTransferAlreadyPosted);
    let void = Transfer::void(id(13), id(10), HOLD);
    assert_eq!(f.one(void), S::PendingTransferAlreadyPosted);
}

#[test]
fn void_releases_hold_and_second_resolution_is_already_voided() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let void = Transfer::void(id(11), id(10), HOLD);
    assert_eq!(f.one(void), S::Ok);
    assert_eq!(f.available(ALICE), 1_000);
    let post = Transfer::post(id(12), id(10), amt(1), SETTLE);
    assert_eq!(f.one(post), S::PendingTransferAlreadyVoided);
}

#[test]
fn hold_expires_at_its_deadline_through_on_time() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 1_000);
    let deadline = f.ledger.next_deadline().unwrap();
    assert_eq!(deadline, Timestamp(f.now + 1_000));
    let mut expired = Vec::new();
    f.ledger.on_time(Timestamp(deadline.0 - 1), &mut expired).unwrap();
    assert!(expired.is_empty());
    f.ledger.on_time(deadline, &mut expired).unwrap();
    assert_eq!(expired, vec![id(10)]);
    assert_eq!(f.ledger.next_deadline(), None);
    assert_eq!(f.available(ALICE), 1_000);
    f.now = deadline.0;
    let post = Transfer::post(id(11), id(10), amt(1), SETTLE);
    assert_eq!(f.one(post), S::PendingTransferExpired);
    assert!(matches!(f.ledger.entries_of(ALICE).last().map(|e| &e.event), Some(JournalEvent::HoldExpired { .. })));
}

#[test]
fn post_at_or_after_deadline_finds_hold_expired_without_on_time() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 5);
    f.now += 10;
    let post = Transfer::post(id(11), id(10), amt(1), SETTLE);
    assert_eq!(f.one(post), S::PendingTransferExpired);
    assert_eq!(f.available(ALICE), 1_000);
}

#[test]
fn post_of_unknown_hold_is_not_found_and_remembered() {
    let mut f = Fixture::new();
    let post = Transfer::post(id(11), id(10), amt(1), SETTLE);
    assert_eq!(f.one(post), S::PendingTransferNotFound);
    funded_hold(&mut f, 300, 0);
    assert_eq!(f.one(post), S::IdAlreadyFailed);
}

#[test]
fn post_of_single_phase_transfer_is_not_pending() {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 5);
    let post = Transfer::post(id(11), id(1), amt(1), SETTLE);
    assert_eq!(f.one(post), S::PendingTransferNotPending);
}

#[test]
fn post_naming_other_accounts_than_the_hold_is_refused() {
    let mut f = Fixture::new();
    funded_hold(&mut f, 300, 0);
    let mut post = Transfer::post(id(11), id(10), amt(1), SETTLE);
    post.debit_account = BOB;
    assert_eq!(f.one(post), S::PendingTransferHasDifferentDebitAccount);
    post.debit_account = ALICE;
    post.credit_account = CAROL_CAPPED;
    assert_eq!(f.one(post), S::PendingTransferHasDifferentCreditAccount);
    post.credit_account = BOB;
    assert_eq!(f.one(post), S::Ok);
    post.debit_account = BOB;
    post.credit_account = BOB;
    post.id = id(12);
    assert_eq!(f.one(post), S::AccountsMustBeDifferent);
}

// ---- linked chains ----

#[test]
fn linked_chain_applies_all_together() {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 100);
    let a = Transfer::single(id(2), ALICE, BOB, amt(60), SETTLE).linked();
    let b = Transfer::single(id(3), BOB, CAROL_CAPPED, amt(60), SETTLE);
    assert_eq!(f.submit(&[a, b]), vec![S::Ok, S::Ok]);
    assert_eq!(f.available(CAROL_CAPPED), 60);
}

#[test]
fn linked_chain_failure_rolls_back_everything_and_marks_the_rest() {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 100);
    let hash = f.ledger.state_hash();
    let journal_len = f.ledger.journal().len();
    let a = Transfer::single(id(2), ALICE, BOB, amt(60), SETTLE).linked();
    let h = Transfer::pending(id(3), BOB, CAROL_CAPPED, amt(10), HOLD, 50).linked();
    let b = Transfer::single(id(4), ALICE, BOB, amt(41), SETTLE).linked();
    let c = Transfer::single(id(5), BANK, BOB, amt(1), TransferCode::DEPOSIT);
    let after = Transfer::single(id(6), BANK, BOB, amt(1), TransferCode::DEPOSIT);
    // The failing chain alone leaves the state exactly as it was.
    assert_eq!(
        f.submit(&[a, h, b, c]),
        vec![S::LinkedEventFailed, S::LinkedEventFailed, S::InsufficientFunds, S::LinkedEventFailed]
    );
    assert_eq!(f.ledger.state_hash(), hash);
    assert_eq!(f.ledger.journal().len(), journal_len);
    // Followed by an independent transfer in the same batch.
    assert_eq!(
        f.submit(&[a, h, b, c, after]),
        vec![S::LinkedEventFailed, S::LinkedEventFailed, S::InsufficientFunds, S::LinkedEventFailed, S::Ok]
    );
    assert_eq!(f.available(ALICE), 100);
    assert_eq!(f.available(BOB), 1);
    assert_eq!(f.ledger.hold(id(3)), None);
    assert_eq!(f.ledger.next_deadline(), None);
    assert_eq!(f.ledger.journal().len(), journal_len + 1);
    // Failed chains are not remembered: the whole chain may be retried.
    f.deposit(7, ALICE, 1);
    assert_eq!(f.submit(&[a, h, b, c]), vec![S::Ok; 4]);
}

#[test]
fn submit_chain_reports_the_first_status_submit_would_and_leaves_the_same_state() {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 100);
    let code = SETTLE;
    let a = Transfer::single(id(2), ALICE, BOB, amt(60), code).linked();
    let h = Transfer::pending(id(3), BOB, CAROL_CAPPED, amt(10), HOLD, 50).linked();
    let broke = Transfer::single(id(4), ALICE, BOB, amt(101), code);
    let c = Transfer::single(id(5), BANK, BOB, amt(1), TransferCode::DEPOSIT);
    let again = Transfer::single(id(1), BANK, ALICE, amt(100), TransferCode::DEPOSIT);
    let batches: Vec<Vec<Transfer>> = vec![
        vec![a, h, c],                          // one chain, applied
        vec![a, h, broke.linked(), c],          // refused third: linked_event_failed
        vec![broke.linked(), a, c],             // refused first: its own status
        vec![again.linked(), c],                // an exists inside a chain that applies
        vec![a, h],                             // left open
        vec![broke],                            // a lone transfer: its refusal is remembered
        vec![c, broke],                         // two lone transfers
        vec![a, c, broke.linked(), h.linked()], // a chain, then an open one
        vec![],
    ];
    for batch in &batches {
        let (mut by_submit, mut by_chain) = (f.ledger.clone(), f.ledger.clone());
        let mut out = Vec::new();
        by_submit.submit(Timestamp(20), batch, &mut out).unwrap();
        let want = out.iter().map(|r| r.status).find(|s| *s != S::Ok).unwrap_or(S::Ok);
        assert_eq!(by_chain.submit_chain(Timestamp(20), batch).unwrap(), want, "{batch:?}");
        assert_eq!(by_chain.state_hash(), by_submit.state_hash(), "{batch:?}");
        assert_eq!(by_chain.journal(), by_submit.journal(), "{batch:?}");
        by_chain.check_invariants().unwrap();
    }
    assert_eq!(
        f.ledger.submit_chain(Timestamp(1), &[a, c]),
        Err(LedgerError::TimeWentBackwards { now: Timestamp(1), last: Timestamp(11) })
    );
}

#[test]
fn linked_chain_left_open_at_batch_end_fails() {
    let mut f = Fixture::new();
    let a = Transfer::single(id(1), BANK, ALICE, amt(1), TransferCode::DEPOSIT).linked();
    let b = Transfer::single(id(2), BANK, ALICE, amt(1), TransferCode::DEPOSIT).linked();
    assert_eq!(f.submit(&[a, b]), vec![S::LinkedEventFailed, S::LinkedEventChainOpen]);
    assert_eq!(f.available(ALICE), 0);
}

#[test]
fn trade_settlement_chain_posts_holds_renews_remainder_and_charges_fee() {
    // A TigerBeetle-style settlement: buyer's cash hold partially posted to
    // the seller, a new hold for the buyer's remainder, the seller's share
    // hold posted to the buyer, a fee — all or nothing. (The Broker keeps a
    // working order's hold with `post_part` instead of renewing it.)
    let mut f = Fixture::new();
    let buyer_cash = ALICE;
    let seller_cash = BOB;
    let fees = AccountKey::new(2000, USD.0);
    let share_bank = AccountKey::new(1000, SHARES.0);
    let seller_shares = AccountKey::new(2, SHARES.0);
    let buyer_shares = AccountKey::new(1, SHARES.0);
    let t = Timestamp(f.now);
    for spec in [
        AccountSpec::system(fees),
        AccountSpec::system(share_bank),
        AccountSpec::wallet(seller_shares),
        AccountSpec::wallet(buyer_shares),
    ] {
        f.ledger.create_account(t, spec).unwrap();
    }
    f.deposit(1, buyer_cash, 10_000);
    f.one(Transfer::single(id(2), share_bank, seller_shares, amt(50), TransferCode::DEPOSIT));
    // Order acceptance: holds.
    let cash_hold = Transfer::pending(id(100), buyer_cash, seller_cash, amt(5_000), HOLD, 0);
    let share_hold = Transfer::pending(id(200), seller_shares, buyer_shares, amt(20), HOLD, 0);
    assert_eq!(f.submit(&[cash_hold, share_hold]), vec![S::Ok, S::Ok]);
    // Fill 10 shares at 2.00 = 2,000 cents, fee 10 cents.
    let settle = [
        Transfer::post(id(101), id(100), amt(2_000), SETTLE).linked(),
        Transfer::pending(id(102), buyer_cash, seller_cash, amt(3_000), HOLD, 0).linked(),
        Transfer::post(id(201), id(200), amt(10), SETTLE).linked(),
        Transfer::single(id(300), buyer_cash, fees, amt(10), TransferCode::FEE),
    ];
    assert_eq!(f.submit(&settle), vec![S::Ok; 4]);
    assert_eq!(f.available(buyer_cash), 10_000 - 2_000 - 3_000 - 10);
    assert_eq!(f.ledger.pending_amount(id(102)), Some(amt(3_000)));
    assert_eq!(f.available(seller_cash), 2_000);
    assert_eq!(f.available(buyer_shares), 10);
    assert_eq!(f.available(seller_shares), 40);
    // Retrying the whole settlement batch changes nothing.
    assert_eq!(f.submit(&settle), vec![S::Exists; 4]);
    assert_eq!(f.available(buyer_cash), 10_000 - 2_000 - 3_000 - 10);
}

// ---- clock, setup errors ----

#[test]
fn time_going_backwards_is_a_typed_error_and_changes_nothing() {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 5);
    let hash = f.ledger.state_hash();
    let t = Transfer::single(id(2), BANK, ALICE, amt(1), TransferCode::DEPOSIT);
    let err = f.ledger.submit(Timestamp(f.now - 1), &[t], &mut f.out).unwrap_err();
    assert_eq!(err.code(), "time_went_backwards");
    assert!(f.out.is_empty());
    let err = f.ledger.on_time(Timestamp(2), &mut Vec::new()).unwrap_err();
    assert_eq!(err.code(), "time_went_backwards");
    assert_eq!(f.ledger.state_hash(), hash);
}

#[test]
fn setup_errors_have_stable_codes() {
    let mut l = Ledger::new(LedgerConfig { accounts_max: 1, assets_max: 1, ..LedgerConfig::default() });
    let t = Timestamp(1);
    let usd = AssetSpec { id: USD, code: "USD".into(), scale: 2 };
    let zero = AssetSpec { id: AssetId(0), ..usd.clone() };
    assert_eq!(l.create_asset(t, zero).unwrap_err().code(), "asset_id_must_not_be_zero");
    let wide = AssetSpec { scale: 29, ..usd.clone() };
    assert_eq!(l.create_asset(t, wide).unwrap_err().code(), "asset_scale_too_large");
    l.create_asset(t, usd.clone()).unwrap();
    assert_eq!(l.create_asset(t, usd).unwrap_err().code(), "asset_exists");
    let btc = AssetSpec { id: BTC, code: "BTC".into(), scale: 8 };
    assert_eq!(l.create_asset(t, btc).unwrap_err().code(), "assets_max_reached");
    assert_eq!(l.create_account(t, AccountSpec::wallet(ALICE_BTC)).unwrap_err().code(), "asset_not_found");
    assert_eq!(
        l.create_account(t, AccountSpec::wallet(ALICE).with_max_balance(amt(u128::MAX))).unwrap_err().code(),
        "max_balance_overflow"
    );
    l.create_account(t, AccountSpec::wallet(ALICE)).unwrap();
    assert_eq!(l.create_account(t, AccountSpec::wallet(ALICE)).unwrap_err().code(), "account_exists");
    assert_eq!(l.create_account(t, AccountSpec::wallet(BOB)).unwrap_err().code(), "accounts_max_reached");
    assert_eq!(l.create_account(Timestamp(0), AccountSpec::wallet(BOB)).unwrap_err().code(), "time_went_backwards");
    l.check_invariants().unwrap();
}

// ---- journal, replay, snapshot, queries ----

fn busy_fixture() -> Fixture {
    let mut f = Fixture::new();
    f.deposit(1, ALICE, 1_000);
    f.deposit(2, BOB, 500);
    funded_hold_at(&mut f, 10, 300, 100);
    funded_hold_at(&mut f, 11, 200, 0);
    f.one(Transfer::post(id(12), id(11), amt(50), SETTLE));
    f.one(Transfer::single(id(13), ALICE, BOB, amt(10_000), SETTLE));
    f.now += 1_000;
    let a = Transfer::single(id(14), BOB, ALICE, amt(5), SETTLE).linked();
    let b = Transfer::single(id(15), ALICE, CAROL_CAPPED, amt(5), SETTLE);
    f.submit(&[a, b]);
    f
}

fn funded_hold_at(f: &mut Fixture, n: u128, amount: u128, timeout_ns: u64) {
    let hold = Transfer::pending(id(n), ALICE, BOB, amt(amount), HOLD, timeout_ns);
    assert_eq!(f.one(hold), S::Ok);
}

#[test]
fn replay_of_journal_reproduces_state_hash() {
    let f = busy_fixture();
    let replayed = Ledger::replay(f.ledger.config().clone(), f.ledger.journal()).unwrap();
    replayed.check_invariants().unwrap();
    assert_eq!(replayed.state_hash(), f.ledger.state_hash());
    assert_eq!(replayed.balance(ALICE), f.ledger.balance(ALICE));
}

#[test]
fn replay_of_tampered_journal_diverges() {
    let f = busy_fixture();
    let mut journal = f.ledger.journal().to_vec();
    let Some(JournalEvent::Transfer(rec)) = journal.iter_mut().rev().find_map(|e| match &mut e.event {
        ev @ JournalEvent::Transfer(_) => Some(ev),
        _ => None,
    }) else {
        panic!("no transfer in journal");
    };
    rec.transfer.amount = amt(1_000_000);
    let err = Ledger::replay(f.ledger.config().clone(), &journal).unwrap_err();
    assert_eq!(err.code(), "replay_diverged");
}

#[test]
fn snapshot_round_trips_through_json() {
    let f = busy_fixture();
    let snap = f.ledger.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    let back: LedgerSnapshot = serde_json::from_str(&json).unwrap();
    let restored = Ledger::restore(&back).unwrap();
    assert_eq!(restored.state_hash(), f.ledger.state_hash());
    let mut bad = back.clone();
    bad.state_hash ^= 1;
    assert_eq!(Ledger::restore(&bad).unwrap_err().code(), "snapshot_hash_mismatch");
}

#[test]
fn entries_of_account_are_in_time_order_and_only_its_own() {
    let f = busy_fixture();
    let entries = f.ledger.entries_of(ALICE);
    assert!(entries.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(matches!(entries[0].event, JournalEvent::AccountCreated(_)));
    for e in &entries {
        let touches = match &e.event {
            JournalEvent::AccountCreated(spec) => spec.key == ALICE,
            JournalEvent::Transfer(r) => r.transfer.debit_account == ALICE || r.transfer.credit_account == ALICE,
            JournalEvent::HoldExpired { debit_account, credit_account, .. } => {
                *debit_account == ALICE || *credit_account == ALICE
            }
            _ => false,
        };
        assert!(touches, "{e:?}");
    }
    let all = f
        .ledger
        .journal()
        .iter()
        .filter(|e| match &e.event {
            JournalEvent::Transfer(r) => r.transfer.debit_account == ALICE || r.transfer.credit_account == ALICE,
            JournalEvent::HoldExpired { debit_account, .. } => *debit_account == ALICE,
            JournalEvent::AccountCreated(spec) => spec.key == ALICE,
            _ => false,
        })
        .count();
    assert_eq!(entries.len(), all);
    assert!(f.ledger.entries_of(NOBODY).is_empty());
}

#[test]
fn decimal_boundary_uses_asset_scale() {
    let f = Fixture::new();
    let usd = f.ledger.asset(USD).unwrap();
    let d = rust_decimal::Decimal::new(12_345, 2);
    assert_eq!(usd.amount_from_decimal(d).unwrap(), amt(12_345));
    let shares = f.ledger.asset(SHARES).unwrap();
    assert_eq!(shares.amount_from_decimal(d).unwrap_err().code(), "scale_exceeds_asset");
    assert_eq!(usd.amount_to_decimal(amt(5)).unwrap().to_string(), "0.05");
}

#[test]
fn transfer_record_is_queryable_by_id() {
    let f = busy_fixture();
    let rec = f.ledger.transfer(id(12)).unwrap();
    assert!(rec.debit_from_pending && rec.credit_from_pending);
    assert_eq!(rec.transfer.debit_account, ALICE);
    assert_eq!(rec.as_submitted().debit_account, AccountKey::UNSET);
    assert!(f.ledger.transfer(id(13)).is_none());
}

/// Produces `status` through a real submit and returns what the ledger said:
/// the last transfer's status (the first's, for `linked_event_failed`). The
/// match has no wildcard, so a new status does not compile without a way to
/// produce it here.
fn produce(status: TransferStatus) -> TransferStatus {
    let mut f = Fixture::new();
    let code = TransferCode::DEPOSIT;
    let hold_code = HOLD;
    let settle = SETTLE;
    let deposit = |n, amount| Transfer::single(id(n), BANK, ALICE, amt(amount), code);
    let post = |n, amount| Transfer::post(id(n), id(10), amt(amount), settle);
    // Same id as a pending deposit already applied, one field changed.
    let mut exists_with = |change: fn(&mut Transfer)| {
        let base = Transfer::pending(id(1), BANK, ALICE, amt(5), code, 1_000).with_user_data(77);
        assert_eq!(f.one(base), S::Ok);
        let mut t = base;
        change(&mut t);
        f.one(t)
    };
    match status {
        S::Ok => Fixture::new().one(deposit(1, 5)),
        S::LinkedEventFailed => {
            f.submit(&[deposit(1, 5).linked(), Transfer::single(id(2), ALICE, BOB, amt(50), settle)])[0]
        }
        S::LinkedEventChainOpen => f.one(deposit(1, 5).linked()),
        S::IdMustNotBeZero => f.one(deposit(0, 5)),
        S::FlagsAreMutuallyExclusive => {
            f.one(Transfer { flags: TransferFlags::PENDING | TransferFlags::POST_PENDING, ..deposit(1, 5) })
        }
        S::ExistsWithDifferentFlags => exists_with(|t| t.flags = TransferFlags::NONE),
        S::ExistsWithDifferentPendingId => exists_with(|t| t.pending_id = id(9)),
        S::ExistsWithDifferentTimeout => exists_with(|t| t.timeout_ns = 5),
        S::ExistsWithDifferentDebitAccount => exists_with(|t| t.debit_account = BOB),
        S::ExistsWithDifferentCreditAccount => exists_with(|t| t.credit_account = BOB),
        S::ExistsWithDifferentAmount => exists_with(|t| t.amount = amt(6)),
        S::ExistsWithDifferentUserData => exists_with(|t| t.user_data = 78),
        S::ExistsWithDifferentCode => exists_with(|t| t.code = TransferCode::FEE),
        S::Exists => exists_with(|_| {}),
        S::IdAlreadyFailed => {
            let t = Transfer::single(id(1), ALICE, BOB, amt(10), settle);
            assert_eq!(f.one(t), S::InsufficientFunds);
            f.deposit(2, ALICE, 100);
            f.one(t)
        }
        S::PendingIdMustBeZero => f.one(Transfer { pending_id: id(5), ..deposit(1, 5) }),
        S::PendingIdMustNotBeZero => f.one(Transfer::post(id(1), id(0), amt(1), settle)),
        S::PendingIdMustBeDifferent => f.one(Transfer::post(id(1), id(1), amt(1), settle)),
        S::TimeoutReservedForPendingTransfer => f.one(Transfer { timeout_ns: 10, ..deposit(1, 5) }),
        S::CodeMustNotBeZero => f.one(Transfer { code: TransferCode(0), ..deposit(1, 5) }),
        S::AmountMustNotBeZero => f.one(deposit(1, 0)),
        S::VoidAmountMustBeZero => f.one(Transfer { amount: amt(1), ..Transfer::void(id(1), id(5), hold_code) }),
        S::AccountsMustBeDifferent => f.one(Transfer::single(id(1), ALICE, ALICE, amt(1), code)),
        S::AssetMismatch => f.one(Transfer::single(id(1), BTC_BANK, ALICE, amt(1), code)),
        S::ExceedsTransferLimit => {
            let limit = TransferLimit { code, asset: USD, max_amount: amt(100) };
            let mut f = Fixture::with_policy(Policy { transfer_limits: vec![limit], ..Policy::default() });
            f.one(deposit(1, 101))
        }
        S::AssetNotFound => {
            f.one(Transfer::single(id(1), AccountKey::new(1, 77), AccountKey::new(2, 77), amt(1), code))
        }
        S::DebitAccountNotFound => f.one(Transfer::single(id(1), NOBODY, ALICE, amt(1), code)),
        S::CreditAccountNotFound => f.one(Transfer::single(id(1), BANK, NOBODY, amt(1), code)),
        S::PendingTransferNotFound => f.one(post(11, 1)),
        S::PendingTransferNotPending => {
            f.one(deposit(10, 5));
            f.one(post(11, 1))
        }
        S::PendingTransferHasDifferentDebitAccount => {
            funded_hold(&mut f, 300, 0);
            f.one(Transfer { debit_account: BOB, ..post(11, 1) })
        }
        S::PendingTransferHasDifferentCreditAccount => {
            funded_hold(&mut f, 300, 0);
            f.one(Transfer { debit_account: ALICE, credit_account: CAROL_CAPPED, ..post(11, 1) })
        }
        S::PendingTransferAlreadyPosted => {
            funded_hold(&mut f, 300, 0);
            assert_eq!(f.one(post(11, 300)), S::Ok);
            f.one(post(12, 1))
        }
        S::PendingTransferAlreadyVoided => {
            funded_hold(&mut f, 300, 0);
            assert_eq!(f.one(Transfer::void(id(11), id(10), hold_code)), S::Ok);
            f.one(post(12, 1))
        }
        S::PendingTransferExpired => {
            funded_hold(&mut f, 300, 5);
            f.now += 10;
            f.one(post(11, 1))
        }
        S::PostAmountExceedsPending => {
            funded_hold(&mut f, 300, 0);
            f.one(post(11, 301))
        }
        S::ExceedsDailyLimit => {
            let side = LimitSide::Debit;
            let limit = DailyLimit { code: TransferCode::WITHDRAWAL, asset: USD, side, max_per_day: amt(100) };
            let mut f = Fixture::with_policy(Policy { daily_limits: vec![limit], ..Policy::default() });
            f.deposit(1, ALICE, 1_000);
            f.one(Transfer::single(id(2), ALICE, BANK, amt(101), TransferCode::WITHDRAWAL))
        }
        S::OverflowPending => {
            assert_eq!(f.one(Transfer::pending(id(1), BANK, BOB, Amount::MAX, code, 0)), S::Ok);
            f.one(Transfer::pending(id(2), BOB, BANK, amt(1), code, 0))
        }
        S::OverflowPosted => f.deposit(1, BOB, u128::MAX),
        S::InsufficientFunds => f.one(Transfer::single(id(1), ALICE, BOB, amt(1), settle)),
        S::ExceedsMaxBalance => f.deposit(1, CAROL_CAPPED, 10_001),
        S::LedgerFull => {
            let mut f = Fixture::with_config(LedgerConfig { transfers_max: 1, ..LedgerConfig::default() });
            assert_eq!(f.deposit(1, ALICE, 1), S::Ok);
            f.deposit(2, ALICE, 1)
        }
    }
}

#[test]
fn every_status_is_produced_by_a_real_transfer_and_reports_its_code() {
    let mut codes = std::collections::BTreeSet::new();
    for status in TransferStatus::ALL {
        let code = status.code();
        assert_eq!(produce(status), status, "producing {code}");
        assert!(codes.insert(code), "{code} twice");
        let snake = code.split('_').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
        assert!(snake, "{code} is not snake_case");
        assert_eq!(status.to_string(), code);
        assert_eq!(TransferStatus::from_code(code), Some(status));
        // The serde name (journal JSON, bindings) is the code, both ways.
        let json = format!("\"{code}\"");
        assert_eq!(serde_json::to_string(&status).unwrap(), json);
        assert_eq!(serde_json::from_str::<TransferStatus>(&json).unwrap(), status);
    }
}
