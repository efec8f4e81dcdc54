//! `brokerx-load`: a bounded load generator for `brokerx-host`, loopback only.
//!
//! ```text
//! brokerx-load http    --url http://127.0.0.1:8080 [--connections 64] [--seconds 10]
//! brokerx-load ws      --url http://127.0.0.1:8080 [--connections 8] [--pipeline 256] [--seconds 10]
//! brokerx-load journal [--commands 1000000] [--batch 4096] [--dir /tmp/...]
//! ```
//! `http` and `ws` need `BROKERX_JWT_SECRET` (they sign their own tokens) and a
//! host started with `--demo`. Each connection is its own account, alternately
//! buying and selling 1 at 100.00 so that orders cross and the book stays
//! small. `journal` runs the Broker and the file journal in-process: group
//! commits of `--batch` commands, then a recovery replay of the same journal.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use brokerx_engine::broker::{
    Broker, BrokerCommand, BrokerCommandKind, BrokerConfig, Funds, InstrumentRisk, MarketSpec,
};
use brokerx_engine::{
    AccountId, AssetId, AssetSpec, CorrelationId, Decimal, InstrumentId, InstrumentSpec, Lots, Place, Side, Ticks,
    Timestamp,
};
use brokerx_host::journal::{FileJournal, Journal};
use brokerx_host::writer::{recovery, HostState};
use brokerx_ledger::Amount;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::json;
use tokio::sync::Mutex;

/// Items per second over `elapsed`, in integers (the workspace denies float arithmetic).
fn per_s(n: u64, elapsed: Duration) -> u128 {
    u128::from(n) * 1_000_000 / elapsed.as_micros().max(1)
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn flag(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn flag_str(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("journal") => journal(&args),
        Some(mode @ ("http" | "ws")) => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            if mode == "http" {
                rt.block_on(http(&args))
            } else {
                rt.block_on(ws(&args))
            }
        }
        _ => {
            eprintln!("usage: brokerx-load http|ws|journal [flags] (see the source's header)");
            std::process::exit(2);
        }
    }
}

fn secret() -> Result<Vec<u8>, BoxError> {
    Ok(std::env::var("BROKERX_JWT_SECRET").map_err(|_| "BROKERX_JWT_SECRET is not set")?.into_bytes())
}

async fn fund(http: &reqwest::Client, url: &str, token: &str, account: u64) -> Result<(), BoxError> {
    for (asset, amount) in [("USD", "100000000.00"), ("ACME", "1000000")] {
        let r = http
            .post(format!("{url}/api/v1/accounts/{account}/deposits"))
            .bearer_auth(token)
            .header("idempotency-key", format!("load-{asset}"))
            .json(&json!({"asset": asset, "amount": amount}))
            .send()
            .await?;
        if !r.status().is_success() {
            return Err(format!("deposit: {} {}", r.status(), r.text().await?).into());
        }
    }
    Ok(())
}

fn report(what: &str, n: u64, errors: u64, elapsed: Duration, h: &Histogram<u64>) {
    let secs = elapsed.as_secs_f64();
    println!(
        "{what}: {n} ok, {errors} errors in {secs:.2}s = {}/s; latency µs p50 {} p90 {} p99 {} p99.9 {} max {}",
        per_s(n, elapsed),
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.9),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max()
    );
}

