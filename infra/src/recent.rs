//! [`Recent`]: a value remembered for a short time, so a hot path (a page of 250 card checks, a re-check of
//! thousands) reuses it instead of asking the database again for each item.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A value kept for `keep` after it was set; [`Recent::clear`] drops it at once (the process changed what
/// it was read from).
pub struct Recent<T> {
    keep: Duration,
    slot: Mutex<Option<(Instant, T)>>,
}

impl<T: Clone> Recent<T> {
    /// Empty; a value set is kept for `keep`.
    pub const fn new(keep: Duration) -> Self {
        Self { keep, slot: Mutex::new(None) }
    }

    /// The value, while it is younger than `keep`.
    pub fn get(&self) -> Option<T> {
        self.get_if(|_| true)
    }

    /// The value, while it is younger than `keep` and `fits` it.
    pub fn get_if(&self, fits: impl FnOnce(&T) -> bool) -> Option<T> {
        let slot = self.slot.lock().ok()?;
        slot.as_ref().filter(|(at, v)| at.elapsed() < self.keep && fits(v)).map(|(_, v)| v.clone())
    }

    /// Remembers `value` from now.
    pub fn set(&self, value: T) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some((Instant::now(), value));
        }
    }

    /// Forgets the value.
    pub fn clear(&self) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_until_cleared_and_only_when_it_fits() {
        let r = Recent::new(Duration::from_secs(60));
        assert_eq!(r.get(), None);
        r.set(7);
        assert_eq!(r.get(), Some(7));
        assert_eq!(r.get_if(|v| *v == 8), None);
        r.clear();
        assert_eq!(r.get(), None);
    }

    #[test]
    fn a_value_older_than_its_time_is_gone() {
        let r = Recent::new(Duration::ZERO);
        r.set("x");
        assert_eq!(r.get(), None);
    }
}
