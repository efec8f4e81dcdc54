//! Decimal → ticks/lots at the boundary: never panics; accepted values are exact
//! (converting back gives an equal Decimal); refusals carry a stable code.
#![no_main]

use brokerx_engine::{Instrument, InstrumentId, InstrumentSpec};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

fuzz_target!(|input: (i64, u8, i64, u8, [u8; 16])| {
    let (tick_m, tick_s, lot_m, lot_s, raw) = input;
    let tick = Decimal::new(tick_m.unsigned_abs().max(1) as i64 & 0xffff_ffff, u32::from(tick_s % 12));
    let lot = Decimal::new(lot_m.unsigned_abs().max(1) as i64 & 0xffff_ffff, u32::from(lot_s % 12));
    let inst = Instrument { id: InstrumentId(0), spec: InstrumentSpec::new("FZ", tick, lot) };
    let value = Decimal::deserialize(raw);
    match inst.price_to_ticks(value) {
        Ok(t) => assert_eq!(inst.ticks_to_price(t), value.normalize()),
        Err(e) => assert!(!e.code().is_empty()),
    }
    match inst.qty_to_lots(value) {
        Ok(l) => assert_eq!(inst.lots_to_qty(l), value.normalize()),
        Err(e) => assert!(!e.code().is_empty()),
    }
});
