//! The follower: a scheduled sync that needs no clicks. It looks at every NCT request that NCT is not done
//! with (`next_check_at` set), when it is due, until the request is final, and finishes the steps a crash
//! left behind (a send that never reached NCT, a publish, a seller's cancel…).
//!
//! Each tick claims the due requests (the claim pushes their next check ahead by a lease, so replicas on
//! one PostgreSQL never check one request twice at once), groups them by tenant, and checks each tenant's
//! requests in bulk with [`Checker`] (paged listings by status; single reads only for what changed), up to
//! [`TENANTS_AT_ONCE`] tenants at a time. A tenant without a usable key has its requests put off for the
//! seller wait; a key NCT refuses is marked invalid, as the jobs do.
//!
//! Between ticks it sleeps until the earliest next check, at most half the policy's first wait (and at
//! most 30 s), so a due request waits little. It claims only once the earliest check it read is due: an
//! idle follower costs one indexed query per wake-up.
//!
//! At most once per [`UPKEEP_EVERY`] (and again at once while there is more to do) it also does the card
//! upkeep, with any tenant's valid key: a few pages of the dictionaries' incremental refresh
//! (`crate::dictionaries`) and a batch of stale card checks (`CardService::recheck_stale`), so catalog
//! readiness stays an aggregate of fresh stored results.

use crate::card_schema::CardSchemaCache;
use crate::cards::CardService;
use crate::cards::checker::{CheckError, CheckReport, Checker};
use crate::db::RepoError;
use crate::db::card_repo::CardRepo;
use crate::db::key_repo::{NctKeyRepo, status};
use crate::db::request_follow::Schedule;
use crate::db::request_repo::{NctRequest, RequestRepo};
use crate::recent::Recent;
use chrono::Utc;
use domain::card::FollowPolicy;
use domain::tenant::TenantId;
use futures_util::StreamExt as _;
use nct::NctClient;
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;

/// Requests claimed per tick.
const BATCH: u64 = 2000;

/// Tenants checked concurrently in one tick.
pub const TENANTS_AT_ONCE: usize = 4;

/// How often the card upkeep runs when there is little to do.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(1);

/// Stale card checks re-run per upkeep.
const RECHECK_BATCH: u64 = 2000;

/// Dictionary pages read per upkeep.
const DICTIONARY_PAGES: u32 = 5;

/// The scheduled sync of NCT requests.
#[derive(Clone)]
pub struct Follower {
    requests: RequestRepo,
    cards: CardRepo,
    keys: NctKeyRepo,
    client: NctClient,
    schedule: Schedule,
    /// Card use-cases (the upkeep's re-checks).
    service: CardService,
    /// Set for [`RECHECK_IDLE`] when a search for stale card checks found none; the upkeep skips the search
    /// meanwhile. The search reads every pending card of every tenant, so an idle server must not run it
    /// every second.
    recheck_idle: std::sync::Arc<Recent<()>>,
    /// Set for [`PRUNE_EVERY`] after the catalogs' old change notes were dropped.
    pruned: std::sync::Arc<Recent<()>>,
}

/// How often the upkeep drops old catalog change notes, and how old they must be.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
const CHANGE_NOTES_KEPT: Duration = Duration::from_secs(600);

/// How long the upkeep waits after a search for stale checks found none (a catalog's readiness query
/// re-checks its own stale cards meanwhile).
const RECHECK_IDLE: Duration = Duration::from_secs(10);

/// What a tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Requests claimed.
    pub claimed: usize,
    /// The checkers' counts, added up.
    pub check: CheckReport,
}

impl Follower {
    /// Builds the follower.
    pub fn new(db: DatabaseConnection, keys: NctKeyRepo, client: NctClient, policy: FollowPolicy) -> Self {
        let service = CardService::new(db.clone(), keys.clone(), client.clone(), policy);
        Self {
            requests: RequestRepo::new(db.clone()),
            cards: CardRepo::new(db),
            keys,
            client,
            schedule: Schedule::new(policy),
            service,
            recheck_idle: std::sync::Arc::new(Recent::new(RECHECK_IDLE)),
            pruned: std::sync::Arc::new(Recent::new(PRUNE_EVERY)),
        }
    }

    /// How long a claim is held: long enough for a tenant's listing, short enough that a crashed tick
    /// strands nothing for long.
    fn lease(&self) -> Duration {
        self.schedule.policy.cap.clamp(Duration::from_secs(30), Duration::from_secs(600))
    }

