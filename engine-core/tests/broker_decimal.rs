//! The Broker's Decimal boundary: amounts exact at the asset's scale or refused,
//! balances readable as decimals, risk refusals in the caller's units.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use brokerx_engine::broker::*;
use brokerx_engine::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn usd() -> AssetSpec {
    AssetSpec { id: AssetId(1), code: "USD".into(), scale: 2 }
}
fn btc() -> AssetSpec {
    AssetSpec { id: AssetId(2), code: "BTC".into(), scale: 8 }
}

struct Desk {
    broker: Broker,
    events: Vec<BrokerEvent>,
    ts: u64,
    market: Instrument,
}

impl Desk {
    /// BTC/USD, tick 10.0, lot 0.001 BTC, 10 bps taker fee, a $50,000 notional limit.
    fn new() -> Desk {
        let mut desk = Desk {
            broker: Broker::new(BrokerConfig::default()),
            events: Vec::new(),
            ts: 0,
            market: Instrument { id: InstrumentId(0), spec: InstrumentSpec::new("-", Decimal::ONE, Decimal::ONE) },
        };
        desk.run(BrokerCommandKind::CreateAsset { spec: usd(), wallet_max_balance: None });
        desk.run(BrokerCommandKind::CreateAsset { spec: btc(), wallet_max_balance: None });
        let spec = InstrumentSpec::new("BTC/USD", d("10.0"), d("0.001"));
        let risk = InstrumentRisk { taker_fee_bps: 10, ..InstrumentRisk::default() }
            .with_reference_price(&spec, d("60000"))
            .unwrap()
            .with_max_order_notional(&usd(), d("50000.00"))
            .unwrap();
        desk.run(BrokerCommandKind::RegisterMarket(MarketSpec {
            instrument: spec,
            base: btc().id,
            quote: usd().id,
            risk,
        }));
        desk.market = desk.broker.engine().instrument_by_symbol("BTC/USD").unwrap().clone();
        desk
    }

    fn run(&mut self, kind: BrokerCommandKind) -> Vec<BrokerEventKind> {
        self.ts += 1;
        let start = self.events.len();
        let cmd = BrokerCommand { ts: Timestamp(self.ts), correlation_id: CorrelationId(self.ts), kind };
        self.broker.apply(&cmd, &mut self.events).unwrap();
        self.broker.check_invariants().unwrap();
        self.events[start..].iter().map(|e| e.kind).collect()
    }

    fn limit(&self, account: u64, side: Side, qty: &str, price: &str) -> BrokerCommandKind {
        let m = &self.market;
        BrokerCommandKind::Place(Place::limit(
            AccountId(account),
            m.id,
            side,
            m.price_to_ticks(d(price)).unwrap(),
            m.qty_to_lots(d(qty)).unwrap(),
        ))
    }

    fn rejection(&mut self, kind: BrokerCommandKind) -> OrderRejection {
        let events = self.run(kind);
        match events.last() {
            Some(BrokerEventKind::OrderRejected { reject, .. }) => *reject,
            other => panic!("expected a risk refusal, got {other:?}"),
        }
    }
}

#[test]
fn funds_convert_exactly_at_the_asset_scale_or_are_refused() {
    let f = Funds::from_decimal(&usd(), AccountId(1), d("12.34"), 7).unwrap();
    assert_eq!(f.amount, Amount::from_minor(1_234));
    assert_eq!(Funds::from_decimal(&usd(), AccountId(1), d("12.340"), 7).unwrap().amount, Amount::from_minor(1_234));
    let sats = Funds::from_decimal(&btc(), AccountId(1), d("0.00000001"), 7).unwrap();
    assert_eq!(sats.amount, Amount::from_minor(1));
    assert_eq!(Funds::from_decimal(&usd(), AccountId(1), d("12.345"), 7).unwrap_err().code(), "scale_exceeds_asset");
    assert_eq!(Funds::from_decimal(&usd(), AccountId(1), d("-1"), 7).unwrap_err().code(), "negative_amount");
}

