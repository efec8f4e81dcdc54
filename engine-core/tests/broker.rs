//! The Broker end to end: funds, holds, settlement, risk, kill switch, and its
//! invariants after every command (random streams too), replay and snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use brokerx_engine::broker::*;
use brokerx_engine::risk::*;
use brokerx_engine::*;
use brokerx_ledger::{AssetId, AssetSpec, Policy, TransferCode, TransferLimit, TransferStatus};
use common::d;
use proptest::prelude::*;

use common::broker::*;

#[test]
fn repeated_deposit_key_returns_the_original_result_and_moves_nothing() {
    let mut h = B::new();
    assert_eq!(funds_status(&h.deposit(1, USD, 50_000, 77)), (TransferStatus::Ok, false));
    assert_eq!(funds_status(&h.deposit(1, USD, 50_000, 77)), (TransferStatus::Ok, true));
    assert_eq!(h.cash(1), (50_000, 50_000));
    let err = h
        .run(BrokerCommandKind::Deposit(Funds {
            account: AccountId(1),
            asset: USD,
            amount: Amount::from_minor(60_000),
            key: 77,
        }))
        .unwrap_err();
    assert_eq!(err.code(), "idempotency_conflict");
    let err = h
        .run(BrokerCommandKind::Withdraw(Funds {
            account: AccountId(1),
            asset: USD,
            amount: Amount::from_minor(50_000),
            key: 77,
        }))
        .unwrap_err();
    assert_eq!(err.code(), "idempotency_conflict");
    assert_eq!(h.cash(1), (50_000, 50_000));
}

#[test]
fn withdrawal_beyond_balance_fails_and_its_key_remembers_the_failure() {
    let mut h = B::new();
    h.deposit(1, USD, 1_000, 1);
    let w = Funds { account: AccountId(1), asset: USD, amount: Amount::from_minor(5_000), key: 2 };
    let evs = h.run(BrokerCommandKind::Withdraw(w)).unwrap();
    assert_eq!(funds_status(&evs).0, TransferStatus::InsufficientFunds);
    h.deposit(1, USD, 10_000, 3);
    // Same key again: the remembered failure, not a surprise success.
    let evs = h.run(BrokerCommandKind::Withdraw(w)).unwrap();
    assert_eq!(funds_status(&evs), (TransferStatus::InsufficientFunds, true));
    assert_eq!(h.cash(1).0, 11_000);
}

#[test]
fn deposit_and_wallet_limits_are_policy() {
    let mut config = BrokerConfig::default();
    config.ledger.policy = Policy {
        transfer_limits: vec![TransferLimit {
            code: TransferCode::DEPOSIT,
            asset: USD,
            max_amount: brokerx_ledger::Amount::from_minor(100_000),
        }],
        ..Policy::default()
    };
    let mut h = B::with(config, InstrumentRisk::default());
    h.run(BrokerCommandKind::CreateAsset {
        spec: AssetSpec { id: AssetId(3), code: "EUR".into(), scale: 2 },
        wallet_max_balance: Some(Amount::from_minor(1_000_000)),
    })
    .unwrap();
    assert_eq!(funds_status(&h.deposit(1, USD, 100_001, 1)).0, TransferStatus::ExceedsTransferLimit);
    assert_eq!(funds_status(&h.deposit(1, USD, 100_000, 2)).0, TransferStatus::Ok);
    for k in 0..10 {
        assert_eq!(funds_status(&h.deposit(1, AssetId(3), 100_000, 10 + k)).0, TransferStatus::Ok);
    }
    assert_eq!(funds_status(&h.deposit(1, AssetId(3), 1, 99)).0, TransferStatus::ExceedsMaxBalance);
}

