//! Orders by amount through the Broker: a buy holds its amount plus the fee on
//! it (no more than its quantity at the protection price would need), is
//! protected at the collar like a market order, and gives back what it did not
//! spend. The harness checks the Broker's invariants after every command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use brokerx_engine::broker::*;
use brokerx_engine::risk::InstrumentRisk;
use brokerx_engine::*;
use common::broker::*;

const BUYER: u64 = 1;
const SELLER: u64 = 2;

/// Fees 0.10 % maker / 0.30 % taker; asks 3 at 100.00 and 5 at 101.00.
fn market() -> B {
    let risk = InstrumentRisk {
        collar_bps: Some(2_000),
        reference_price: Some(Ticks(10_000)),
        maker_fee_bps: 10,
        taker_fee_bps: 30,
        ..InstrumentRisk::default()
    };
    let mut h = B::with(BrokerConfig::default(), risk);
    h.deposit(BUYER, USD, 10_000_000, 1);
    h.deposit(SELLER, ACME, 1_000, 2);
    h.limit(SELLER, Side::Sell, 10_000, 3);
    h.limit(SELLER, Side::Sell, 10_100, 5);
    h
}

fn buy(h: &mut B, usd_cents: u128, max_qty: i64) -> Vec<BrokerEventKind> {
    let amount = h.b.notional_from_amount(M, Amount::from_minor(usd_cents)).unwrap();
    h.place(Place::market_by_amount(AccountId(BUYER), M, Side::Buy, amount, Lots(max_qty)))
}

fn accepted(evs: &[BrokerEventKind]) -> (OrderId, Option<Ticks>) {
    evs.iter()
        .find_map(|e| match e {
            BrokerEventKind::Order(EventKind::Accepted { order_id, price, .. }) => Some((*order_id, *price)),
            _ => None,
        })
        .expect("accepted")
}

fn hold_posting(evs: &[BrokerEventKind]) -> u128 {
    evs.iter()
        .find_map(|e| match e {
            BrokerEventKind::Posting(p) if p.kind == PostingKind::Hold => Some(p.amount.minor()),
            _ => None,
        })
        .expect("a hold")
}

#[test]
fn a_buy_of_500_dollars_holds_500_plus_the_fee_and_returns_what_it_did_not_spend() {
    let mut h = market();
    let (cash, _) = h.cash(BUYER);
    let evs = buy(&mut h, 50_000, 1_000);
    // Held: 500.00 + 0.30 % = 501.50 (the larger fee rate), not 1,000 × 120.00.
    assert_eq!(hold_posting(&evs), 50_150);
    let (id, price) = accepted(&evs);
    assert_eq!(price, Some(Ticks(12_000)), "protected at the collar, as a market order");
    // 3 × 100.00 + 1 × 101.00 = 401.00; a second lot at 101.00 would pass 500.00.
    let paid_notional: u128 = 3 * 10_000 + 10_100;
    let fee = (paid_notional * 30).div_ceil(10_000);
    assert_eq!(h.shares(BUYER).0, 4);
    assert_eq!(h.cash(BUYER), (cash - paid_notional - fee, cash - paid_notional - fee));
    assert_eq!(h.b.hold_of(id), None, "the unspent amount is released");
    assert!(!evs.iter().any(|e| matches!(e, BrokerEventKind::SettlementFailed { .. })));
}

#[test]
fn a_small_quantity_caps_the_hold_below_the_amount() {
    let mut h = market();
    // 2 lots at the 120.00 protection: 240.00 + fee, less than 500.00 + fee.
    let evs = buy(&mut h, 50_000, 2);
    assert_eq!(hold_posting(&evs), 24_000 + 72);
    assert_eq!(h.shares(BUYER).0, 2);
}

#[test]
fn an_amount_the_client_cannot_fund_is_refused() {
    let mut h = market();
    h.deposit(7, USD, 40_000, 7);
    let amount = h.b.notional_from_amount(M, Amount::from_minor(50_000)).unwrap();
    let evs = h.place(Place::market_by_amount(AccountId(7), M, Side::Buy, amount, Lots(1_000)));
    assert_eq!(rejected(&evs), Some("insufficient_funds"));
    assert_eq!(h.cash(7), (40_000, 40_000));
}

#[test]
fn a_sell_by_amount_holds_its_shares_and_stops_at_the_amount() {
    let mut h = market();
    h.deposit(BUYER, ACME, 10, 3);
    h.deposit(SELLER + 1, USD, 10_000_000, 4);
    h.limit(SELLER + 1, Side::Buy, 9_900, 5);
    let amount = h.b.notional_from_amount(M, Amount::from_minor(25_000)).unwrap();
    let evs = h.place(Place::market_by_amount(AccountId(BUYER), M, Side::Sell, amount, Lots(10)));
    assert_eq!(hold_posting(&evs), 10, "a sell holds its quantity");
    // 2 × 99.00 = 198.00 ≤ 250.00; a third would be 297.00.
    assert_eq!(h.shares(BUYER), (8, 8));
}

#[test]
fn an_amount_must_be_a_whole_number_of_tick_lots() {
    let mut h = B::with(BrokerConfig::default(), InstrumentRisk::default());
    h.run(BrokerCommandKind::RegisterMarket(MarketSpec {
        instrument: InstrumentSpec::new("ACME/USD-5", common::d("0.05"), common::d("1")),
        base: ACME,
        quote: USD,
        risk: InstrumentRisk::default(),
    }))
    .unwrap();
    let coarse = InstrumentId(1);
    assert_eq!(h.b.notional_from_amount(coarse, Amount::from_minor(50_000)), Ok(Notional(10_000)));
    assert_eq!(h.b.notional_from_amount(coarse, Amount::from_minor(50_001)).unwrap_err().code(), "amount_off_grid");
    assert_eq!(h.b.notional_from_amount(coarse, Amount::ZERO).unwrap_err().code(), "invalid_amount");
    assert_eq!(
        h.b.notional_from_amount(InstrumentId(9), Amount::from_minor(5)).unwrap_err().code(),
        "unknown_instrument"
    );
}
