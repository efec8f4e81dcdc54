//! The order saga's hold: sized and consumed as the Broker does.

use super::*;
use crate::risk::{self, InstrumentRisk, RiskState};

#[test]
fn sell_order_holds_its_base_units_not_notional() {
    let mut s = spec();
    s.side = Side::Sell;
    s.scale = UnitScale { base_per_lot: 1_000, quote_per_tick_lot: 7 };
    s.taker_fee_bps = 30;
    assert_eq!(s.hold_amount(), Some(Amount::from_minor(10_000)));
    let mut saga = OrderSaga::new(SagaId(1), s).unwrap();
    let out = feed(&mut saga, 1_000, OrderInput::Start);
    assert!(matches!(kinds(&out)[..], [CommandKind::ReserveFunds { amount, .. }] if amount.minor() == 10_000));
    s.scale.base_per_lot = 0;
    assert_eq!(OrderSaga::new(SagaId(1), s).unwrap_err().code(), "invalid_value");
}

/// splitmix64, for seeded fill splits.
fn mix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn buy_hold_is_the_brokers_and_its_fills_never_consume_more() {
    let mut seed = 11_u64;
    for case in 0..300 {
        let scale = UnitScale {
            base_per_lot: u128::from(1 + mix(&mut seed) % 1_000),
            quote_per_tick_lot: u128::from(1 + mix(&mut seed) % 250),
        };
        let (maker_fee_bps, taker_fee_bps) =
            if case == 0 { (10, 25) } else { ((mix(&mut seed) % 40) as u32, (mix(&mut seed) % 60) as u32) };
        let qty = Lots(1 + (mix(&mut seed) % 40) as i64);
        let limit_price = Ticks(1 + (mix(&mut seed) % 10_000) as i64);
        let s = OrderSpec { scale, maker_fee_bps, taker_fee_bps, qty, limit_price, ..spec() };
        // The Broker's function, with an instrument whose other risk settings differ.
        let instrument = InstrumentRisk {
            state: RiskState::Reducing,
            max_order_qty: Some(Lots(1)),
            collar_bps: None,
            maker_fee_bps,
            taker_fee_bps,
            ..InstrumentRisk::default()
        };
        let broker = risk::buy_hold(&scale, &instrument, limit_price, qty).unwrap();
        let hold = s.hold_amount().unwrap().minor();
        assert_eq!(hold, broker, "case {case}");
        if case == 0 {
            assert!(hold > scale.notional(limit_price, qty).unwrap(), "the fee is held too");
        }

        let id = SagaId(42);
        let mut saga = OrderSaga::new(id, s).unwrap();
        let reserved = kinds(&feed(&mut saga, 1_000, OrderInput::Start));
        assert!(matches!(reserved[..], [CommandKind::ReserveFunds { amount, .. }] if amount.minor() == broker));
        feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
        feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
        // Fills at or below the limit, each maker or taker, until filled.
        let (mut left, mut trade, mut settled, mut accrued) = (qty.0, 0, 0_u128, 0_u128);
        while left > 0 {
            let q = 1 + (mix(&mut seed) % left as u64) as i64;
            let p = 1 + (mix(&mut seed) % limit_price.0 as u64) as i64;
            let aggressor = if mix(&mut seed) % 2 == 0 { Side::Buy } else { Side::Sell };
            trade += 1;
            left -= q;
            let input = OrderInput::Fill {
                order: order_id(id),
                trade: TradeId(trade),
                qty: Lots(q),
                price: Ticks(p),
                aggressor,
            };
            let out = feed(&mut saga, 1_003, input);
            let [CommandKind::SettleTrade { amount, .. }] = kinds(&out)[..] else { panic!("{out:?}") };
            // What the Broker's settlement takes from the buyer's hold for the same fill.
            let notional = scale.notional(Ticks(p), Lots(q)).unwrap();
            let bps = if aggressor == Side::Buy { taker_fee_bps } else { maker_fee_bps };
            let (fee, after) = risk::fee_step(accrued, notional, bps);
            accrued = after;
            assert_eq!(amount.minor(), notional + fee, "case {case} trade {trade}");
            settled += amount.minor();
            assert!(settled <= hold, "case {case}: settled {settled} > hold {hold}");
        }
        for t in 1..=trade {
            feed(&mut saga, 1_004, OrderInput::TradeSettled { trade: TradeId(t) });
        }
        feed(&mut saga, 1_005, OrderInput::FundsReleased { hold: hold_id(id) });
        let OrderState::Settled { outcome: OrderOutcome::Closed { consumed, filled, .. } } = *saga.state() else {
            panic!("case {case}: {:?}", saga.state())
        };
        assert_eq!((filled, consumed.minor()), (qty, settled), "case {case}");
    }
}

#[test]
fn redelivered_settlement_keeps_its_amount() {
    let s = OrderSpec { maker_fee_bps: 7, taker_fee_bps: 13, ..spec() };
    let id = SagaId(42);
    let mut saga = OrderSaga::new(id, s).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
    feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
    let first = kinds(&feed(&mut saga, 1_010, fill(1, 3, 33)));
    let maker = OrderInput::Fill {
        order: order_id(id),
        trade: TradeId(2),
        qty: Lots(3),
        price: Ticks(33),
        aggressor: Side::Sell,
    };
    let second = kinds(&feed(&mut saga, 1_011, maker));
    let again = kinds(&feed(&mut saga, 1_200, OrderInput::Timer));
    // 99 notional each; fees 0.1287 then 0.0693 on the running total: 1 then 0.
    assert!(matches!(first[..], [CommandKind::SettleTrade { amount, .. }] if amount.minor() == 100));
    assert!(matches!(second[..], [CommandKind::SettleTrade { amount, .. }] if amount.minor() == 99));
    assert_eq!(again, [first, second].concat(), "redelivered with the same amounts");
}