#[test]
fn a_fill_settles_past_a_wallet_cap_and_deposits_wait_until_under_it() {
    // The cap limits what a client brings in; a matched trade is final, so its
    // proceeds settle even past the cap.
    let mut h = B::new();
    const BOLT: AssetId = AssetId(3);
    h.run(BrokerCommandKind::CreateAsset {
        spec: AssetSpec { id: BOLT, code: "BOLT".into(), scale: 0 },
        wallet_max_balance: Some(Amount::from_minor(100)),
    })
    .unwrap();
    h.run(BrokerCommandKind::RegisterMarket(MarketSpec {
        instrument: InstrumentSpec::new("BOLT/USD", d("0.01"), d("1")),
        base: BOLT,
        quote: USD,
        risk: InstrumentRisk { reference_price: Some(Ticks(10_000)), ..InstrumentRisk::default() },
    }))
    .unwrap();
    let bolt = InstrumentId(1);
    h.deposit(1, USD, 10_000_000, 1);
    assert_eq!(funds_status(&h.deposit(1, BOLT, 95, 2)).0, TransferStatus::Ok);
    assert_eq!(funds_status(&h.deposit(1, BOLT, 6, 3)).0, TransferStatus::ExceedsMaxBalance);
    h.deposit(2, BOLT, 50, 4);
    h.place(Place::limit(AccountId(1), bolt, Side::Buy, Ticks(10_000), Lots(10)));
    let evs = h.place(Place::limit(AccountId(2), bolt, Side::Sell, Ticks(10_000), Lots(10)));
    assert!(!evs.iter().any(|e| matches!(e, BrokerEventKind::SettlementFailed { .. })), "{evs:?}");
    assert_eq!(h.b.balance(AccountId(1), BOLT).minor(), 105);
    assert_eq!(funds_status(&h.deposit(1, BOLT, 1, 5)).0, TransferStatus::ExceedsMaxBalance);
    // Back under the cap (a sale), deposits are taken again.
    h.place(Place::limit(AccountId(1), bolt, Side::Sell, Ticks(10_000), Lots(10)));
    h.place(Place::limit(AccountId(2), bolt, Side::Buy, Ticks(10_000), Lots(10)));
    assert_eq!(h.b.balance(AccountId(1), BOLT).minor(), 95);
    assert_eq!(funds_status(&h.deposit(1, BOLT, 5, 6)).0, TransferStatus::Ok);
}

#[test]
fn a_market_is_refused_when_the_ledger_policy_could_refuse_its_settlements() {
    use brokerx_ledger::{Amount, DailyLimit, LimitSide, WalletLimit};
    let limited = [
        Policy {
            transfer_limits: vec![TransferLimit {
                code: TRADE_SETTLEMENT,
                asset: USD,
                max_amount: Amount::from_minor(1_000),
            }],
            ..Policy::default()
        },
        Policy {
            daily_limits: vec![DailyLimit {
                code: ORDER_HOLD,
                asset: ACME,
                side: LimitSide::Debit,
                max_per_day: Amount::from_minor(10),
            }],
            ..Policy::default()
        },
        Policy {
            wallet_limits: vec![WalletLimit { asset: USD, max_balance: Amount::from_minor(1) }],
            ..Policy::default()
        },
    ];
    for policy in limited {
        let mut config = BrokerConfig::default();
        config.ledger.policy = policy;
        let mut b = Broker::new(config);
        let mut out = Vec::new();
        for (n, (id, code, scale)) in [(USD, "USD", 2), (ACME, "ACME", 0)].into_iter().enumerate() {
            let kind = BrokerCommandKind::CreateAsset {
                spec: AssetSpec { id, code: code.into(), scale },
                wallet_max_balance: None,
            };
            b.apply(&BrokerCommand { ts: Timestamp(n as u64), correlation_id: CorrelationId(0), kind }, &mut out)
                .unwrap();
        }
        let (hash, len) = (b.state_hash(), out.len());
        let kind = BrokerCommandKind::RegisterMarket(MarketSpec {
            instrument: InstrumentSpec::new("ACME/USD", d("0.01"), d("1")),
            base: ACME,
            quote: USD,
            risk: InstrumentRisk::default(),
        });
        let err = b.apply(&BrokerCommand { ts: Timestamp(9), correlation_id: CorrelationId(0), kind }, &mut out);
        assert_eq!(err.unwrap_err().code(), "invalid_market");
        assert_eq!((b.state_hash(), out.len()), (hash, len));
    }
}

#[test]
fn buy_order_holds_cash_and_cancel_releases_it() {
    let mut h = B::new();
    h.deposit(1, USD, 100_000, 1);
    let id = order_id(&h.limit(1, Side::Buy, 10_000, 3)); // 3 × $100.00
    assert_eq!(h.cash(1), (100_000, 70_000));
    assert_eq!(h.b.hold_of(id).unwrap().1.minor(), 30_000);
    h.run(BrokerCommandKind::Cancel(Cancel { account: AccountId(1), order: OrderRef::Id(id) })).unwrap();
    assert_eq!(h.cash(1), (100_000, 100_000));
    assert!(h.b.hold_of(id).is_none());
}

#[test]
fn each_asset_has_the_system_accounts_the_public_constants_name() {
    let mut h = B::new();
    for asset in [USD, ACME] {
        for key in [external_account(asset), fees_account(asset), escrow_account(asset)] {
            assert!(is_reserved_owner(key.owner.0));
            assert!(h.b.ledger().account(key).is_some(), "{key:?} not created with the asset");
        }
    }
    assert_eq!(RESERVED_OWNERS_FROM, u64::MAX - 15);
    h.deposit(1, USD, 5_000, 1);
    let wallet = h.b.ledger().balance(wallet_account(AccountId(1), USD)).unwrap();
    assert_eq!(wallet.posted(), 5_000);
    let external = h.b.ledger().balance(external_account(USD)).unwrap();
    assert_eq!(external.posted(), -5_000);
}

