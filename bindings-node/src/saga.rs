//! `SagaRegistry`: the order and deposit sagas (`brokerx_engine::saga`) for
//! deployments where ledger and engine are separate services.
//!
//! Conversions only. Sagas work in the core's integers (lots, ticks, minor
//! units) and 128-bit ids. Inputs are named in snake_case with their fields in
//! the crate's serde form (`advance(now, 7n, "fill", { order, trade, qty, price,
//! aggressor: "sell" })`, the same names as Python's keyword arguments); actions
//! come back as plain objects in the crate's serde form (`{ Send: { saga,
//! idempotency_id, kind: { ReserveFunds: {…} } } }`, `ScheduleTimer`, `Complete`),
//! ready for an outbox table.
//!
//! Both cross as JSON text, which keeps 128-bit integers exact (napi-rs's serde
//! bridge drops enum tags, and JSON numbers in JavaScript stop at 2^53): `lib.js`
//! writes the fields with bigints as plain digits and reads the actions back with
//! integers beyond 2^53 as `bigint`. The types below describe the package's
//! methods as `lib.js` exposes them.

use brokerx_engine::risk::UnitScale;
use brokerx_engine::saga::{
    AccountId, Action, Amount, DepositSpec, InstrumentId, Lots, OrderSpec, Saga, SagaConfig, SagaError, SagaId,
    SagaInput, SagaRegistry as CoreRegistry, Side, Ticks, Timestamp,
};
use napi::bindgen_prelude::{Buffer, Unknown};
use napi_derive::napi;

use crate::args::{string, u64_arg, Opts};
use crate::errors::{closed, fail, range_error, undecodable, Fail, Res, Result};

fn saga_err(e: &SagaError) -> Fail {
    fail(e.code(), e.to_string())
}

/// `"funds_reserved"` → `"FundsReserved"`.
fn variant_name(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect()
}

/// The order and deposit sagas of one process, by saga id, with their deadlines.
#[napi]
#[derive(Debug)]
pub struct SagaRegistry {
    inner: Option<CoreRegistry>,
}

/// One stuck saga: a command of it went `escalateAfterDeliveries` times unanswered.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct StuckSaga {
    pub saga_id: u64,
    pub deliveries: u32,
}

/// A saga's state.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct SagaState {
    pub state: String,
    pub finished: bool,
}

impl SagaRegistry {
    fn get(&self) -> Res<&CoreRegistry> {
        self.inner.as_ref().ok_or_else(|| closed("SagaRegistry"))
    }
    fn live_mut(&mut self) -> Res<&mut CoreRegistry> {
        self.inner.as_mut().ok_or_else(|| closed("SagaRegistry"))
    }

    fn run(
        &mut self,
        f: impl FnOnce(&mut CoreRegistry, &mut Vec<Action>) -> std::result::Result<(), SagaError>,
    ) -> Res<String> {
        let mut out = Vec::new();
        f(self.live_mut()?, &mut out).map_err(|e| saga_err(&e))?;
        actions(&out)
    }
}

/// Actions as JSON text in the crate's serde form (exact 128-bit integers).
fn actions(out: &[Action]) -> Res<String> {
    serde_json::to_string(out).map_err(|e| fail("invalid_value", e.to_string()))
}

fn time(v: &Unknown<'_>, name: &str) -> Res<Timestamp> {
    u64_arg(v, name).map(Timestamp)
}

fn need<T>(v: Option<T>, o: &Opts<'_>, key: &str) -> Res<T> {
    v.ok_or_else(|| range_error(&o.name(key), "is required"))
}

