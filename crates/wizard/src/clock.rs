//! The time the wizard reads, as a parameter: certificate validity, the test login's checks, when progress was
//! saved, when enforcing was recorded. [`SystemClock`] in the app; [`FixedClock`] in tests, so what they check does
//! not depend on the day they run.

use std::fmt::Debug;
use std::sync::Arc;

use time::OffsetDateTime;

/// Where the wizard gets "now".
pub trait Clock: Debug + Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The computer's clock, in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Always the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// A clock shared by the session and its model (cheap to clone).
pub type SharedClock = Arc<dyn Clock>;

/// The computer's clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}