#[test]
fn unaffordable_order_is_rejected_before_the_book() {
    let mut h = B::new();
    h.deposit(1, USD, 29_999, 1);
    let evs = h.limit(1, Side::Buy, 10_000, 3);
    assert_eq!(rejected(&evs), Some("insufficient_funds"));
    assert_eq!(h.b.engine().live_orders(), 0);
    let evs = h.limit(2, Side::Sell, 10_000, 1);
    assert_eq!(rejected(&evs), Some("insufficient_funds"));
}

/// Maker 10 bps, taker 20 bps; client 1 has 10,000.00 USD, client 2 has 10 ACME.
fn funded_with_fees() -> B {
    let risk = InstrumentRisk {
        maker_fee_bps: 10,
        taker_fee_bps: 20,
        reference_price: Some(Ticks(10_000)),
        ..InstrumentRisk::default()
    };
    let mut h = B::with(BrokerConfig::default(), risk);
    h.deposit(1, USD, 1_000_000, 1);
    h.deposit(2, ACME, 10, 2);
    h
}

#[test]
fn a_fill_moves_cash_and_shares_exactly_once_with_fees() {
    let mut h = funded_with_fees();
    let sell = order_id(&h.limit(2, Side::Sell, 9_900, 10));
    // Buyer bids 100.00 for 4; trades at the maker's 99.00 (price improvement).
    let evs = h.limit(1, Side::Buy, 10_000, 4);
    let buy = order_id(&evs);
    let notional = 4 * 9_900;
    let (buyer_fee, seller_fee) = (fee(notional, 20), fee(notional, 10));
    assert_eq!(h.cash(1), (1_000_000 - notional - buyer_fee, 1_000_000 - notional - buyer_fee));
    assert_eq!(h.shares(1), (4, 4));
    assert_eq!(h.cash(2), (notional - seller_fee, notional - seller_fee));
    assert_eq!(h.shares(2), (6, 0)); // 6 still held by the working sell
    assert_eq!(h.b.hold_of(sell).unwrap().1.minor(), 6);
    assert!(h.b.hold_of(buy).is_none());
    let fees = h.b.ledger().balance(brokerx_ledger::AccountKey::new(FEES_OWNER, USD.0)).unwrap();
    assert_eq!(fees.posted(), (buyer_fee + seller_fee) as i128);
    // The buy is done: its hold is posted and the rest released. The sell stays
    // live: 4 shares are settled from its hold, which keeps the other 6 under
    // the same id.
    let sell_hold = h.b.hold_of(sell).unwrap().0;
    let posts: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            BrokerEventKind::Posting(p) if matches!(p.kind, PostingKind::Post | PostingKind::PostPart) => {
                Some((p.kind, p.amount.minor()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(posts, vec![(PostingKind::Post, notional + buyer_fee), (PostingKind::PostPart, 4)]);
    assert_eq!(h.b.ledger().hold(sell_hold).unwrap().posted_amount.minor(), 4);
    // No new hold for the rest: the only one is the buy's own, when it was placed.
    let holds: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            BrokerEventKind::Posting(p) if p.kind == PostingKind::Hold => Some(p.trade_id),
            _ => None,
        })
        .collect();
    assert_eq!(holds, vec![None]);
}

#[test]
fn a_buy_that_stays_live_after_a_fill_keeps_its_hold_id_sized_for_the_rest() {
    let mut h = funded_with_fees();
    h.limit(2, Side::Sell, 9_900, 4);
    // Bids 100.00 for 10: takes 4 at 99.00 (below its limit), rests 6.
    let evs = h.limit(1, Side::Buy, 10_000, 10);
    let buy = order_id(&evs);
    let (hold_id, hold) = h.b.hold_of(buy).unwrap();
    let hold = hold.minor();
    let placed_hold = evs
        .iter()
        .find_map(|e| match e {
            BrokerEventKind::Posting(p) if p.kind == PostingKind::Hold => Some((p.transfer_id, p.amount.minor())),
            _ => None,
        })
        .unwrap();
    assert_eq!(placed_hold.0, hold_id, "the hold made at placement is the one the order keeps");
    // Worst case for the 6 left: 6 x 100.00 plus the larger (taker) fee on that.
    assert_eq!(hold, 6 * 10_000 + fee(6 * 10_000, 20));
    let paid = 4 * 9_900 + fee(4 * 9_900, 20);
    let settled: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            BrokerEventKind::Posting(p) if p.trade_id.is_some() && p.debit.owner.0 == 1 => {
                Some((p.kind, p.amount.minor()))
            }
            _ => None,
        })
        .collect();
    // First the hold is resized to what is paid plus what stays held, then the
    // payment is settled from it.
    assert_eq!(settled, vec![(PostingKind::Resize, paid + hold), (PostingKind::PostPart, paid)]);
    assert_eq!(h.b.ledger().pending_amount(hold_id).unwrap().minor(), hold);
    assert_eq!(h.cash(1), (1_000_000 - paid, 1_000_000 - paid - hold));
    // Cancelling releases the rest of the same hold.
    h.run(BrokerCommandKind::Cancel(Cancel { account: AccountId(1), order: OrderRef::Id(buy) })).unwrap();
    assert_eq!(h.cash(1), (1_000_000 - paid, 1_000_000 - paid));
    assert_eq!(h.b.ledger().hold(hold_id).unwrap().posted_amount.minor(), paid);
}