async fn http(args: &[String]) -> Result<(), BoxError> {
    let url = flag_str(args, "--url", "http://127.0.0.1:8080");
    let (connections, seconds) = (flag(args, "--connections", 64), flag(args, "--seconds", 10));
    let secret = secret()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let hist = Arc::new(Mutex::new(Histogram::<u64>::new(3)?));
    let mut tasks = Vec::new();
    let started = Arc::new(tokio::sync::Barrier::new(connections as usize + 1));
    for c in 0..connections {
        let account = 10_000 + c;
        let token = brokerx_host::api::auth::sign(&secret, account, false, 3600)?;
        // One client per connection: its own keep-alive connection.
        let client = reqwest::Client::builder().pool_max_idle_per_host(1).tcp_nodelay(true).build()?;
        fund(&client, &url, &token, account).await?;
        let (url, stop, ok, errors, hist, started) =
            (url.clone(), stop.clone(), ok.clone(), errors.clone(), hist.clone(), started.clone());
        tasks.push(tokio::spawn(async move {
            let mut local = Histogram::<u64>::new(3).unwrap_or_else(|_| unreachable!());
            started.wait().await;
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let side = if (i + c) % 2 == 0 { "buy" } else { "sell" };
                let body = json!({"symbol": "ACME/USD", "side": side, "price": "100.00", "quantity": "1"});
                let t = Instant::now();
                match client.post(format!("{url}/api/v1/orders")).bearer_auth(&token).json(&body).send().await {
                    Ok(r) if r.status() == 201 => {
                        let _ = r.bytes().await;
                        let _ = local.record(t.elapsed().as_micros() as u64);
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                i += 1;
            }
            let _ = hist.lock().await.add(&local);
        }));
    }
    started.wait().await;
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    let elapsed = t0.elapsed();
    report(
        &format!("http orders ({connections} connections)"),
        ok.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        elapsed,
        &*hist.lock().await,
    );
    Ok(())
}

async fn ws(args: &[String]) -> Result<(), BoxError> {
    let url = flag_str(args, "--url", "http://127.0.0.1:8080");
    let (connections, pipeline, seconds) =
        (flag(args, "--connections", 8), flag(args, "--pipeline", 256), flag(args, "--seconds", 10));
    let secret = secret()?;
    let ws_url = url.replacen("http://", "ws://", 1);
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let hist = Arc::new(Mutex::new(Histogram::<u64>::new(3)?));
    let started = Arc::new(tokio::sync::Barrier::new(connections as usize + 1));
    let mut tasks = Vec::new();
    for c in 0..connections {
        let account = 20_000 + c;
        let token = brokerx_host::api::auth::sign(&secret, account, false, 3600)?;
        fund(&reqwest::Client::new(), &url, &token, account).await?;
        let (socket, _) = tokio_tungstenite::connect_async(format!("{ws_url}/ws?token={token}")).await?;
        let (mut tx, mut rx) = socket.split();
        let (stop, ok, errors, hist, started) =
            (stop.clone(), ok.clone(), errors.clone(), hist.clone(), started.clone());
        tasks.push(tokio::spawn(async move {
            let mut local = Histogram::<u64>::new(3).unwrap_or_else(|_| unreachable!());
            let mut sent_at = std::collections::VecDeque::new();
            let (mut i, mut in_flight) = (0u64, 0u64);
            started.wait().await;
            loop {
                while in_flight < pipeline && !stop.load(Ordering::Relaxed) {
                    let side = if (i + c) % 2 == 0 { "buy" } else { "sell" };
                    let m = json!({"op": "place", "req_id": i.to_string(), "symbol": "ACME/USD", "side": side, "price": "100.00", "quantity": "1"});
                    if tx.send(tokio_tungstenite::tungstenite::Message::text(m.to_string())).await.is_err() {
                        return;
                    }
                    sent_at.push_back(Instant::now());
                    i += 1;
                    in_flight += 1;
                }
                if in_flight == 0 {
                    break;
                }
                let Some(Ok(msg)) = rx.next().await else { break };
                let Ok(text) = msg.into_text() else { continue };
                // Only answers count; execution reports and balances are skipped.
                if text.contains("\"type\":\"ack\"") || text.contains("\"type\":\"error\"") {
                    in_flight -= 1;
                    if let Some(t) = sent_at.pop_front() {
                        let _ = local.record(t.elapsed().as_micros() as u64);
                    }
                    if text.contains("\"type\":\"ack\"") {
                        ok.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            let _ = hist.lock().await.add(&local);
        }));
    }
    started.wait().await;
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    let elapsed = t0.elapsed();
    report(
        &format!(
            "ws orders ({connections} sockets × {pipeline} pipelined; latency ≈ send→answer, answers may reorder)"
        ),
        ok.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        elapsed,
        &*hist.lock().await,
    );
    Ok(())
}

fn journal(args: &[String]) -> Result<(), BoxError> {
    let (commands, batch) = (flag(args, "--commands", 1_000_000), flag(args, "--batch", 4_096).max(1));
    let dir = std::env::temp_dir().join(format!("brokerx-load-journal-{}", std::process::id()));
    let dir = std::path::PathBuf::from(flag_str(args, "--dir", &dir.to_string_lossy()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("journal.log");
    let _ = std::fs::remove_file(&path);
    let (mut j, _) = FileJournal::open(&path)?;
    let mut state = HostState::new(Broker::new(BrokerConfig::default()), Vec::new(), 0);
    let mut ts = 0u64;
    let mut run = |state: &mut HostState,
                   j: &mut FileJournal,
                   kind: BrokerCommandKind,
                   events: &mut Vec<_>|
     -> Result<(), BoxError> {
        ts += 1;
        let cmd = BrokerCommand { ts: Timestamp(ts), correlation_id: CorrelationId(ts), kind };
        let payload = postcard::to_stdvec(&cmd)?;
        state.apply(&cmd, events, None)?;
        j.append(&payload)?;
        Ok(())
    };
    let mut events = Vec::with_capacity(1 << 16);
    for (id, code, scale) in [(1, "USD", 2), (2, "ACME", 0)] {
        let spec = AssetSpec { id: AssetId(id), code: code.into(), scale };
        run(&mut state, &mut j, BrokerCommandKind::CreateAsset { spec, wallet_max_balance: None }, &mut events)?;
    }
    let instrument = InstrumentSpec::new("ACME/USD", Decimal::new(1, 2), Decimal::ONE);
    let risk = InstrumentRisk::default().with_reference_price(&instrument, Decimal::new(10_000, 2))?;
    run(
        &mut state,
        &mut j,
        BrokerCommandKind::RegisterMarket(MarketSpec { instrument, base: AssetId(2), quote: AssetId(1), risk }),
        &mut events,
    )?;
    let accounts = 64u64;
    for a in 0..accounts {
        run(
            &mut state,
            &mut j,
            BrokerCommandKind::Deposit(Funds::new(
                AccountId(a + 1),
                AssetId(1),
                Amount::from_minor(10u128.pow(15)),
                u128::from(a * 2 + 1),
            )),
            &mut events,
        )?;
        run(
            &mut state,
            &mut j,
            BrokerCommandKind::Deposit(Funds::new(
                AccountId(a + 1),
                AssetId(2),
                Amount::from_minor(10u128.pow(12)),
                u128::from(a * 2 + 2),
            )),
            &mut events,
        )?;
    }
    j.commit()?;
    let (mut fsyncs, mut in_batch) = (0u64, 0u64);
    let mut fsync_hist = Histogram::<u64>::new(3)?;
    let t0 = Instant::now();
    for i in 0..commands {
        let account = AccountId(1 + i % accounts);
        let side = if (i / accounts) % 2 == 0 { Side::Buy } else { Side::Sell };
        // Prices walk 99.90..100.10 so that orders rest and cross.
        let price = Ticks(9_990 + ((i * 7) % 21) as i64);
        events.clear();
        run(
            &mut state,
            &mut j,
            BrokerCommandKind::Place(Place::limit(account, InstrumentId(0), side, price, Lots(1 + (i % 3) as i64))),
            &mut events,
        )?;
        in_batch += 1;
        if in_batch == batch {
            let t = Instant::now();
            j.commit()?;
            let _ = fsync_hist.record(t.elapsed().as_micros() as u64);
            fsyncs += 1;
            in_batch = 0;
        }
    }
    j.commit()?;
    let elapsed = t0.elapsed();
    let secs = elapsed.as_secs_f64();
    let size = std::fs::metadata(&path)?.len();
    println!(
        "journal: {commands} Place commands through the Broker + durable group commit ({batch}/batch, {fsyncs} fdatasyncs) in {secs:.2}s = {} commands/s; fsync µs p50 {} p99 {}; journal {} MB; {} live orders",
        per_s(commands, elapsed),
        fsync_hist.value_at_quantile(0.5),
        fsync_hist.value_at_quantile(0.99),
        size / 1_000_000,
        state.broker.engine().live_orders(),
    );
    let hash = state.broker.state_hash();
    drop(state);
    let t0 = Instant::now();
    let replayed = recovery::replay_from_scratch(&dir, &BrokerConfig::default())?;
    let replay_elapsed = t0.elapsed();
    let secs = replay_elapsed.as_secs_f64();
    println!(
        "recovery: replayed {} records (read + CRC + decode + apply) in {secs:.2}s = {} commands/s; state hash {}",
        replayed.applied,
        per_s(replayed.applied, replay_elapsed),
        if replayed.broker.state_hash() == hash { "equal" } else { "DIFFERENT" }
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
