//! Prometheus metrics: commands by kind and outcome, request latency, queue
//! depth, journal fsync latency and batch size, WebSocket connections.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Registry,
    pub commands: IntCounterVec,
    pub request_seconds: HistogramVec,
    pub queue_depth: IntGauge,
    pub fsync_seconds: prometheus::Histogram,
    pub batch_size: prometheus::Histogram,
    pub ws_connections: IntGauge,
    pub ws_dropped: prometheus::IntCounter,
    pub journal_records: IntGauge,
}

impl Metrics {
    /// # Errors
    /// Only if two metrics were given the same name (a programming error).
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let commands = IntCounterVec::new(
            Opts::new("brokerx_commands_total", "Commands sent to the writer, by kind and outcome"),
            &["kind", "outcome"],
        )?;
        let request_seconds = HistogramVec::new(
            HistogramOpts::new("brokerx_request_seconds", "Time from request to writer reply, by kind").buckets(vec![
                0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
            ]),
            &["kind"],
        )?;
        let queue_depth = IntGauge::new("brokerx_queue_depth", "Requests waiting for the writer")?;
        let fsync_seconds = prometheus::Histogram::with_opts(
            HistogramOpts::new("brokerx_journal_fsync_seconds", "Journal write + fdatasync time per group commit")
                .buckets(vec![0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1]),
        )?;
        let batch_size = prometheus::Histogram::with_opts(
            HistogramOpts::new("brokerx_journal_batch_records", "Records per group commit")
                .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 4096.0]),
        )?;
        let ws_connections = IntGauge::new("brokerx_ws_connections", "Open WebSocket sessions")?;
        let ws_dropped = prometheus::IntCounter::new(
            "brokerx_ws_slow_consumers_dropped_total",
            "Sessions closed for falling behind",
        )?;
        let journal_records = IntGauge::new("brokerx_journal_records", "Durable journal records")?;
        registry.register(Box::new(commands.clone()))?;
        registry.register(Box::new(request_seconds.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        registry.register(Box::new(fsync_seconds.clone()))?;
        registry.register(Box::new(batch_size.clone()))?;
        registry.register(Box::new(ws_connections.clone()))?;
        registry.register(Box::new(ws_dropped.clone()))?;
        registry.register(Box::new(journal_records.clone()))?;
        Ok(Metrics {
            registry,
            commands,
            request_seconds,
            queue_depth,
            fsync_seconds,
            batch_size,
            ws_connections,
            ws_dropped,
            journal_records,
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding to a Vec cannot fail for well-formed metric families.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