#[test]
fn a_fee_schedule_change_does_not_reach_live_orders() {
    // Orders pay the fees in force when they were accepted: their holds were sized
    // for those. (Charging a resting buy a fee raised since would overdraw its hold.)
    let old = InstrumentRisk {
        maker_fee_bps: 0,
        taker_fee_bps: 10,
        reference_price: Some(Ticks(10_000)),
        ..InstrumentRisk::default()
    };
    let mut h = B::with(BrokerConfig::default(), old);
    h.deposit(1, USD, 1_000_000, 1);
    h.deposit(2, ACME, 20, 2);
    let buy = order_id(&h.limit(1, Side::Buy, 10_000, 10));
    let held = h.b.hold_of(buy).unwrap().1.minor();
    assert_eq!(held, 100_000 + fee(100_000, 10));
    let new = InstrumentRisk { maker_fee_bps: 100, taker_fee_bps: 120, ..old };
    h.run(BrokerCommandKind::SetInstrumentRisk { instrument: M, risk: new }).unwrap();
    assert_eq!(h.b.hold_of(buy).unwrap().1.minor(), held, "the live order's hold is unchanged");

    // The resting buy is the maker: old maker fee (0); the new sell is the taker: new fee.
    let evs = h.limit(2, Side::Sell, 10_000, 4);
    assert!(!evs.iter().any(|e| matches!(e, BrokerEventKind::SettlementFailed { .. })));
    let notional = 40_000;
    assert_eq!(h.cash(1).0, 1_000_000 - notional);
    assert_eq!(h.cash(2).0, notional - fee(notional, 120));
    assert_eq!(h.b.hold_of(buy).unwrap().1.minor(), 60_000 + fee(60_000, 10), "the remainder keeps the old rates");

    // Amending keeps the order's rates too; a new order gets the new ones.
    h.run(BrokerCommandKind::Amend(Amend {
        account: AccountId(1),
        order: OrderRef::Id(buy),
        new_price: Some(Ticks(9_990)),
        new_qty: None,
        expected_version: None,
        new_trigger: None,
        new_display: None,
    }))
    .unwrap();
    assert_eq!(h.b.hold_of(buy).unwrap().1.minor(), 6 * 9_990 + fee(6 * 9_990, 10));
    let late = order_id(&h.limit(1, Side::Buy, 9_980, 2));
    assert_eq!(h.b.hold_of(late).unwrap().1.minor(), 2 * 9_980 + fee(2 * 9_980, 120));
}

#[test]
fn a_snapshot_of_another_format_version_is_refused() {
    let mut h = B::new();
    h.deposit(1, USD, 1_000_000, 1);
    h.limit(1, Side::Buy, 10_000, 3);
    let mut snap = h.b.snapshot();
    assert!(Broker::restore(&snap).is_ok());
    snap.format_version = 1;
    let err = Broker::restore(&snap).unwrap_err();
    assert!(err.to_string().contains("format version 1"), "{err}");
}