#[napi]
impl SagaRegistry {
    /// Retry policy: the wait after the n-th delivery is
    /// `min(replyTimeoutNs × backoffFactor^n, backoffMaxNs)`.
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "config?: { replyTimeoutNs?: bigint | number; backoffFactor?: number; backoffMaxNs?: bigint | number; forwardDeliveriesMax?: number; sagasMax?: number; escalateAfterDeliveries?: number }"
    )]
    pub fn new(config: Option<Unknown<'_>>) -> Result<Self> {
        let o = Opts::new(config, "config")?;
        let d = SagaConfig::default();
        let config = SagaConfig {
            reply_timeout_ns: o.u64("replyTimeoutNs")?.unwrap_or(d.reply_timeout_ns),
            backoff_factor: o.u32("backoffFactor")?.unwrap_or(d.backoff_factor),
            backoff_max_ns: o.u64("backoffMaxNs")?.unwrap_or(d.backoff_max_ns),
            forward_deliveries_max: o.u32("forwardDeliveriesMax")?.unwrap_or(d.forward_deliveries_max),
            sagas_max: o.u32("sagasMax")?.map_or(d.sagas_max, |n| n as usize),
            escalate_after_deliveries: o.u32("escalateAfterDeliveries")?.unwrap_or(d.escalate_after_deliveries),
        };
        Ok(SagaRegistry { inner: Some(CoreRegistry::new(config)) })
    }

    /// Starts an order saga: reserve the hold the Broker would (minor units), place
    /// `qty` lots at `limitPrice` ticks, settle each fill, release the rest. With
    /// `trigger` (ticks) the order is a stop-limit at `limitPrice`.
    #[napi(
        catch_unwind,
        ts_args_type = "now: bigint | number, sagaId: bigint | number, spec: { account: bigint | number; instrument: number; side: Side; qty: bigint | number; limitPrice: bigint | number; goodTill: bigint | number; basePerLot?: bigint | number; quotePerTickLot?: bigint | number; makerFeeBps?: number; takerFeeBps?: number; trigger?: bigint | number }",
        ts_return_type = "Array<Record<string, unknown>>"
    )]
    pub fn start_order(&mut self, now: Unknown<'_>, saga_id: Unknown<'_>, spec: Unknown<'_>) -> Result<String> {
        let now = time(&now, "now")?;
        let id = SagaId(u64_arg(&saga_id, "sagaId")?);
        let o = Opts::new(Some(spec), "spec")?;
        let lots = |key: &str| -> Res<i64> {
            i64::try_from(need(o.u64(key)?, &o, key)?).map_err(|_| range_error(&o.name(key), "must be below 2^63"))
        };
        let side = match need(o.string("side")?, &o, "side")?.as_str() {
            "buy" => Side::Buy,
            "sell" => Side::Sell,
            other => return Err(range_error(&o.name("side"), format!("must be 'buy' or 'sell', got {other:?}"))),
        };
        let spec = OrderSpec {
            account: AccountId(need(o.u64("account")?, &o, "account")?),
            instrument: InstrumentId(need(o.u32("instrument")?, &o, "instrument")?),
            side,
            qty: Lots(lots("qty")?),
            limit_price: Ticks(lots("limitPrice")?),
            scale: UnitScale {
                base_per_lot: o.u128("basePerLot")?.unwrap_or(1),
                quote_per_tick_lot: o.u128("quotePerTickLot")?.unwrap_or(1),
            },
            maker_fee_bps: o.u32("makerFeeBps")?.unwrap_or(0),
            taker_fee_bps: o.u32("takerFeeBps")?.unwrap_or(0),
            good_till: Timestamp(need(o.u64("goodTill")?, &o, "goodTill")?),
            trigger: match o.u64("trigger")? {
                Some(t) => {
                    Some(Ticks(i64::try_from(t).map_err(|_| range_error(&o.name("trigger"), "must be below 2^63"))?))
                }
                None => None,
            },
        };
        self.run(|r, out| r.start_order(now, id, spec, out))
    }

    /// Starts a deposit saga: request payment of `amount` (minor units), then credit it.
    #[napi(
        catch_unwind,
        ts_args_type = "now: bigint | number, sagaId: bigint | number, spec: { account: bigint | number; amount: bigint | number }",
        ts_return_type = "Array<Record<string, unknown>>"
    )]
    pub fn start_deposit(&mut self, now: Unknown<'_>, saga_id: Unknown<'_>, spec: Unknown<'_>) -> Result<String> {
        let now = time(&now, "now")?;
        let id = SagaId(u64_arg(&saga_id, "sagaId")?);
        let o = Opts::new(Some(spec), "spec")?;
        let spec = DepositSpec {
            account: AccountId(need(o.u64("account")?, &o, "account")?),
            amount: Amount::from_minor(need(o.u128("amount")?, &o, "amount")?),
        };
        self.run(|r, out| r.start_deposit(now, id, spec, out))
    }

    /// Feeds one reply or timer to a saga: `input` is the snake_case input name
    /// (`funds_reserved`, `fill`, `order_cancelled`, `payment_confirmed`, `timer`,
    /// …) and `fields` its fields in the crate's serde form. Returns the actions.
    #[napi(
        catch_unwind,
        ts_args_type = "now: bigint | number, sagaId: bigint | number, input: string, fields?: Record<string, unknown>",
        ts_return_type = "Array<Record<string, unknown>>"
    )]
    pub fn advance(
        &mut self,
        now: Unknown<'_>,
        saga_id: Unknown<'_>,
        input: Unknown<'_>,
        fields_json: Option<String>,
    ) -> Result<String> {
        let now = time(&now, "now")?;
        let raw_id = u64_arg(&saga_id, "sagaId")?;
        let input = string(&input, "input")?;
        let kind = match self.get()?.get(SagaId(raw_id)) {
            Some(Saga::Order(_)) => "Order",
            Some(Saga::Deposit(_)) => "Deposit",
            None => return Err(saga_err(&SagaError::UnknownSaga { saga: raw_id })),
        };
        let variant = serde_json::to_string(&variant_name(&input)).map_err(|e| fail("invalid_value", e.to_string()))?;
        // {"Kind": "Variant"} or {"Kind": {"Variant": fields}}, as serde reads the enum.
        let text = match fields_json {
            Some(f) => format!("{{\"{kind}\":{{{variant}:{f}}}}}"),
            None => format!("{{\"{kind}\":{variant}}}"),
        };
        let parsed: SagaInput = serde_json::from_str(&text)
            .map_err(|e| fail("unexpected_input", format!("input {input:?} does not fit a {kind} saga: {e}")))?;
        self.run(|r, out| r.advance(now, SagaId(raw_id), parsed, out))
    }

    /// Fires every due deadline (redeliveries, good-till cancels); returns the actions.
    #[napi(catch_unwind, ts_args_type = "now: bigint | number", ts_return_type = "Array<Record<string, unknown>>")]
    pub fn on_time(&mut self, now: Unknown<'_>) -> Result<String> {
        let now = time(&now, "now")?;
        self.run(|r, out| {
            r.on_time(now, out);
            Ok(())
        })
    }

    /// When `onTime` should next be called (`null`: nothing due).
    #[napi]
    pub fn next_deadline(&self) -> Result<Option<u64>> {
        Ok(self.get()?.next_deadline().map(|t| t.0))
    }

    /// A saga's state name and whether it finished (`null`: unknown saga).
    #[napi(catch_unwind, ts_args_type = "sagaId: bigint | number")]
    pub fn state(&self, saga_id: Unknown<'_>) -> Result<Option<SagaState>> {
        let id = SagaId(u64_arg(&saga_id, "sagaId")?);
        Ok(self.get()?.get(id).map(|s| SagaState { state: s.state_name().into(), finished: s.is_finished() }))
    }

    /// Ids of sagas whose deadline is more than `overdueNs` in the past.
    #[napi(catch_unwind, ts_args_type = "now: bigint | number, overdueNs: bigint | number")]
    pub fn overdue(&self, now: Unknown<'_>, overdue_ns: Unknown<'_>) -> Result<Vec<u64>> {
        let now = time(&now, "now")?;
        let ns = u64_arg(&overdue_ns, "overdueNs")?;
        Ok(self.get()?.overdue(now, ns).into_iter().map(|s| s.0).collect())
    }

    /// Live sagas handed to an operator, sorted by id.
    #[napi]
    pub fn stuck(&self) -> Result<Vec<StuckSaga>> {
        Ok(self.get()?.stuck().into_iter().map(|(id, deliveries)| StuckSaga { saga_id: id.0, deliveries }).collect())
    }

    /// Removes a finished saga (`saga_finished` is not an error here; a live one is refused).
    #[napi(catch_unwind, ts_args_type = "sagaId: bigint | number")]
    pub fn remove_finished(&mut self, saga_id: Unknown<'_>) -> Result<()> {
        let id = SagaId(u64_arg(&saga_id, "sagaId")?);
        self.live_mut()?.remove_finished(id).map(|_| ()).map_err(|e| saga_err(&e))
    }

    /// How many sagas the registry holds (finished ones until removed).
    #[napi(getter)]
    pub fn size(&self) -> Result<u32> {
        Ok(u32::try_from(self.get()?.len()).unwrap_or(u32::MAX))
    }

    /// Sagas not yet finished.
    #[napi(getter)]
    pub fn live(&self) -> Result<u32> {
        Ok(u32::try_from(self.get()?.live()).unwrap_or(u32::MAX))
    }

    /// Walks every saga; throws `invariant_violated` on an inconsistency (a bug).
    #[napi]
    pub fn check_invariants(&self) -> Result<()> {
        self.get()?.check_invariants().map_err(|why| fail("invariant_violated", why))
    }

    /// Every saga and the config as bytes, for `SagaRegistry.restore`.
    #[napi]
    pub fn snapshot(&self) -> Result<Buffer> {
        serde_json::to_vec(self.get()?).map(Buffer::from).map_err(undecodable)
    }

    /// A registry from `snapshot()` bytes.
    #[napi(factory, catch_unwind)]
    pub fn restore(data: Buffer) -> Result<Self> {
        let r: CoreRegistry = serde_json::from_slice(&data).map_err(undecodable)?;
        Ok(SagaRegistry { inner: Some(r) })
    }

    /// Releases the native state now; any later call throws `closed`.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }

    /// Whether `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_none()
    }
}
