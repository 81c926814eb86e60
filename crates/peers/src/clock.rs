//! Time is a parameter: code that needs "now" takes a [`Clock`] instead of reading the system clock, so tests can
//! fix the time and assert time-dependent behaviour (issue 19). Only [`SystemClock`] reads the wall clock; the
//! workspace's `clippy.toml` refuses `OffsetDateTime::now_utc` anywhere else. Programs (the CLI, the desktop shell)
//! make one `SystemClock` at their entry point and hand it down.

use std::fmt;
use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

/// Where "now" comes from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// A clock shared with server tasks and threads.
pub type SharedClock = Arc<dyn Clock>;

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl SystemClock {
    /// The system clock as a [`SharedClock`].
    pub fn shared() -> SharedClock {
        Arc::new(Self)
    }
}

impl Clock for SystemClock {
    // The one place that reads the wall clock.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until it is set or advanced: tests, and replaying a run at a chosen time.
#[derive(Debug)]
pub struct FixedClock {
    at: Mutex<OffsetDateTime>,
}

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self { at: Mutex::new(at) }
    }

    /// A fixed clock shared with servers, kept by the caller to move it: `let c = FixedClock::shared(t);`
    /// then `c.set(..)` while the server reads it.
    pub fn shared(at: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self::new(at))
    }

    pub fn set(&self, at: OffsetDateTime) {
        *self.at.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    pub fn advance(&self, by: Duration) {
        let mut at = self.at.lock().unwrap_or_else(|p| p.into_inner());
        *at = at.saturating_add(by);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Another clock moved by an offset that can change while it is read: a party whose clock is off, or a delay
/// played out without waiting (the planted faults of the demo pairing).
#[derive(Debug)]
pub struct ShiftedClock {
    base: SharedClock,
    offset: Mutex<Duration>,
}

impl ShiftedClock {
    pub fn new(base: SharedClock, offset: Duration) -> Self {
        Self {
            base,
            offset: Mutex::new(offset),
        }
    }

    /// Moves it on by `by` (the base clock is untouched).
    pub fn advance(&self, by: Duration) {
        let mut o = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *o = o.saturating_add(by);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> OffsetDateTime {
        let o = *self.offset.lock().unwrap_or_else(|p| p.into_inner());
        self.base.now().saturating_add(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let c = FixedClock::new(datetime!(2030-06-01 12:00 UTC));
        assert_eq!(c.now(), datetime!(2030-06-01 12:00 UTC));
        assert_eq!(c.now(), datetime!(2030-06-01 12:00 UTC));
        c.advance(Duration::minutes(5));
        assert_eq!(c.now(), datetime!(2030-06-01 12:05 UTC));
        c.set(datetime!(2001-01-01 0:00 UTC));
        assert_eq!(c.now(), datetime!(2001-01-01 0:00 UTC));
    }

    #[test]
    fn the_system_clock_is_utc_and_moves_forward() {
        let a = SystemClock.now();
        let b = SystemClock.now();
        assert!(b >= a);
        assert!(a.offset().is_utc());
        assert!(a.year() >= 2025);
    }
}