#[test]
fn a_partial_fill_settles_when_the_buyer_has_nothing_beyond_its_hold() {
    // Fees round up per fill, so the fee on what is left can come to a cent more
    // than the hold's fee minus the fee just paid: here 31 held, 11 paid, 21 due.
    let risk = InstrumentRisk {
        maker_fee_bps: 10,
        taker_fee_bps: 10,
        reference_price: Some(Ticks(10_000)),
        ..InstrumentRisk::default()
    };
    let mut h = B::with(BrokerConfig::default(), risk);
    let hold = 30_003 + fee(30_003, 10);
    h.deposit(1, USD, hold, 1);
    h.deposit(2, ACME, 3, 2);
    let buy = order_id(&h.limit(1, Side::Buy, 10_001, 3));
    assert_eq!(h.cash(1).1, 0, "everything is held");
    let evs = h.limit(2, Side::Sell, 10_001, 1);
    assert!(!evs.iter().any(|e| matches!(e, BrokerEventKind::SettlementFailed { .. })), "{evs:?}");
    assert_eq!(h.shares(1).0, 1);
    let left = h.b.hold_of(buy).unwrap().1.minor();
    assert!(left <= hold - (10_001 + fee(10_001, 10)), "the hold kept for the rest is never more than what is left");
    // The rest fills too, and the buyer ends with its shares and no negative cash.
    let evs = h.limit(2, Side::Sell, 10_001, 2);
    assert!(!evs.iter().any(|e| matches!(e, BrokerEventKind::SettlementFailed { .. })), "{evs:?}");
    assert_eq!(h.shares(1).0, 3);
    assert!(h.b.hold_of(buy).is_none());
    let wallet = h.b.ledger().balance(brokerx_ledger::AccountKey::new(1, USD.0)).unwrap();
    assert!(wallet.posted() >= 0 && wallet.available() >= 0, "{wallet:?}");
}

#[test]
fn partial_fill_keeps_a_hold_sized_to_the_remainder() {
    let mut h = B::new();
    h.deposit(1, USD, 1_000_000, 1);
    h.deposit(2, ACME, 3, 2);
    let buy = order_id(&h.limit(1, Side::Buy, 10_000, 10));
    h.limit(2, Side::Sell, 10_000, 3);
    assert_eq!(h.b.hold_of(buy).unwrap().1.minor(), 7 * 10_000);
    assert_eq!(h.cash(1), (1_000_000 - 30_000, 1_000_000 - 100_000));
}

#[test]
fn ioc_remainder_releases_its_hold() {
    let mut h = B::new();
    h.deposit(1, USD, 1_000_000, 1);
    h.deposit(2, ACME, 3, 2);
    h.limit(2, Side::Sell, 10_000, 3);
    h.place(Place::limit(AccountId(1), M, Side::Buy, Ticks(10_000), Lots(5)).with_tif(TimeInForce::Ioc));
    assert_eq!(h.cash(1), (1_000_000 - 30_000, 1_000_000 - 30_000));
}

#[test]
fn market_buy_is_protected_by_the_collar() {
    let mut h = B::new(); // collar 20% around reference 100.00 → protection 120.00
    h.deposit(1, USD, 1_000_000, 1);
    h.deposit(2, ACME, 10, 2);
    h.limit(2, Side::Sell, 11_000, 2);
    h.limit(2, Side::Sell, 13_000, 2); // above the protection price
    let evs = h.place(Place::market(AccountId(1), M, Side::Buy, Lots(4)));
    let trades: Vec<i64> = evs
        .iter()
        .filter_map(|e| match e {
            BrokerEventKind::Order(EventKind::Trade { price, .. }) => Some(price.0),
            _ => None,
        })
        .collect();
    assert_eq!(trades, vec![11_000]);
    assert_eq!(h.cash(1).1, 1_000_000 - 22_000);
}

#[test]
fn amend_up_needs_the_funds_and_amend_down_releases_them() {
    let mut h = B::new();
    h.deposit(1, USD, 50_000, 1);
    let id = order_id(&h.limit(1, Side::Buy, 10_000, 3));
    let evs = h
        .run(BrokerCommandKind::Amend(Amend {
            account: AccountId(1),
            order: OrderRef::Id(id),
            new_price: None,
            new_qty: Some(Lots(6)),
            expected_version: Some(0),
            new_trigger: None,
            new_display: None,
        }))
        .unwrap();
    assert_eq!(rejected(&evs), Some("insufficient_funds"));
    assert_eq!(h.b.engine().order(id).unwrap().qty, Lots(3));
    h.run(BrokerCommandKind::Amend(Amend {
        account: AccountId(1),
        order: OrderRef::Id(id),
        new_price: None,
        new_qty: Some(Lots(1)),
        expected_version: Some(0),
        new_trigger: None,
        new_display: None,
    }))
    .unwrap();
    assert_eq!(h.cash(1).1, 40_000);
    let (hold_id, _) = h.b.hold_of(id).unwrap();
    let evs = h
        .run(BrokerCommandKind::Amend(Amend {
            account: AccountId(1),
            order: OrderRef::Id(id),
            new_price: Some(Ticks(11_000)),
            new_qty: Some(Lots(4)),
            expected_version: Some(1),
            new_trigger: None,
            new_display: None,
        }))
        .unwrap();
    assert_eq!(h.cash(1).1, 50_000 - 44_000);
    // The hold is resized in place: one posting, the same hold id.
    let postings: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            BrokerEventKind::Posting(p) => Some((p.kind, p.amount.minor())),
            _ => None,
        })
        .collect();
    assert_eq!(postings, vec![(PostingKind::Resize, 44_000)]);
    assert_eq!(h.b.hold_of(id), Some((hold_id, Amount::from_minor(44_000))));
    let err = h
        .run(BrokerCommandKind::Amend(Amend {
            account: AccountId(1),
            order: OrderRef::Id(id),
            new_price: None,
            new_qty: Some(Lots(2)),
            expected_version: Some(0),
            new_trigger: None,
            new_display: None,
        }))
        .unwrap_err();
    assert_eq!(err.code(), "stale_version");
}

