//! The README's quick start, kept compiling.
use brokerx_engine::*;
use rust_decimal::Decimal;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut engine = Engine::default();
    let mut events = Vec::new();
    let at = |ns| Timestamp(ns);
    let spec = InstrumentSpec::new("ACME", Decimal::new(1, 2), Decimal::ONE); // tick 0.01, lot 1
    engine.apply(
        &Command { ts: at(1), correlation_id: CorrelationId(1), kind: CommandKind::RegisterInstrument(spec) },
        &mut events,
    )?;
    let acme = engine.instrument_by_symbol("ACME").ok_or("not registered")?.clone();

    // Decimal at the boundary, exact or refused; integer ticks and lots inside.
    let price = acme.price_to_ticks("101.25".parse()?)?;
    let sell = Place::limit(AccountId(7), acme.id, Side::Sell, price, Lots(10));
    engine
        .apply(&Command { ts: at(2), correlation_id: CorrelationId(2), kind: CommandKind::Place(sell) }, &mut events)?;
    let buy = Place::limit(AccountId(8), acme.id, Side::Buy, acme.price_to_ticks("102".parse()?)?, Lots(4));
    engine
        .apply(&Command { ts: at(3), correlation_id: CorrelationId(3), kind: CommandKind::Place(buy) }, &mut events)?;

    for e in &events {
        if let EventKind::Trade { price, qty, .. } = e.kind {
            println!("#{} trade {} @ {}", e.seq, acme.lots_to_qty(qty), acme.ticks_to_price(price));
            // 4 @ 101.25
        }
    }
    Ok(())
}