    fn max_sleep(&self) -> Duration {
        (self.schedule.policy.first / 2).clamp(Duration::from_millis(20), Duration::from_secs(30))
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        match self.requests.adopt_unfollowed().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(requests = n, "requests from before the follower are now followed"),
            Err(e) => tracing::error!(error.cause_chain = ?e, "cannot adopt unfollowed requests"),
        }
        tracing::info!(first_ms = self.schedule.policy.first.as_millis() as u64, max_ms = self.schedule.policy.cap.as_millis() as u64, "request follower started");
        let mut last_upkeep: Option<std::time::Instant> = None;
        // The earliest next check read before the last sleep (`None`: unknown, tick). A tick before it is due
        // would claim nothing: the loop then only reads the schedule again, one indexed query instead of a
        // claiming transaction.
        let mut due_at: Option<chrono::DateTime<Utc>> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let mut busy = if due_at.is_none_or(|at| at <= Utc::now()) {
                match self.tick().await {
                    Ok(r) => r.claimed as u64 >= BATCH,
                    Err(e) => {
                        tracing::error!(error.cause_chain = ?e, "follower tick failed");
                        false
                    }
                }
            } else {
                false
            };
            if last_upkeep.is_none_or(|t| t.elapsed() >= UPKEEP_EVERY) {
                last_upkeep = Some(std::time::Instant::now());
                if self.upkeep().await {
                    busy = true;
                    last_upkeep = None;
                }
            }
            if busy {
                due_at = None;
                continue;
            }
            let sleep = match self.requests.earliest_check().await {
                Ok(Some(at)) => {
                    due_at = Some(at);
                    (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).clamp(Duration::from_millis(10), self.max_sleep())
                }
                Ok(None) => {
                    // Nothing is followed: the next tick waits for a check to appear in the schedule.
                    due_at = Some(chrono::DateTime::<Utc>::MAX_UTC);
                    self.max_sleep()
                }
                Err(e) => {
                    tracing::warn!(error.cause_chain = ?e, "follower cannot read its schedule");
                    due_at = None;
                    self.max_sleep()
                }
            };
            tokio::select! {
                r = shutdown.changed() => if r.is_err() { break },
                () = tokio::time::sleep(sleep) => {}
            }
        }
        tracing::info!("request follower stopped");
    }

    /// One tick: claims the due requests and checks them, tenant by tenant.
    ///
    /// # Errors
    /// The database failed while claiming (per-tenant failures are logged and put off).
    pub async fn tick(&self) -> Result<TickReport, RepoError> {
        let rows = self.requests.claim_due(Utc::now(), BATCH, self.lease()).await?;
        let mut report = TickReport { claimed: rows.len(), ..TickReport::default() };
        let mut by_tenant: BTreeMap<uuid::Uuid, Vec<NctRequest>> = BTreeMap::new();
        for r in rows {
            by_tenant.entry(r.tenant_id.0).or_default().push(r);
        }
        let results: Vec<CheckReport> = futures_util::stream::iter(by_tenant)
            .map(|(tenant, rows)| async move { self.check_tenant(TenantId(tenant), rows).await })
            .buffer_unordered(TENANTS_AT_ONCE)
            .collect()
            .await;
        for r in results {
            report.check.checked += r.checked;
            report.check.changed += r.changed;
            report.check.pages += r.pages;
            report.check.reads += r.reads;
            report.check.steps += r.steps;
        }
        Ok(report)
    }

    /// The card upkeep (see the module docs). `true` when there is more to do at once.
    pub async fn upkeep(&self) -> bool {
        if self.pruned.get().is_none() {
            self.pruned.set(());
            match self.service.prune_change_notes(CHANGE_NOTES_KEPT).await {
                Ok(n) => tracing::debug!(dropped = n, "old catalog change notes dropped"),
                Err(e) => tracing::warn!(error.cause_chain = ?e, "cannot drop old catalog change notes"),
            }
        }
        let key = match self.service.any_key().await {
            Ok(Some(k)) => k,
            Ok(None) => return false,
            Err(e) => {
                tracing::warn!(error.cause_chain = ?e, "upkeep cannot read a key");
                return false;
            }
        };
        let cache = CardSchemaCache::for_client(&self.client);
        if let Ok(store) = cache.store() {
            match cache.dictionary_codes(&key).await {
                Ok(codes) => {
                    if let Err(e) = store.refresh_step(&key, &codes, DICTIONARY_PAGES).await {
                        tracing::warn!(error = %e, "dictionary refresh step failed; it resumes later");
                    }
                }
                Err(e) => tracing::debug!(error = %e, "no schema for the dictionary refresh now"),
            }
        }
        if self.recheck_idle.get().is_some() {
            return false;
        }
        match self.service.recheck_stale(&key, RECHECK_BATCH).await {
            Ok(0) => {
                self.recheck_idle.set(());
                false
            }
            Ok(n) => n as u64 >= RECHECK_BATCH,
            // NCT not reachable now: the next upkeep retries.
            Err(crate::cards::CardError::Nct(e)) => {
                tracing::debug!(error = %e, "stale card checks not re-run now");
                false
            }
            Err(e) => {
                tracing::warn!(error.cause_chain = ?e, error.message = %e, "stale card checks failed");
                false
            }
        }
    }

    async fn check_tenant(&self, tenant: TenantId, rows: Vec<NctRequest>) -> CheckReport {
        let mut report = CheckReport::default();
        let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
        let put_off = || async {
            let until = Utc::now() + chrono::Duration::from_std(self.schedule.policy.seller).unwrap_or(chrono::Duration::hours(6));
            if let Err(e) = self.requests.defer(tenant, &ids, until).await {
                tracing::error!(error.cause_chain = ?e, "cannot put requests off");
            }
        };
        let key = match self.keys.load(tenant).await {
            Ok(Some((_, s))) if s == status::INVALID => return { put_off().await; report },
            Ok(Some((k, _))) => k,
            Ok(None) => return { put_off().await; report },
            Err(e) => {
                tracing::error!(tenant_id = %tenant, error.cause_chain = ?e, "cannot load the tenant's NCT key; requests put off");
                put_off().await;
                return report;
            }
        };
        let checker = Checker { client: &self.client, key: &key, requests: &self.requests, cards: &self.cards, schedule: &self.schedule };
        match checker.check(tenant, rows, &mut report).await {
            Ok(()) => {}
            Err(CheckError::InvalidKey) => {
                tracing::warn!(tenant_id = %tenant, "NCT refused the tenant's key while following requests; marked invalid");
                if let Err(e) = self.keys.mark(tenant, status::INVALID).await {
                    tracing::error!(error.cause_chain = ?e, "cannot mark the key invalid");
                }
            }
            Err(CheckError::Nct(e)) => tracing::warn!(tenant_id = %tenant, error = %e, "NCT failed while following requests; put off"),
            Err(CheckError::Repo(e)) => tracing::error!(tenant_id = %tenant, error.cause_chain = ?e, "database failed while following requests"),
        }
        report
    }
}