#[test]
fn kill_switch_cancels_open_orders_and_refuses_new_ones() {
    let mut h = B::new();
    h.deposit(1, USD, 100_000, 1);
    h.limit(1, Side::Buy, 10_000, 1);
    h.limit(1, Side::Buy, 9_900, 1);
    let evs = h.run(BrokerCommandKind::SetAccountEnabled { account: AccountId(1), enabled: false }).unwrap();
    assert_eq!(evs.iter().filter(|e| matches!(e, BrokerEventKind::Order(EventKind::Cancelled { .. }))).count(), 2);
    assert_eq!(h.cash(1).1, 100_000);
    assert_eq!(rejected(&h.limit(1, Side::Buy, 10_000, 1)), Some("account_disabled"));
    h.run(BrokerCommandKind::SetAccountEnabled { account: AccountId(1), enabled: true }).unwrap();
    assert_eq!(rejected(&h.limit(1, Side::Buy, 10_000, 1)), None);
}

#[test]
fn restrictions_limits_and_throttle_are_commands_with_audit_events() {
    let mut h = B::new();
    h.deposit(1, USD, 1_000_000, 1);
    let evs = h
        .run(BrokerCommandKind::RestrictInstrument { account: AccountId(1), instrument: M, restricted: true })
        .unwrap();
    assert!(matches!(evs[..], [BrokerEventKind::RestrictionChanged { restricted: true, .. }]));
    assert_eq!(rejected(&h.limit(1, Side::Buy, 10_000, 1)), Some("instrument_restricted"));
    h.run(BrokerCommandKind::RestrictInstrument { account: AccountId(1), instrument: M, restricted: false }).unwrap();
    let limits = AccountLimits {
        max_open_orders: Some(2),
        throttle: Some(Throttle { max_commands: 3, window_ns: 1_000 }),
        ..AccountLimits::default()
    };
    h.run(BrokerCommandKind::SetAccountLimits { account: AccountId(1), limits }).unwrap();
    assert_eq!(rejected(&h.limit(1, Side::Buy, 10_000, 1)), None);
    assert_eq!(rejected(&h.limit(1, Side::Buy, 10_000, 1)), None);
    assert_eq!(rejected(&h.limit(1, Side::Buy, 10_000, 1)), Some("too_many_open_orders"));
    let evs = h.place(Place::limit(AccountId(1), M, Side::Buy, Ticks(10_000), Lots(1)).with_tif(TimeInForce::Ioc));
    assert_eq!(rejected(&evs), None);
    let evs = h.place(Place::limit(AccountId(1), M, Side::Buy, Ticks(10_000), Lots(1)).with_tif(TimeInForce::Ioc));
    assert_eq!(rejected(&evs), Some("rate_limited"));
    h.ts += 2_000; // the window slides
    let evs = h.place(Place::limit(AccountId(1), M, Side::Buy, Ticks(10_000), Lots(1)).with_tif(TimeInForce::Ioc));
    assert_eq!(rejected(&evs), None);
    let evs = h.limit(1, Side::Buy, 13_000, 1);
    assert_eq!(rejected(&evs), Some("price_outside_collar"));
}

#[test]
fn gtd_expiry_releases_the_hold() {
    let mut h = B::new();
    h.deposit(1, USD, 100_000, 1);
    h.place(Place::limit(AccountId(1), M, Side::Buy, Ticks(10_000), Lots(2)).with_expire_at(Timestamp(h.ts + 100)));
    assert_eq!(h.cash(1).1, 80_000);
    assert!(h.b.next_deadline().is_some());
    h.ts += 200;
    h.run(BrokerCommandKind::ExpireDue).unwrap();
    assert_eq!(h.cash(1).1, 100_000);
}