#[test]
fn balances_read_as_decimals_at_the_asset_scale() {
    let mut desk = Desk::new();
    desk.run(BrokerCommandKind::Deposit(Funds::from_decimal(&usd(), AccountId(1), d("1500"), 1).unwrap()));
    desk.run(BrokerCommandKind::Deposit(Funds::from_decimal(&btc(), AccountId(2), d("0.25"), 2).unwrap()));
    let b = &desk.broker;
    assert_eq!(b.balance_decimal(AccountId(1), usd().id).unwrap().to_string(), "1500.00");
    assert_eq!(b.available_decimal(AccountId(2), btc().id).unwrap().to_string(), "0.25000000");
    assert_eq!(b.balance(AccountId(2), btc().id), Amount::from_minor(25_000_000));
    // A client with no wallet has zero, at the asset's scale; an unknown asset has no balance.
    assert_eq!(b.balance_decimal(AccountId(3), usd().id).unwrap().to_string(), "0.00");
    assert_eq!(b.balance_decimal(AccountId(1), AssetId(9)), None);
    assert_eq!(b.asset(usd().id).map(|a| a.scale), Some(2));
}

#[test]
fn a_cash_shortfall_is_reported_in_dollars() {
    let mut desk = Desk::new();
    desk.run(BrokerCommandKind::Deposit(Funds::from_decimal(&usd(), AccountId(1), d("100.00"), 1).unwrap()));
    let r = desk.rejection(desk.limit(1, Side::Buy, "0.01", "60000"));
    assert_eq!(r.code.code(), "insufficient_funds");
    // 0.01 BTC × 60,000 = 600.00, plus the 10 bps taker fee 0.60.
    assert_eq!(r.context.get("required"), Some(d("600.60")));
    assert_eq!(r.context.get("available"), Some(d("100.00")));
    assert_eq!(r.context.to_string(), "required=600.60 available=100.00");
}

#[test]
fn a_coin_shortfall_is_reported_in_coins() {
    let mut desk = Desk::new();
    desk.run(BrokerCommandKind::Deposit(Funds::from_decimal(&btc(), AccountId(2), d("0.002"), 1).unwrap()));
    let r = desk.rejection(desk.limit(2, Side::Sell, "0.005", "60000"));
    assert_eq!(r.code.code(), "insufficient_funds");
    assert_eq!(r.context.to_string(), "required=0.00500000 available=0.00200000");
}

#[test]
fn limits_and_collars_are_reported_at_the_instrument_precision() {
    let mut desk = Desk::new();
    desk.run(BrokerCommandKind::Deposit(Funds::from_decimal(&usd(), AccountId(1), d("900000"), 1).unwrap()));
    let r = desk.rejection(desk.limit(1, Side::Buy, "1", "60000"));
    assert_eq!(r.code.code(), "order_notional_limit");
    assert_eq!(r.context.to_string(), "notional=60000.00 max=50000.00");

    let r = desk.rejection(desk.limit(1, Side::Buy, "0.1", "70000"));
    assert_eq!(r.code.code(), "price_outside_collar");
    assert_eq!(r.context.to_string(), "price=70000.0 low=54000.0 high=66000.0 reference=60000.0");

    let limits =
        AccountLimits { max_order_qty: Some(desk.market.qty_to_lots(d("0.5")).unwrap()), ..Default::default() };
    desk.run(BrokerCommandKind::SetAccountLimits { account: AccountId(1), limits });
    let r = desk.rejection(desk.limit(1, Side::Buy, "0.6", "60000"));
    assert_eq!(r.code.code(), "order_qty_limit");
    assert_eq!(r.context.to_string(), "qty=0.600 max=0.500");
    assert_eq!(r.context.get("max"), Some(d("0.5")));
}

#[test]
fn decimal_risk_settings_off_the_grid_are_refused() {
    let spec = InstrumentSpec::new("BTC/USD", d("0.5"), d("0.001"));
    assert_eq!(InstrumentRisk::default().with_reference_price(&spec, d("100.25")).unwrap_err().code(), "off_tick");
    assert_eq!(InstrumentRisk::default().with_max_order_qty(&spec, d("0.0005")).unwrap_err().code(), "off_lot");
    let e = InstrumentRisk::default().with_max_order_notional(&usd(), d("0.001")).unwrap_err();
    assert_eq!(e.code(), "scale_exceeds_asset");
}
