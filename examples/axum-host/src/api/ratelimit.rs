//! Per-client rate limit: a token bucket per account (the token's subject),
//! refilled continuously; an empty bucket answers 429 with `Retry-After`.
//! Integer arithmetic in nano-tokens.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::StatusCode;
use brokerx_engine::AccountId;

use super::error::ApiError;

const NANO: u128 = 1_000_000_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_s: u128,
    burst: u128,
    started: Instant,
    buckets: Mutex<HashMap<AccountId, (u128, u128)>>, // (nano-tokens, last refill ns)
}

impl RateLimiter {
    /// `per_s` requests per second with bursts up to `burst`; `per_s == 0` disables it.
    pub fn new(per_s: u64, burst: u64) -> RateLimiter {
        RateLimiter {
            per_s: u128::from(per_s),
            burst: u128::from(burst.max(1)),
            started: Instant::now(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// # Errors
    /// `rate_limited` (429) when the account's bucket is empty.
    pub fn check(&self, account: AccountId) -> Result<(), ApiError> {
        if self.per_s == 0 {
            return Ok(());
        }
        let now = self.started.elapsed().as_nanos();
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(p) => p.into_inner(),
        };
        let full = self.burst * NANO;
        let (tokens, last) = buckets.entry(account).or_insert((full, now));
        *tokens = (*tokens + (now - *last) * self.per_s).min(full);
        *last = now;
        if *tokens >= NANO {
            *tokens -= NANO;
            Ok(())
        } else {
            let mut e =
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests for this account");
            e.retry_after_s = Some(1);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_bucket_refuses() {
        let l = RateLimiter::new(1, 3);
        for _ in 0..3 {
            l.check(AccountId(1)).unwrap();
        }
        assert_eq!(l.check(AccountId(1)).unwrap_err().status, StatusCode::TOO_MANY_REQUESTS);
        // Another account has its own bucket.
        l.check(AccountId(2)).unwrap();
    }
}
