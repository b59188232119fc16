//! [`Recent`]: a value remembered for a short time, so a hot path (a page of 250 card checks, a re-check of
//! thousands) reuses it instead of asking the database again for each item.

use std::collections::HashMap;
use std::hash::Hash;
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

/// Values remembered per key together with the stamp they were computed at (e.g. a catalog's aggregate and
/// the catalog's change stamp): [`StampMemo::get`] gives a value back only while the caller's current stamp is
/// the same and the value is younger than `keep`. At most `cap` keys; the oldest half goes when it is full.
pub struct StampMemo<K, T> {
    keep: Duration,
    cap: usize,
    slots: Mutex<HashMap<K, (Instant, String, T)>>,
}

impl<K: Eq + Hash, T: Clone> StampMemo<K, T> {
    /// Empty; values are kept for `keep`, for at most `cap` keys.
    pub fn new(keep: Duration, cap: usize) -> Self {
        Self { keep, cap: cap.max(1), slots: Mutex::new(HashMap::new()) }
    }

    /// The value of `key` computed at `stamp`, while it is younger than `keep`.
    pub fn get(&self, key: &K, stamp: &str) -> Option<T> {
        let slots = self.slots.lock().ok()?;
        slots.get(key).filter(|(at, s, _)| s == stamp && at.elapsed() < self.keep).map(|(_, _, v)| v.clone())
    }

    /// Remembers `value` of `key`, computed at `stamp`.
    pub fn put(&self, key: K, stamp: String, value: T) {
        let Ok(mut slots) = self.slots.lock() else { return };
        if slots.len() >= self.cap && !slots.contains_key(&key) {
            slots.retain(|_, (at, _, _)| at.elapsed() < self.keep);
            if slots.len() >= self.cap {
                let mut ages: Vec<Instant> = slots.values().map(|(at, _, _)| *at).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                slots.retain(|_, (at, _, _)| *at >= cut);
            }
        }
        slots.insert(key, (Instant::now(), stamp, value));
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

    #[test]
    fn a_memo_answers_only_at_the_same_stamp() {
        let m: StampMemo<u32, &str> = StampMemo::new(Duration::from_secs(60), 10);
        m.put(1, "s1".into(), "a");
        assert_eq!(m.get(&1, "s1"), Some("a"));
        assert_eq!(m.get(&1, "s2"), None);
        assert_eq!(m.get(&2, "s1"), None);
        m.put(1, "s2".into(), "b");
        assert_eq!(m.get(&1, "s1"), None);
        assert_eq!(m.get(&1, "s2"), Some("b"));
    }

    #[test]
    fn a_full_memo_drops_its_oldest_half_and_nothing_outlives_its_time() {
        let m: StampMemo<u32, u32> = StampMemo::new(Duration::from_secs(60), 4);
        for k in 0..4 {
            m.put(k, "s".into(), k);
            std::thread::sleep(Duration::from_millis(2));
        }
        m.put(9, "s".into(), 9);
        assert_eq!(m.get(&0, "s"), None, "the oldest went");
        assert_eq!(m.get(&3, "s"), Some(3));
        assert_eq!(m.get(&9, "s"), Some(9));
        let gone: StampMemo<u32, u32> = StampMemo::new(Duration::ZERO, 4);
        gone.put(1, "s".into(), 1);
        assert_eq!(gone.get(&1, "s"), None);
    }
}
