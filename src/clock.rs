//! Where "now" comes from. Domain rules take the time as an argument; the application
//! asks a [`Clock`], so the server uses the system clock while tests and the demo
//! loader can set the time (to let a statement expire, or a mandiri due date pass).

use std::sync::Mutex;

use chrono::{DateTime, Duration, SubsecRound, Utc};

pub trait Clock: Send + Sync {
    /// The current time, in whole seconds: every time the registry writes has that precision.
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(0)
    }
}

/// A clock that stands still until moved.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(start.trunc_subsecs(0)))
    }

    pub fn set(&self, time: DateTime<Utc>) {
        *self.0.lock().expect("clock poisoned") = time.trunc_subsecs(0);
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock poisoned");
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock poisoned")
    }
}
