//! Hybrid logical clock (混合逻辑时钟) and the stamps it hands out.
//!
//! Every field of every record carries a [`Stamp`]. Stamps are totally ordered by
//! `(wall_ms, counter, device)`, so every replica picks the same winner without
//! coordinating. The clock guarantees the one invariant merge relies on: a stamp
//! issued by a device is greater than every stamp that device has issued or
//! observed before. Wall time only keeps stamps close to real time; correctness
//! never depends on devices' clocks agreeing.
//!
//! The core never reads the system time: callers pass `now_ms` in.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// A device's persistent identity (设备标识), chosen at random on first run.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(pub String);

impl DeviceId {
    /// The pseudo-device that authored the embedded default data. Its stamps are
    /// at wall time 0, so any real edit wins over the default.
    pub fn seed() -> Self {
        DeviceId("seed".to_owned())
    }

    /// Builds a device id from 8 random bytes (the browser passes crypto randomness).
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let mut s = String::with_capacity(18);
        s.push_str("d-");
        for b in bytes {
            s.push_str(&format!("{b:02x}"));
        }
        DeviceId(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One point of hybrid logical time, unique per device and write.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// Milliseconds since the Unix epoch, as the device believed when writing
    /// (or the highest time it had observed, if that was later).
    pub wall: u64,
    /// Disambiguates writes within one millisecond.
    pub n: u32,
    pub dev: DeviceId,
}

impl Ord for Stamp {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall, self.n, &self.dev).cmp(&(other.wall, other.n, &other.dev))
    }
}

impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Stamp {
    /// The stamp of the embedded default data.
    pub fn seed() -> Self {
        Stamp { wall: 0, n: 0, dev: DeviceId::seed() }
    }
}

/// A device's clock state; persisted with every commit so stamps stay monotonic
/// across reloads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hlc {
    pub device: DeviceId,
    pub wall: u64,
    pub n: u32,
}

impl Hlc {
    pub fn new(device: DeviceId) -> Self {
        Hlc { device, wall: 0, n: 0 }
    }

    /// Issues a stamp greater than every stamp issued or observed so far.
    pub fn tick(&mut self, now_ms: u64) -> Stamp {
        if now_ms > self.wall {
            self.wall = now_ms;
            self.n = 0;
        } else {
            // The wall clock went backwards or stood still: count on.
            self.n = self.n.saturating_add(1);
            if self.n == u32::MAX {
                self.wall += 1;
                self.n = 0;
            }
        }
        Stamp { wall: self.wall, n: self.n, dev: self.device.clone() }
    }

    /// Records that a stamp was seen (e.g. in an imported record), so the next
    /// tick is greater than it.
    pub fn observe(&mut self, seen: &Stamp) {
        if (seen.wall, seen.n) > (self.wall, self.n) {
            self.wall = seen.wall;
            self.n = seen.n;
        }
    }
}

/// How far a stamp may be ahead of the clock of the device that receives it (the
/// clock guard): clocks drift and time zones are set wrong by hours, never by a day.
pub const CLOCK_SLACK_MS: u64 = 86_400_000;

/// The clock guard on receiving: how far `wall` is ahead of `now_ms`, if more than
/// [`CLOCK_SLACK_MS`]. A record stamped so far ahead would win every merge against
/// every later edit on every device, so import refuses it (naming the writing device).
pub fn ahead_of(wall: u64, now_ms: u64) -> Option<u64> {
    (wall > now_ms.saturating_add(CLOCK_SLACK_MS)).then(|| wall - now_ms)
}

/// The clock guard on saving: how far this device's clock is behind the newest stamp
/// it holds (`hlc.wall`), if more than [`CLOCK_SLACK_MS`] — its clock is probably
/// wrong, and the user is warned before saving ("本机时间可能不准").
pub fn behind_by(hlc: &Hlc, now_ms: u64) -> Option<u64> {
    ahead_of(hlc.wall, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(s: &str) -> DeviceId {
        DeviceId(s.to_owned())
    }

    #[test]
    fn ticks_are_strictly_increasing_even_when_the_wall_clock_goes_back() {
        let mut c = Hlc::new(dev("a"));
        let s1 = c.tick(1000);
        let s2 = c.tick(1000);
        let s3 = c.tick(500);
        let s4 = c.tick(2000);
        assert!(s1 < s2 && s2 < s3 && s3 < s4);
    }

    #[test]
    fn a_tick_after_observing_a_future_stamp_is_later_than_it() {
        let mut c = Hlc::new(dev("a"));
        c.tick(10);
        let remote = Stamp { wall: 99_999, n: 7, dev: dev("b") };
        c.observe(&remote);
        let s = c.tick(20);
        assert!(s > remote);
    }

    #[test]
    fn stamps_order_by_wall_then_counter_then_device() {
        let a = Stamp { wall: 1, n: 5, dev: dev("z") };
        let b = Stamp { wall: 2, n: 0, dev: dev("a") };
        let c = Stamp { wall: 2, n: 0, dev: dev("b") };
        assert!(a < b && b < c);
    }

    #[test]
    fn device_ids_from_random_bytes_are_hex() {
        assert_eq!(DeviceId::from_random([0, 1, 2, 0xab, 4, 5, 6, 0xff]).as_str(), "d-000102ab040506ff");
    }
}
