//! Password hashing with argon2id, on two threads of its own, under a bound.
//!
//! Parameters: the argon2 crate's defaults, which are OWASP's recommendation for argon2id:
//! m = 19 MiB, t = 2 iterations, p = 1 lane (about 20 ms of one core here). Each hash in
//! flight holds its 19 MiB, so hashes run on [`Hashing::PERMITS`] long-lived threads (their
//! memory is reused: a pool of short-lived blocking threads would each keep its own), at most
//! [`Hashing::QUEUE`] more wait, and beyond that the caller gets `Unavailable` (503 with
//! `Retry-After`) at once. A login for an unknown name verifies against a dummy hash under the
//! same bound, so it costs the same time and memory as a known one.

use crate::{AppError, AppResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};

/// A valid argon2id hash (of nothing anyone knows) with the default parameters: what an
/// unknown login is verified against.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo";

type Job = Box<dyn FnOnce() + Send>;

/// The bound on argon2 work of one instance (one per [`crate::AppContext`]).
#[derive(Default)]
pub struct Hashing {
    /// The hashing threads' queue, started on first use; they end when this is dropped.
    queue: OnceLock<Mutex<mpsc::Sender<Job>>>,
    /// Hashes running or waiting.
    admitted: Arc<AtomicUsize>,
}

/// Gives its place back when the work ends (also when its caller has gone away meanwhile).
struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hashing {
    /// Hashes computed at once (threads).
    pub const PERMITS: usize = 2;
    /// Hashes that may wait for a thread.
    pub const QUEUE: usize = 8;

    fn queue(&self) -> &Mutex<mpsc::Sender<Job>> {
        self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            let rx = Arc::new(Mutex::new(rx));
            for _ in 0..Self::PERMITS {
                let rx = rx.clone();
                let spawned = std::thread::Builder::new()
                    .name("argon2".into())
                    .spawn(move || loop {
                        let next = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match next {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "cannot start a password hashing thread");
                }
            }
            Mutex::new(tx)
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= Self::PERMITS + Self::QUEUE {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Unavailable(
                "too many password checks at once".into(),
            ));
        }
        let place = Admitted(self.admitted.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let out = work();
            // The place is free before the caller hears: it may ask again at once.
            drop(place);
            let _ = tx.send(out);
        });
        self.queue()
            .lock()
            .map_err(|_| AppError::Internal("password hashing queue".into()))?
            .send(job)
            .map_err(|_| AppError::Internal("password hashing threads are gone".into()))?;
        rx.await
            .map_err(|_| AppError::Internal("password hashing failed".into()))
    }

    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let password = password.to_string();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
        })
        .await?
    }

    /// Whether `password` matches `stored`; `None` for `stored` checks against a dummy hash,
    /// at the same cost, and is never a match.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> AppResult<bool> {
        let password = password.to_string();
        let known = stored.is_some();
        let stored = stored.unwrap_or(DUMMY_HASH).to_string();
        self.run(move || {
            let ok = PasswordHash::new(&stored)
                .map(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false);
            ok && known
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn verifies_and_refuses_beyond_the_queue() {
        let h = Arc::new(Hashing::default());
        let stored = h.hash("secret").await.expect("hash");
        assert!(h.verify("secret", Some(&stored)).await.expect("verify"));
        assert!(!h.verify("wrong", Some(&stored)).await.expect("verify"));
        assert!(!h.verify("secret", None).await.expect("verify"));
        // Many at once: some are refused at once with Unavailable, none fails otherwise, and
        // every place is given back.
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let h = h.clone();
                let stored = stored.clone();
                tokio::spawn(async move { h.verify("secret", Some(&stored)).await })
            })
            .collect();
        let (mut ok, mut busy) = (0, 0);
        for t in tasks {
            match t.await.expect("join") {
                Ok(true) => ok += 1,
                Err(AppError::Unavailable(_)) => busy += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(ok >= Hashing::PERMITS + Hashing::QUEUE, "{ok} verified");
        assert!(busy > 0, "the queue is bounded");
        assert_eq!(h.admitted.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_dummy_hash_has_the_default_parameters() {
        let dummy = PasswordHash::new(DUMMY_HASH).expect("parses");
        let params = argon2::Params::try_from(&dummy).expect("params");
        let default = argon2::Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
    }
}
