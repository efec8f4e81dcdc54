//! What an omitted timestamp means. The core itself has no clock: every command
//! carries the host's time. A binding that lets a caller leave the time out
//! (`ts=None` in Python) stamps the command by this rule, the same in every
//! binding:
//!
//! > the host's wall clock in ns since the Unix epoch, clamped so it is never
//! > below the last stamp this clock gave, never below the engine's (or
//! > Broker's) current time, and never 0.
//!
//! So an omitted time never makes a command fail with `time_went_backwards`
//! (a wall clock stepped back by NTP stalls at the last stamp instead), never
//! goes back between two commands, and is never the epoch itself. Explicit
//! timestamps are passed through untouched; they are the way to replay a journal.
//!
//! [`HostClock`] is pure: the binding reads the wall clock (Python's
//! `time.time_ns()`) and hands the reading in, so tests can feed any sequence.

use crate::types::Timestamp;

/// The clamp state of one engine's omitted timestamps: the last stamp given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostClock {
    last: Timestamp,
}

impl HostClock {
    /// A clock that has given no stamp yet.
    pub const fn new() -> Self {
        HostClock { last: Timestamp(0) }
    }

    /// The timestamp for a command whose time was omitted: `wall_ns`, or the
    /// last stamp, or the engine's `now`, whichever is latest, and at least 1.
    pub fn stamp(&mut self, wall_ns: u64, now: Timestamp) -> Timestamp {
        let t = Timestamp(wall_ns.max(self.last.0).max(now.0).max(1));
        self.last = t;
        t
    }

    /// The last stamp given (0 before the first).
    pub const fn last(&self) -> Timestamp {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_the_wall_clock_when_it_is_ahead() {
        let mut c = HostClock::new();
        assert_eq!(c.stamp(1_000, Timestamp(10)), Timestamp(1_000));
        assert_eq!(c.stamp(2_000, Timestamp(1_000)), Timestamp(2_000));
        assert_eq!(c.last(), Timestamp(2_000));
    }

    #[test]
    fn a_wall_clock_stepped_back_stalls_at_the_last_stamp() {
        let mut c = HostClock::new();
        c.stamp(5_000, Timestamp(0));
        // The engine did not advance (say the command was refused): still 5_000.
        assert_eq!(c.stamp(4_000, Timestamp(0)), Timestamp(5_000));
        assert_eq!(c.stamp(6_000, Timestamp(0)), Timestamp(6_000));
    }

    #[test]
    fn a_stamp_never_goes_below_the_engines_time() {
        let mut c = HostClock::new();
        // Explicit timestamps took the engine past the wall clock.
        assert_eq!(c.stamp(1_000, Timestamp(9_000)), Timestamp(9_000));
        assert_eq!(c.stamp(1_001, Timestamp(9_000)), Timestamp(9_000));
    }

    #[test]
    fn a_stamp_is_never_zero() {
        let mut c = HostClock::new();
        assert_eq!(c.stamp(0, Timestamp(0)), Timestamp(1));
        assert_eq!(c.stamp(0, Timestamp(0)), Timestamp(1));
        assert_eq!(HostClock::default(), HostClock::new());
    }
}
