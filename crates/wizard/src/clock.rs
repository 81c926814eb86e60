//! The time the wizard reads, as a parameter: certificate validity, the test login's checks, when progress was
//! saved, when enforcing was recorded. The peers' clock (one home for it): [`SystemClock`] in the app,
//! [`FixedClock`] in tests, so what they check does not depend on the day they run.

pub use ssopilot_peers::clock::{Clock, FixedClock, SharedClock, SystemClock};

/// The computer's clock, shared.
pub fn system() -> SharedClock {
    SystemClock::shared()
}
