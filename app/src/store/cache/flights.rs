//! Misses of one key at the same time share one read ("single flight"). Sixteen managers
//! opening the team dashboard on an empty cache ran its aggregate sixteen times at once, and
//! on two cores most of them timed out; now the first reads and the others wait for its value.
//!
//! A reader joins a read under way only if no change was committed between that read's
//! start and its own arrival (the cache's generation is the same), so nobody gets a value
//! older than what it would have read itself: a rep who just wrote sees the write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use super::Value;

/// How a read under way ended, as its followers see it.
#[derive(Clone)]
enum Outcome {
    Pending,
    Read(Value),
    /// The read failed: each follower tries itself rather than being handed the error of a
    /// read it did not start.
    Failed,
}

struct Flight {
    /// The cache generation the read started in.
    generation: u64,
    outcome: watch::Sender<Outcome>,
}

/// The reads under way, by key.
#[derive(Default)]
pub(super) struct Flights {
    in_air: Mutex<HashMap<String, Arc<Flight>>>,
}

/// What a miss does: read (and tell the others), or wait for the read under way.
pub(super) enum Role<'a> {
    Lead(Lead<'a>),
    Follow(Follow),
}

impl Flights {
    /// Joins the read of `key` started in `generation`, or starts one.
    pub(super) fn join(&self, key: &str, generation: u64) -> Role<'_> {
        let mut in_air = self.in_air.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = in_air.get(key)
            && flight.generation == generation
        {
            return Role::Follow(Follow { outcome: flight.outcome.subscribe() });
        }
        // None under way, or one started before a change this reader must see: a new read,
        // which later arrivals join. The older read's followers keep waiting for it.
        let flight = Arc::new(Flight { generation, outcome: watch::Sender::new(Outcome::Pending) });
        in_air.insert(key.to_owned(), Arc::clone(&flight));
        Role::Lead(Lead { flights: self, key: key.to_owned(), flight })
    }
}

/// The reader that reads. Dropped without [`Lead::land`] (its request was cancelled), its
/// followers start over and one of them reads.
pub(super) struct Lead<'a> {
    flights: &'a Flights,
    key: String,
    flight: Arc<Flight>,
}

impl Lead<'_> {
    /// Hands the read's value (`None`: it failed) to the followers.
    pub(super) fn land(self, value: Option<Value>) {
        self.flight.outcome.send_replace(value.map_or(Outcome::Failed, Outcome::Read));
    }
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        let mut in_air = self.flights.in_air.lock().unwrap_or_else(PoisonError::into_inner);
        // A newer read of the key may have taken the place; that one stays.
        if in_air.get(&self.key).is_some_and(|flight| Arc::ptr_eq(flight, &self.flight)) {
            in_air.remove(&self.key);
        }
    }
}

/// A reader waiting for the read under way.
pub(super) struct Follow {
    outcome: watch::Receiver<Outcome>,
}

/// What a follower got.
pub(super) enum Landed {
    Read(Value),
    /// The read failed: read yourself.
    Failed,
    /// The reader went away before it read: join again.
    Abandoned,
}

impl Follow {
    pub(super) async fn landed(mut self) -> Landed {
        match self.outcome.wait_for(|outcome| !matches!(outcome, Outcome::Pending)).await {
            Ok(outcome) => match &*outcome {
                Outcome::Read(value) => Landed::Read(Arc::clone(value)),
                Outcome::Failed | Outcome::Pending => Landed::Failed,
            },
            Err(_) => Landed::Abandoned,
        }
    }
}

#[cfg(test)]
impl Flights {
    pub(super) fn under_way(&self) -> usize {
        self.in_air.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}
