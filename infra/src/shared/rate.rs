//! GCRA (the generic cell rate algorithm, a token bucket kept as one timestamp per key) shared by replicas.
//!
//! Each key stores its theoretical arrival time (TAT). A rate of `n`/s with bursts of `b` has the emission
//! interval `T = 1/n` and the tolerance `τ = (b − 1)·T`. A request at `now` is on time when
//! `now ≥ TAT − τ`; it then moves `TAT = max(TAT, now) + T`. Three uses:
//! - [`SharedRate::check`] (admission): on time, or refused with the wait, nothing taken;
//! - [`SharedRate::reserve`] (pacing): always takes the next slot and says how long to wait for it, so
//!   callers queue fairly instead of retrying;
//! - [`SharedRate::hold`]: no slot before `now + d` (a 429's `Retry-After` holds the key for everybody).
//!
//! With Redis the step runs in one Lua script on Redis's own clock (`TIME`), atomically, so every replica
//! shares each key's budget; the key expires once idle. Without Redis, or while it fails, the same step runs
//! on an in-process map (bounded: idle keys are dropped): limits then hold per process.

use super::RedisLink;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Keys kept in process before idle ones are dropped.
const RETAIN_AFTER: usize = 10_000;

/// A GCRA rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Emission interval `T`, µs.
    interval_us: u64,
    /// Burst tolerance `τ`, µs.
    tolerance_us: u64,
}

impl Rate {
    /// `per_second` sustained, with bursts of `burst`.
    pub fn per_second(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        let interval_us = 1_000_000 / u64::from(per_second.get());
        Self { interval_us, tolerance_us: interval_us * u64::from(burst.get() - 1) }
    }

    /// No limit of its own: only holds apply.
    pub const UNLIMITED: Rate = Rate { interval_us: 0, tolerance_us: 0 };
}

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Check,
    Reserve,
    Hold(u64),
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Check => "check",
            Mode::Reserve => "reserve",
            Mode::Hold(_) => "hold",
        }
    }
}

/// One GCRA step on `tat` at `now` (µs): the new TAT (`None`: unchanged) and the wait in µs.
fn step(tat: Option<u64>, now: u64, rate: Rate, mode: Mode) -> (Option<u64>, u64) {
    let tat = tat.unwrap_or(now).max(now);
    let wait = tat.saturating_sub(rate.tolerance_us).saturating_sub(now);
    match mode {
        Mode::Hold(d) => (Some(tat.max(now + d)), 0),
        Mode::Check if wait > 0 => (None, wait),
        Mode::Check | Mode::Reserve => (Some(tat + rate.interval_us), wait),
    }
}

/// The same step in Redis (see [`step`]): KEYS[1] the key; ARGV interval µs, tolerance µs, mode, hold µs.
/// Returns the wait in µs. The key lives until its TAT has passed, plus a second.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local interval, tol, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local wait = tat - tol - now
if wait < 0 then wait = 0 end
if mode == 'hold' then
  local h = now + tonumber(ARGV[4])
  if h > tat then tat = h end
  wait = 0
elseif mode == 'check' and wait > 0 then
  return wait
else
  tat = tat + interval
end
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
return wait
";

/// Rate limits shared through Redis when configured, in process otherwise.
pub struct SharedRate {
    redis: Option<RedisLink>,
    local: Mutex<HashMap<String, u64>>,
    epoch: Instant,
    ops: AtomicU64,
}

impl std::fmt::Debug for SharedRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRate").field("redis", &self.redis.is_some()).finish_non_exhaustive()
    }
}

impl SharedRate {
    /// Limits per process.
    pub fn local() -> Self {
        Self { redis: None, local: Mutex::new(HashMap::new()), epoch: Instant::now(), ops: AtomicU64::new(0) }
    }

    /// Limits shared by every process on `link` (falling back to in-process while Redis fails).
    pub fn with_redis(link: RedisLink) -> Self {
        Self { redis: Some(link), ..Self::local() }
    }

