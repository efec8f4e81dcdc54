//! Leadership of a shard: a key in the JetStream KV bucket `brokerx_leases`,
//! whose stream's `max_age` is the lease's TTL. The holder created the key
//! (compare-and-set on "absent") and renews it with compare-and-set on the
//! revision it last wrote, every quarter TTL. Its *epoch* is the revision of
//! the create. It gives the lease up by itself three quarters of a TTL after
//! its last acknowledged renewal, before the server can expire the key, so two
//! holders never overlap by their own account; the effect log's
//! compare-and-set ([`crate::effects`]) fences whatever slips through.

use std::time::{Duration, Instant};

use async_nats::jetstream::kv::{self, UpdateErrorKind};
use tokio::sync::watch;

/// Runs until `shutdown` turns true; publishes `Some(epoch)` while this process
/// holds the lease, `None` otherwise. On shutdown a held lease is deleted, so
/// a standby takes over without waiting for the TTL.
pub async fn run(
    kv: kv::Store,
    key: String,
    holder: String,
    ttl: Duration,
    held_tx: watch::Sender<Option<u64>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let period = (ttl / 4).max(Duration::from_millis(50));
    // (epoch, last revision, when it was acknowledged)
    let mut held: Option<(u64, u64, Instant)> = None;
    loop {
        held = match held {
            None => match kv.create(&key, holder.clone().into()).await {
                Ok(rev) => {
                    tracing::info!(%key, %holder, epoch = rev, "lease acquired");
                    let _ = held_tx.send(Some(rev));
                    Some((rev, rev, Instant::now()))
                }
                Err(_) => None,
            },
            Some((epoch, rev, last_ok)) => match kv.update(&key, holder.clone().into(), rev).await {
                Ok(rev) => Some((epoch, rev, Instant::now())),
                Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {
                    tracing::warn!(%key, epoch, "lease taken by another holder");
                    let _ = held_tx.send(None);
                    None
                }
                Err(e) if last_ok.elapsed() > ttl * 3 / 4 => {
                    tracing::warn!(%key, epoch, error = %e, "lease not renewed in time; giving it up");
                    let _ = held_tx.send(None);
                    None
                }
                Err(_) => Some((epoch, rev, last_ok)),
            },
        };
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            if let Some((_, rev, _)) = held {
                let _ = held_tx.send(None);
                let _ = kv.delete_expect_revision(&key, Some(rev)).await;
            }
            return;
        }
    }
}
