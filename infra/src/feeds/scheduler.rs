//! The feed scheduler: each round it starts owed follow-ups, claims due sources (a lease per source, so
//! replicas on one database never pull the same source at once) and pulls them, a few at a time, off the HTTP
//! workers. A manual pull wakes it at once in this process; other replicas see it on their next round.

use super::FeedSettings;
use super::pull::Puller;
use super::source_repo::SourceRepo;
use crate::db::RepoError;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// The background scheduler.
pub struct FeedScheduler {
    db: DatabaseConnection,
    sources: SourceRepo,
    puller: Puller,
    cfg: FeedSettings,
    wake: Arc<Notify>,
    /// Wakes the job worker when a follow-up job was started.
    job_wake: Arc<Notify>,
}

impl FeedScheduler {
    /// Builds the scheduler; `wake` is what `pullCatalogSource` notifies.
    pub fn new(db: DatabaseConnection, puller: Puller, cfg: FeedSettings, wake: Arc<Notify>, job_wake: Arc<Notify>) -> Self {
        Self { sources: SourceRepo::new(db.clone()), db, puller, cfg, wake, job_wake }
    }

    /// Runs until `shutdown` turns true. Pulls in flight are abandoned then: their transactions roll back and
    /// their leases expire (or are released at the next start).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, release_leases: bool) {
        if release_leases && let Err(e) = self.sources.release_all_leases().await {
            tracing::error!(error.cause_chain = ?e, "cannot release source leases at start");
        }
        tracing::info!("feed scheduler started");
        let mut pulls: JoinSet<()> = JoinSet::new();
        loop {
            if *shutdown.borrow() {
                break;
            }
            while pulls.try_join_next().is_some() {}
            if let Err(e) = self.round(&mut pulls).await {
                tracing::error!(error.cause_chain = ?e, "feed round failed");
            }
            tokio::select! {
                r = shutdown.changed() => if r.is_err() { break },
                _ = self.wake.notified() => {}
                Some(_) = pulls.join_next() => {}
                _ = tokio::time::sleep(self.cfg.poll) => {}
            }
        }
        pulls.abort_all();
        tracing::info!("feed scheduler stopped");
    }

    async fn round(&self, pulls: &mut JoinSet<()>) -> Result<(), RepoError> {
        if super::follow_up::run_pending(&self.db, 20).await? > 0 {
            self.job_wake.notify_one();
        }
        let free = self.cfg.concurrency.saturating_sub(pulls.len());
        if free == 0 {
            return Ok(());
        }
        for claim in self.sources.claim_due(free as u64, self.cfg.lease()).await? {
            let puller = self.puller.clone();
            // A finished pull wakes the loop (`join_next`), whose next round starts the pull's follow-up.
            pulls.spawn(async move {
                if let Err(e) = puller.run(&claim).await {
                    tracing::error!(error.cause_chain = ?e, source_id = %claim.source.id, "storing a pull failed; the source is retried when its lease expires");
                }
            });
        }
        Ok(())
    }
}