#[test]
fn halted_market_refuses_orders_with_a_risk_code() {
    let mut h = B::new();
    h.deposit(1, USD, 100_000, 1);
    h.run(BrokerCommandKind::SetTradingStatus(SetTradingStatus {
        instrument: M,
        status: TradingStatus::Halted,
        cancel_resting: false,
    }))
    .unwrap();
    assert_eq!(rejected(&h.limit(1, Side::Buy, 10_000, 1)), Some("instrument_halted"));
    assert_eq!(h.cash(1).1, 100_000);
}

#[test]
fn reserved_accounts_and_bad_amounts_are_errors() {
    let mut h = B::new();
    let err = h
        .run(BrokerCommandKind::Deposit(Funds {
            account: AccountId(ESCROW_OWNER),
            asset: USD,
            amount: Amount::from_minor(1),
            key: 1,
        }))
        .unwrap_err();
    assert_eq!(err.code(), "reserved_account");
    let err = h
        .run(BrokerCommandKind::Deposit(Funds {
            account: AccountId(1),
            asset: USD,
            amount: Amount::from_minor(0),
            key: 1,
        }))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_amount");
    let err = h
        .run(BrokerCommandKind::Deposit(Funds {
            account: AccountId(1),
            asset: AssetId(9),
            amount: Amount::from_minor(1),
            key: 1,
        }))
        .unwrap_err();
    assert_eq!(err.code(), "unknown_asset");
    let err = h.run(BrokerCommandKind::Place(Place::limit(AccountId(1), M, Side::Buy, Ticks(0), Lots(1)))).unwrap_err();
    assert_eq!(err.code(), "invalid_price");
}

// ---- random streams: invariants after every command, replay, snapshots -----------

#[derive(Clone, Debug)]
enum Op {
    Deposit(u64, bool, u32),
    Withdraw(u64, bool, u32),
    Place {
        account: u64,
        side: bool,
        price: i64,
        qty: i64,
        tif: u8,
        market: bool,
        stp: bool,
        stop: Option<(bool, i64)>,
        amount: Option<u64>,
    },
    Cancel(u64, u64),
    Amend {
        account: u64,
        id: u64,
        price: Option<i64>,
        qty: Option<i64>,
        trigger: Option<i64>,
    },
    Disable(u64, bool),
    Expire,
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0u64..4, any::<bool>(), 1u32..200_000).prop_map(|(a, cash, x)| Op::Deposit(a, cash, x)),
        1 => (0u64..4, any::<bool>(), 1u32..50_000).prop_map(|(a, cash, x)| Op::Withdraw(a, cash, x)),
        8 => (0u64..4, any::<bool>(), 9_500i64..10_500, 1i64..8, 0u8..4, prop::bool::weighted(0.1), prop::bool::weighted(0.2), prop::option::weighted(0.15, (any::<bool>(), 9_700i64..10_300)), prop::option::weighted(0.1, 1u64..60_000))
            .prop_map(|(account, side, price, qty, tif, market, stp, stop, amount)| Op::Place { account, side, price, qty, tif, market, stp, stop, amount }),
        2 => (0u64..4, 1u64..40).prop_map(|(a, id)| Op::Cancel(a, id)),
        3 => (0u64..4, 1u64..40, prop::option::of(9_500i64..10_500), prop::option::of(1i64..10), prop::option::weighted(0.1, 9_700i64..10_300)).prop_map(|(account, id, price, qty, trigger)| Op::Amend { account, id, price, qty, trigger }),
        1 => (0u64..4, any::<bool>()).prop_map(|(a, e)| Op::Disable(a, e)),
        1 => Just(Op::Expire),
    ]
}

