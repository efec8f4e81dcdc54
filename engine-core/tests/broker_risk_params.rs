//! The Broker refuses invalid instrument risk parameters at registration and on
//! change with `invalid_instrument_risk`, and a refusal changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use brokerx_engine::broker::*;
use brokerx_engine::risk::*;
use brokerx_engine::*;
use brokerx_ledger::{AssetId, AssetSpec};
use rust_decimal::Decimal;

const USD: AssetId = AssetId(1);
const ACME: AssetId = AssetId(2);

fn apply(b: &mut Broker, ts: u64, kind: BrokerCommandKind) -> Result<Vec<BrokerEvent>, BrokerError> {
    let mut out = Vec::new();
    b.apply(&BrokerCommand { ts: Timestamp(ts), correlation_id: CorrelationId(ts), kind }, &mut out)?;
    Ok(out)
}

fn market(risk: InstrumentRisk) -> BrokerCommandKind {
    let spec = InstrumentSpec { min_qty: Lots(2), ..InstrumentSpec::new("ACME/USD", Decimal::new(1, 2), Decimal::ONE) };
    BrokerCommandKind::RegisterMarket(MarketSpec { instrument: spec, base: ACME, quote: USD, risk })
}

fn broker() -> Broker {
    let mut b = Broker::new(BrokerConfig::default());
    for (id, code, scale) in [(USD, "USD", 2), (ACME, "ACME", 0)] {
        let spec = AssetSpec { id, code: code.into(), scale };
        apply(&mut b, 1, BrokerCommandKind::CreateAsset { spec, wallet_max_balance: None }).unwrap();
    }
    b
}

#[test]
fn register_market_refuses_invalid_risk_and_changes_nothing() {
    let mut b = broker();
    let (hash, seq) = (b.state_hash(), b.last_seq());
    let bad = InstrumentRisk { max_order_qty: Some(Lots(1)), ..InstrumentRisk::default() };
    let e = apply(&mut b, 2, market(bad)).unwrap_err();
    assert_eq!(e.code(), "invalid_instrument_risk");
    assert_eq!(e, BrokerError::InvalidRisk(RiskParamError::MaxOrderQtyBelowMin { max_order_qty: 1, min_qty: 2 }));
    assert_eq!(
        e.to_string(),
        "invalid instrument risk: max_order_qty of 1 lots is below the instrument's min_qty of 2 lots"
    );
    assert_eq!((b.state_hash(), b.last_seq(), b.now()), (hash, seq, Timestamp(1)));
    assert!(b.engine().instruments().next().is_none());
    // The same market with valid risk registers as instrument 0.
    let good = InstrumentRisk { max_order_qty: Some(Lots(2)), ..InstrumentRisk::default() };
    apply(&mut b, 3, market(good)).unwrap();
    assert_eq!(b.engine().instrument(InstrumentId(0)).map(|i| i.spec.symbol.as_str()), Some("ACME/USD"));
}

#[test]
fn set_instrument_risk_refuses_invalid_risk_and_keeps_the_old_one() {
    let mut b = broker();
    apply(&mut b, 2, market(InstrumentRisk::default())).unwrap();
    let (hash, seq) = (b.state_hash(), b.last_seq());
    let set = |risk| BrokerCommandKind::SetInstrumentRisk { instrument: InstrumentId(0), risk };
    for bad in [
        InstrumentRisk { collar_bps: Some(0), ..InstrumentRisk::default() },
        InstrumentRisk { reference_price: Some(Ticks(0)), ..InstrumentRisk::default() },
        InstrumentRisk { max_order_notional: Some(Amount::from_minor(0)), ..InstrumentRisk::default() },
        InstrumentRisk { maker_fee_bps: 10_001, ..InstrumentRisk::default() },
    ] {
        let e = apply(&mut b, 3, set(bad)).unwrap_err();
        assert_eq!(e.code(), "invalid_instrument_risk", "{bad:?}");
        assert_eq!((b.state_hash(), b.last_seq()), (hash, seq));
    }
    let unknown = BrokerCommandKind::SetInstrumentRisk { instrument: InstrumentId(5), risk: InstrumentRisk::default() };
    assert_eq!(apply(&mut b, 3, unknown).unwrap_err().code(), "unknown_instrument");
    let fine = InstrumentRisk { taker_fee_bps: 10_000, ..InstrumentRisk::default() };
    let events = apply(&mut b, 4, set(fine)).unwrap();
    assert!(matches!(events[0].kind, BrokerEventKind::InstrumentRiskChanged { risk, .. } if risk == fine));
}