    /// Admission: `Ok` when a request of `key` may go now (and counts it), else how long to wait.
    pub async fn check(&self, key: &str, rate: Rate) -> Result<(), Duration> {
        match self.run(key, rate, Mode::Check).await {
            0 => Ok(()),
            us => Err(Duration::from_micros(us)),
        }
    }

    /// Pacing: takes the next slot of `key` and returns how long to wait for it.
    pub async fn reserve(&self, key: &str, rate: Rate) -> Duration {
        Duration::from_micros(self.run(key, rate, Mode::Reserve).await)
    }

    /// No slot of `key` before `d` from now.
    pub async fn hold(&self, key: &str, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 4);
        self.run(key, Rate::UNLIMITED, Mode::Hold(us)).await;
    }

    async fn run(&self, key: &str, rate: Rate, mode: Mode) -> u64 {
        if let Some(link) = &self.redis {
            let hold = match mode {
                Mode::Hold(us) => us,
                _ => 0,
            };
            let mut cmd = redis::cmd("EVAL");
            cmd.arg(SCRIPT).arg(1).arg(link.key(&format!("rl:{key}"))).arg(rate.interval_us).arg(rate.tolerance_us).arg(mode.name()).arg(hold);
            if let Some(wait) = link.run::<u64>(&cmd).await {
                return wait;
            }
        }
        self.run_local(key, rate, mode)
    }

    fn run_local(&self, key: &str, rate: Rate, mode: Mode) -> u64 {
        let now = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX / 4);
        let mut map = self.local.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Now and then forget keys whose TAT has passed (they are as good as new).
        if self.ops.fetch_add(1, Ordering::Relaxed).is_multiple_of(1024) && map.len() > RETAIN_AFTER {
            map.retain(|_, tat| *tat > now);
        }
        let (tat, wait) = step(map.get(key).copied(), now, rate, mode);
        if let Some(t) = tat {
            map.insert(key.to_owned(), t);
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(n: u32, b: u32) -> Rate {
        Rate::per_second(NonZeroU32::new(n).unwrap(), NonZeroU32::new(b).unwrap())
    }

    #[test]
    fn admission_allows_the_burst_then_one_per_interval() {
        let r = rate(10, 3);
        let mut tat = None;
        for _ in 0..3 {
            let (t, wait) = step(tat, 0, r, Mode::Check);
            assert_eq!(wait, 0);
            tat = t;
        }
        let (t, wait) = step(tat, 0, r, Mode::Check);
        assert_eq!((t, wait), (None, 100_000), "the fourth waits one interval");
        assert_eq!(step(tat, 100_000, r, Mode::Check).1, 0);
    }

    #[test]
    fn reservations_queue_callers_one_interval_apart() {
        let r = rate(4, 1);
        let mut tat = None;
        let waits: Vec<u64> = (0..4)
            .map(|_| {
                let (t, w) = step(tat, 0, r, Mode::Reserve);
                tat = t;
                w
            })
            .collect();
        assert_eq!(waits, vec![0, 250_000, 500_000, 750_000]);
    }

    #[test]
    fn a_hold_delays_every_next_slot() {
        let (tat, _) = step(None, 1_000, Rate::UNLIMITED, Mode::Hold(2_000_000));
        assert_eq!(step(tat, 1_000, Rate::UNLIMITED, Mode::Reserve).1, 2_000_000);
        assert_eq!(step(tat, 3_000_000, Rate::UNLIMITED, Mode::Reserve).1, 0);
    }

    #[tokio::test]
    async fn in_process_limits_are_per_key() {
        let s = SharedRate::local();
        let r = rate(1, 1);
        assert!(s.check("a", r).await.is_ok());
        assert!(s.check("a", r).await.is_err());
        assert!(s.check("b", r).await.is_ok(), "another key has its own budget");
    }
}