fn to_kind(op: &Op, key: u128, ts: u64) -> BrokerCommandKind {
    match *op {
        Op::Deposit(a, cash, x) => BrokerCommandKind::Deposit(Funds {
            account: AccountId(a),
            asset: if cash { USD } else { ACME },
            amount: Amount::from_minor(u128::from(if cash { x } else { x % 20 + 1 })),
            key,
        }),
        Op::Withdraw(a, cash, x) => BrokerCommandKind::Withdraw(Funds {
            account: AccountId(a),
            asset: if cash { USD } else { ACME },
            amount: Amount::from_minor(u128::from(if cash { x } else { x % 10 + 1 })),
            key,
        }),
        Op::Place { account, side, price, qty, tif, market, stp, stop, amount } => {
            let side = if side { Side::Buy } else { Side::Sell };
            // A stop-market (`market`) or a stop-limit at `price`.
            // By amount: at any price (`market`) or at `price` or better, IOC.
            let mut p = if let Some(a) = amount {
                let order_type = match market {
                    true => OrderType::MarketByAmount { amount: Notional(a) },
                    false => OrderType::LimitByAmount { limit: Ticks(price), amount: Notional(a) },
                };
                Place { order_type, ..Place::market_by_amount(AccountId(account), M, side, Notional(a), Lots(qty)) }
            } else if let Some((stop_market, trigger)) = stop {
                let order_type = match stop_market {
                    true => OrderType::StopMarket { trigger: Ticks(trigger) },
                    false => OrderType::StopLimit { trigger: Ticks(trigger), limit: Ticks(price) },
                };
                Place { order_type, ..Place::limit(AccountId(account), M, side, Ticks(price), Lots(qty)) }
            } else if market {
                Place::market(AccountId(account), M, side, Lots(qty))
            } else {
                Place::limit(AccountId(account), M, side, Ticks(price), Lots(qty))
            };
            if amount.is_some() {
                if tif == 0 {
                    p.time_in_force = TimeInForce::Fok;
                }
            } else if !market {
                match tif {
                    0 => p.time_in_force = TimeInForce::Ioc,
                    1 => p = p.with_expire_at(Timestamp(ts + 35)),
                    _ => {}
                }
            }
            if stp {
                p.stp = SelfTradePrevention::Decrement;
            }
            BrokerCommandKind::Place(p)
        }
        Op::Cancel(a, id) => {
            BrokerCommandKind::Cancel(Cancel { account: AccountId(a), order: OrderRef::Id(OrderId(id)) })
        }
        Op::Amend { account, id, price, qty, trigger } => BrokerCommandKind::Amend(Amend {
            account: AccountId(account),
            order: OrderRef::Id(OrderId(id)),
            new_price: price.map(Ticks),
            new_qty: qty.map(Lots),
            expected_version: None,
            new_trigger: trigger.map(Ticks),
            new_display: None,
        }),
        Op::Disable(a, e) => BrokerCommandKind::SetAccountEnabled { account: AccountId(a), enabled: e },
        Op::Expire => BrokerCommandKind::ExpireDue,
    }
}

fn setup() -> (Broker, Vec<BrokerCommand>) {
    let risk = InstrumentRisk {
        maker_fee_bps: 5,
        taker_fee_bps: 15,
        reference_price: Some(Ticks(10_000)),
        ..InstrumentRisk::default()
    };
    let h = B::with(BrokerConfig::default(), risk);
    (h.b, Vec::new())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_streams_keep_every_invariant_and_replay_exactly(ops in prop::collection::vec(arb_op(), 1..150)) {
        let (mut b, _) = setup();
        let mut log = Vec::new();
        let mut out = Vec::new();
        let mut snap = None;
        for (n, op) in ops.iter().enumerate() {
            if n == ops.len() / 2 {
                snap = Some((b.snapshot(), log.len(), out.len()));
            }
            let ts = 1_000 + 10 * n as u64;
            let cmd = BrokerCommand { ts: Timestamp(ts), correlation_id: CorrelationId(n as u64 + 100), kind: to_kind(op, n as u128 % 7, ts) };
            let hash = b.state_hash();
            let len = out.len();
            match b.apply(&cmd, &mut out) {
                Ok(()) => log.push(cmd),
                Err(e) => {
                    prop_assert_eq!(b.state_hash(), hash, "refused {:?} changed state", e);
                    prop_assert_eq!(out.len(), len);
                }
            }
            b.check_invariants().map_err(|e| TestCaseError::fail(format!("after op {n} {op:?}: {e}")))?;
            let failed = out.iter().any(|e| matches!(e.kind, BrokerEventKind::SettlementFailed { .. }));
            prop_assert!(!failed, "a settlement failed");
        }
        for (k, e) in out.iter().enumerate() {
            prop_assert_eq!(e.seq, k as u64 + 1 + 4); // 4 set-up events before
        }
        let (mut r, _) = setup();
        let mut rout = Vec::new();
        for c in &log {
            r.apply(c, &mut rout).unwrap();
        }
        prop_assert_eq!(&rout, &out);
        prop_assert_eq!(r.state_hash(), b.state_hash());
        if let Some((s, at_log, at_out)) = snap {
            let json = serde_json::to_string(&s).unwrap();
            let mut c = Broker::restore(&serde_json::from_str(&json).unwrap()).unwrap();
            let mut cout = Vec::new();
            for cmd in &log[at_log..] {
                c.apply(cmd, &mut cout).unwrap();
            }
            prop_assert_eq!(&cout[..], &out[at_out..]);
            prop_assert_eq!(c.state_hash(), b.state_hash());
        }
    }
}
