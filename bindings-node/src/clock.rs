//! Omitted timestamps: the host's wall clock, clamped by the core's rule
//! (`brokerx_engine::clock::HostClock`, the same in every binding).

use std::time::{SystemTime, UNIX_EPOCH};

use brokerx_engine::clock::HostClock;
use brokerx_engine::Timestamp;

/// Nanoseconds since the Unix epoch (0 for a clock set before it: the clamp lifts it).
pub fn wall_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// The command's time: the one given, or a stamp by the core's rule.
pub fn stamp(clock: &mut HostClock, given: Option<u64>, now: Timestamp) -> Timestamp {
    match given {
        Some(t) => Timestamp(t),
        None => clock.stamp(wall_ns(), now),
    }
}
