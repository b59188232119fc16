//! The job worker: takes items in batches, resolves warm GTINs from the cache in one round trip (finishing
//! those items without claiming them first), claims the rest and looks them up at NCT with AIMD-paced
//! concurrency, and writes the results in groups, one transaction each.
//!
//! Outcomes: a found card stores its NTIN (source LOOKUP); several cards store the candidates for a person to
//! choose; not found is recorded; 429s slow the worker down and are retried; outages are retried with
//! backoff and, past the attempt limit, fail the item; an invalid key (401/403) stops the job at once,
//! marks the key invalid and gives the unprocessed items back.

use super::pacer::{Pacer, Pacers};
use super::JobEvents;
use super::round::Round;
use crate::cache::CachedLookup;
use crate::db::job_repo::{ClaimedItem, Held, Job, JobRepo, LookupItemResult};
use crate::db::key_repo::NctKeyRepo;
use crate::db::lookup_scan::{ScanSku, ScanWrite};
use crate::db::RepoError;
use crate::lookup::LookupService;
use nct::{NctClient, NctError};
use domain::job::JobKind;
use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Worker settings.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Items claimed per job per round.
    pub batch: u64,
    /// Items claimed per round while the catalog resolves from the cache.
    pub warm_batch: u64,
    /// Warm batches written at once, each in its own transaction, on PostgreSQL (where each is worked by its
    /// own server process, so two use both cores). SQLite has one writer: there it is always one, while the
    /// next batch is read and resolved.
    pub warm_writers: usize,
    /// How long a claim is held before another worker may take the items.
    pub lease: Duration,
    /// Parallel NCT calls to start with.
    pub start_concurrency: usize,
    /// Upper bound for parallel NCT calls.
    pub max_concurrency: usize,
    /// Poll interval when idle.
    pub idle_poll: Duration,
    /// Attempts per item for transient errors.
    pub max_attempts: u32,
    /// Give back every lease at start (right for one process per database; turn off with replicas).
    pub release_leases_on_start: bool,
    /// How long a card job (submit, sync) holds an item; renewed every third of it while the item is worked.
    pub card_lease: Duration,
    /// Jobs worked at once in a round (of different tenants first).
    pub parallel_jobs: usize,
    /// Jobs of one tenant worked at once: its other jobs wait their turn, so a tenant's 200 jobs do not
    /// starve another tenant's one.
    pub jobs_per_tenant: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch: 256,
            warm_batch: 5000,
            warm_writers: 2,
            lease: Duration::from_secs(30),
            start_concurrency: 8,
            max_concurrency: 64,
            idle_poll: Duration::from_millis(250),
            max_attempts: 8,
            release_leases_on_start: true,
            card_lease: Duration::from_secs(60),
            parallel_jobs: 4,
            jobs_per_tenant: 2,
        }
    }
}

/// The background worker.
#[derive(Clone)]
pub struct Worker {
    jobs: JobRepo,
    keys: NctKeyRepo,
    lookup: LookupService,
    /// The NCT client of the card jobs (lookups go through `lookup`, which shares its cache).
    nct: NctClient,
    /// Cached name searches of the MATCH jobs.
    search: crate::matching::SearchService,
    events: JobEvents,
    cfg: WorkerConfig,
    /// AIMD state per tenant (one tenant's 429s never slow another down).
    pacers: Arc<Pacers>,
    wake: Arc<Notify>,
    /// The last batch came (almost) all from the cache.
    warm: Arc<std::sync::atomic::AtomicBool>,
    /// When card jobs look at requests again (the follower's policy; set with [`Worker::with_follow`]).
    schedule: crate::db::request_follow::Schedule,
    /// Where each lookup job's next batch is read from.
    cursors: Arc<Cursors>,
}

/// The last item read of each lookup job, so the next round reads after it. On PostgreSQL an update leaves
/// the old index entry behind until a vacuum: a job's finished items still sit under `state = 'PENDING'` in
/// `idx_job_items_job_state_id`, and a read from the start of the job walked past all of them every round
/// (14% of PostgreSQL's active samples in a cold job of 100,000 items). Items before a cursor that are
/// pending again (a lease that ran out, another replica's leftovers) are read once nothing follows it: the
/// read then starts over from the first item.
#[derive(Default)]
struct Cursors(std::sync::Mutex<std::collections::HashMap<uuid::Uuid, i64>>);

impl Cursors {
    /// Jobs remembered at most; past it the cursors start over (they are only where to read first).
    const MAX: usize = 10_000;

    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<uuid::Uuid, i64>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, job: uuid::Uuid) -> Option<i64> {
        self.map().get(&job).copied()
    }

    fn set(&self, job: uuid::Uuid, last: i64) {
        let mut map = self.map();
        if map.len() >= Self::MAX && !map.contains_key(&job) {
            map.clear();
        }
        map.insert(job, last);
    }

    fn forget(&self, job: uuid::Uuid) {
        self.map().remove(&job);
    }
}

/// Items with their lookup result, ready to be finished.
type Settled = Vec<(ClaimedItem, LookupItemResult)>;

/// SKUs of a scan with their answer from the cache (`None`: a miss).
struct Answered {
    items: Vec<(ScanSku, Option<LookupItemResult>)>,
    /// As many as asked for: more may follow.
    full: bool,
}

enum ItemOutcome {
    Done(LookupItemResult),
    KeyInvalid,
}

impl Worker {
    /// Builds a worker.
    pub fn new(jobs: JobRepo, keys: NctKeyRepo, lookup: LookupService, nct: NctClient, events: JobEvents, cfg: WorkerConfig) -> Self {
        let pacers = Arc::new(Pacers::new(cfg.start_concurrency, cfg.max_concurrency));
        let search = crate::matching::SearchService::new(nct.clone(), crate::cache::search_cache::SearchCache::memory(), crate::cache::CacheTtls::default());
        let schedule = crate::db::request_follow::Schedule::new(domain::card::FollowPolicy::real());
        Self {
            jobs,
            keys,
            lookup,
            nct,
            search,
            events,
            cfg,
            pacers,
            wake: Arc::new(Notify::new()),
            warm: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            schedule,
            cursors: Arc::default(),
        }
    }

    /// Uses `search` (and its cache) for MATCH jobs instead of a private in-process one.
    #[must_use]
    pub fn with_search(mut self, search: crate::matching::SearchService) -> Self {
        self.search = search;
        self
    }

    /// Uses `policy` for the card jobs' follow-up (the follower's policy).
    #[must_use]
    pub fn with_follow(mut self, policy: domain::card::FollowPolicy) -> Self {
        self.schedule = crate::db::request_follow::Schedule::new(policy);
        self
    }

    /// Wakes the worker now (a job was created or cancelled).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs until `shutdown` turns true; the batch in flight is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        if self.cfg.release_leases_on_start
            && let Err(e) = self.jobs.release_all_leases().await
        {
            tracing::error!(error.cause_chain = ?e, "cannot release leases at start");
        }
        tracing::info!("job worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let worked = match self.round().await {
                Ok(w) => w,
                Err(e) => {
                    tracing::error!(error.cause_chain = ?e, "job round failed");
                    false
                }
            };
            if !worked {
                tokio::select! {
                    r = shutdown.changed() => {
                        // The sender is gone: whoever ran us has stopped.
                        if r.is_err() {
                            break;
                        }
                    }
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.cfg.idle_poll) => {}
                }
            }
        }
        tracing::info!("job worker stopped");
    }

    /// One pass over the runnable jobs, one batch each: tenants round-robin, at most `jobs_per_tenant` jobs
    /// of a tenant and `parallel_jobs` in all at once. `true` when anything was done.
    pub async fn round(&self) -> Result<bool, RepoError> {
        let jobs = self.jobs.runnable_fair(self.cfg.jobs_per_tenant.max(1), 200).await?;
        let results: Vec<Result<bool, RepoError>> = futures_util::stream::iter(jobs)
            .map(|job| self.work(job))
            .buffer_unordered(self.cfg.parallel_jobs.max(1))
            .collect()
            .await;
        let mut worked = false;
        for r in results {
            worked |= r?;
        }
        Ok(worked)
    }

    /// One batch of one job.
    async fn work(&self, job: Job) -> Result<bool, RepoError> {
        match job.kind {
            JobKind::Lookup => self.step(job).await,
            JobKind::Submit | JobKind::StatusSync => {
                let cx = super::submit::CardJobs {
                    jobs: &self.jobs,
                    keys: &self.keys,
                    client: &self.nct,
                    events: &self.events,
                    max_attempts: self.cfg.max_attempts,
                    lease: self.cfg.card_lease,
                    schedule: &self.schedule,
                };
                if job.kind == JobKind::Submit { super::submit::step(&cx, job).await } else { super::sync::step(&cx, job).await }
            }
            JobKind::Match => {
                let pacer = self.pacers.of(job.tenant_id);
                let cx = super::matching::MatchJobs {
                    round: self.round_ctx(),
                    pacer: &pacer,
                    search: &self.search,
                    client: &self.nct,
                    max_attempts: self.cfg.max_attempts,
                };
                super::matching::step(&cx, job).await
            }
        }
    }

    fn round_ctx(&self) -> Round<'_> {
        Round { jobs: &self.jobs, keys: &self.keys, events: &self.events }
    }

    fn publish(&self, job: &Job) {
        self.round_ctx().publish(job);
    }

    #[tracing::instrument(skip_all, fields(job_id = %job.id, tenant_id = %job.tenant_id))]
    async fn step(&self, job: Job) -> Result<bool, RepoError> {
        let pacer = self.pacers.of(job.tenant_id);
        let key = match self.round_ctx().open(&job).await? {
            Ok(key) => key,
            Err(worked) => return Ok(worked),
        };
        // A lookup of a whole catalog first scans it, writing its misses as items as it goes.
        if let Some(after) = job.scan_after.clone() {
            // One worker scans at a time: another leaves the job alone until the scan is over (its misses, the
            // job's only items until then, are worked after it).
            if !self.jobs.take_scan(job.id, self.cfg.lease).await? {
                return Ok(false);
            }
            return self.scan_run(&job, after).await;
        }
        // A warm catalog resolves from the cache: its batches are read ahead and written in big transactions.
        if self.warm.load(std::sync::atomic::Ordering::Relaxed) {
            return self.warm_run(&job, &key, &pacer).await;
        }
        // Otherwise a few items per parallel NCT call.
        let batch = self.cfg.batch.min((pacer.limit() as u64 * 4).max(8));
        // The batch is seen, not claimed: cache hits are finished in one write each, only misses are claimed.
        // It is read after the last item this worker read of the job, and from the start once nothing follows.
        let after = self.cursors.get(job.id);
        let read = match after {
            Some(after) => self.read_ahead(job.id, batch, Some(after)).await?,
            None => None,
        };
        let read = match read {
            Some(r) => Some(r),
            None => self.read_ahead(job.id, batch, None).await?,
        };
        let Some((last, settled, misses)) = read else {
            self.cursors.forget(job.id);
            return self.round_ctx().nothing_free(&job).await;
        };
        self.cursors.set(job.id, last);
        self.write_settled(&job, settled, 1).await?;
        self.resolve_misses(&job, &key, &pacer, misses, Some(batch)).await?;
        Ok(true)
    }

    /// Warm batches, pipelined for at most [`WARM_STEP`] (then the round moves on, so other jobs get their
    /// turn): while one group of batches is written, the next is read (after the last item read, since the
    /// items being written still read as pending) and resolved from the cache. A group is `warm_writers`
    /// batches in as many concurrent transactions on PostgreSQL, one batch on SQLite. When the cache runs
    /// cold, the misses go to NCT as in any round and the pipeline stops.
    async fn warm_run(&self, job: &Job, key: &SecretString, pacer: &Pacer) -> Result<bool, RepoError> {
        let writers = self.writers();
        let chunk = self.cfg.warm_batch.saturating_mul(writers as u64);
        let started = std::time::Instant::now();
        let mut next = self.read_ahead(job.id, chunk, None).await?;
        if next.is_none() {
            return self.round_ctx().nothing_free(job).await;
        }
        while let Some((last, settled, misses)) = next.take() {
            if !misses.is_empty() {
                self.write_settled(job, settled, writers).await?;
                self.resolve_misses(job, key, pacer, misses, None).await?;
                break;
            }
            let ahead = started.elapsed() < WARM_STEP;
            let (read, written) = tokio::join!(
                async { if ahead { self.read_ahead(job.id, chunk, Some(last)).await } else { Ok(None) } },
                self.write_settled(job, settled, writers)
            );
            written?;
            next = read?;
        }
        Ok(true)
    }

    /// Big batches written at once: `warm_writers` on PostgreSQL, one on SQLite (one writer).
    fn writers(&self) -> usize {
        match self.jobs.db().get_database_backend() {
            sea_orm::DbBackend::Postgres => self.cfg.warm_writers.max(1),
            _ => 1,
        }
    }

    /// A catalog-wide lookup's scan ([`crate::db::lookup_scan`]), pipelined for at most [`WARM_STEP`]: while one
    /// batch of SKUs is written (in `warm_writers` parts at once on PostgreSQL, each moving the cursor on from
    /// where the part before it ends), the next is read and answered from the cache. The misses become pending
    /// items, looked up at NCT once the scan is over. A cold batch (more than one in ten missed) hands the rest
    /// of the catalog over as pending items and ends the scan.
    async fn scan_run(&self, job: &Job, after: String) -> Result<bool, RepoError> {
        let writers = self.writers();
        let chunk = self.cfg.warm_batch.saturating_mul(writers as u64);
        let started = std::time::Instant::now();
        let mut from = after;
        let mut next = Some(self.scan_answer(job, &from, chunk).await?);
        while let Some(batch) = next.take() {
            let to = batch.items.last().map_or_else(|| from.clone(), |(s, _)| s.seller_sku.clone());
            let cold = batch.full && batch.items.iter().filter(|(_, a)| a.is_none()).count() * 10 > batch.items.len();
            let ahead = batch.full && !cold && started.elapsed() < WARM_STEP;
            let (read, written) = tokio::join!(
                async { if ahead { self.scan_answer(job, &to, chunk).await.map(Some) } else { Ok(None) } },
                self.scan_write(job, &from, batch, writers, cold)
            );
            if !written? || cold {
                // Another worker wrote it, the job was cancelled, or the scan is over (handed over): the next
                // round reads the job again.
                break;
            }
            from = to;
            next = read?;
        }
        Ok(true)
    }

    /// Up to `n` SKUs of the scan after `after`, each with its answer from the cache (`None`: a miss).
    async fn scan_answer(&self, job: &Job, after: &str, n: u64) -> Result<Answered, RepoError> {
        let batch = self.jobs.scan_read(job, after, n).await?;
        let items: Vec<ClaimedItem> = batch.items.iter().map(|s| s.item.clone()).collect();
        let answers = self.answers(&items).await;
        Ok(Answered { items: batch.items.into_iter().zip(answers).collect(), full: batch.full })
    }

    /// Writes an answered batch of the scan in `writers` parts at once (in seller-SKU order, split evenly); the
    /// last part of a batch that was not full ends the scan, and with `hand_over` the last part hands the rest of
    /// the catalog over as pending items. `false` when the scan had moved on.
    async fn scan_write(&self, job: &Job, from: &str, batch: Answered, writers: usize, hand_over: bool) -> Result<bool, RepoError> {
        let per = batch.items.len().div_ceil(writers.max(1)).max(1);
        let mut parts = Vec::with_capacity(writers);
        let mut cursor = from.to_owned();
        let mut rest = batch.items.into_iter().peekable();
        // Each part moves the cursor after the one before it has (see `ScanWrite::wait_for`).
        let mut before = None;
        loop {
            let items: Vec<_> = rest.by_ref().take(per).collect();
            let to = items.last().map_or_else(|| cursor.clone(), |(s, _): &(ScanSku, _)| s.seller_sku.clone());
            let last = rest.peek().is_none();
            parts.push(ScanWrite {
                from: std::mem::replace(&mut cursor, to.clone()),
                to,
                done: last && !batch.full,
                hand_over: last && hand_over,
                items,
                wait_for: before.take(),
                written: (!last).then(|| {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    before = Some(rx);
                    tx
                }),
            });
            if last {
                break;
            }
        }
        let written = futures_util::future::join_all(parts.into_iter().map(|part| self.jobs.scan_write(job, part))).await;
        if written.iter().any(|r| matches!(r, Ok(true))) {
            self.publish(job);
        }
        let mut moved = true;
        for r in written {
            moved &= r?;
        }
        Ok(moved)
    }

    /// Up to `n` pending items after item `after` (from the first without), answered from the cache: the
    /// last item's id, the settled items and the misses. `None` when no item is pending there.
    async fn read_ahead(&self, job_id: uuid::Uuid, n: u64, after: Option<i64>) -> Result<Option<(i64, Settled, Vec<ClaimedItem>)>, RepoError> {
        let items = match after {
            Some(after) => self.jobs.peek_after(job_id, n, after).await?,
            None => self.jobs.peek(job_id, n).await?,
        };
        let Some(last) = items.last().map(|i| i.id) else {
            return Ok(None);
        };
        let (settled, misses) = self.settle(items).await;
        Ok(Some((last, settled, misses)))
    }

    /// Answers what the cache holds: the settled items (hits, and items without a GTIN) and the misses.
    /// Remembers whether the catalog is warm (at most one in ten missed).
    async fn settle(&self, items: Vec<ClaimedItem>) -> (Settled, Vec<ClaimedItem>) {
        let answers = self.answers(&items).await;
        let mut misses = Vec::new();
        let mut settled = Vec::new();
        for (item, answer) in items.into_iter().zip(answers) {
            match answer {
                Some(r) => settled.push((item, r)),
                None => misses.push(item),
            }
        }
        (settled, misses)
    }

    /// The answer the cache holds for each item (`None`: a miss; an item without a GTIN fails), in one cache
    /// round trip: warm GTINs cost no NCT call. Remembers whether the catalog is warm (at most one in ten missed).
    async fn answers(&self, items: &[ClaimedItem]) -> Vec<Option<LookupItemResult>> {
        let gtins: Vec<String> = items.iter().map(|i| i.gtin14.clone().unwrap_or_default()).collect();
        let cached = self.lookup.cached_many(&gtins).await;
        let answers: Vec<Option<LookupItemResult>> = items
            .iter()
            .zip(cached)
            .map(|(item, hit)| match (item.gtin14.is_some(), hit) {
                (true, Some(v)) => Some(to_result(v)),
                (false, _) => Some(LookupItemResult::Failed { error: "no GTIN".into() }),
                (true, None) => None,
            })
            .collect();
        // An empty batch (the end of a scan) says nothing about the catalog.
        if !items.is_empty() {
            let misses = answers.iter().filter(|a| a.is_none()).count();
            self.warm.store(misses * 10 <= items.len(), std::sync::atomic::Ordering::Relaxed);
        }
        answers
    }

    /// Finishes unclaimed settled items in `writers` transactions at once (in claim order, split evenly).
    async fn write_settled(&self, job: &Job, settled: Settled, writers: usize) -> Result<(), RepoError> {
        if settled.is_empty() {
            return Ok(());
        }
        let per = settled.len().div_ceil(writers.max(1));
        let mut parts = Vec::with_capacity(writers);
        let mut rest = settled;
        while rest.len() > per {
            let tail = rest.split_off(per);
            parts.push(rest);
            rest = tail;
        }
        parts.push(rest);
        let written = futures_util::future::join_all(
            parts.into_iter().map(|part| self.jobs.finish_lookup_items(job.tenant_id, part, Held::Unclaimed)),
        )
        .await;
        // Whatever was written is announced, even when another part failed (its items are still pending).
        if written.iter().any(Result::is_ok) {
            self.publish(job);
        }
        written.into_iter().try_for_each(|r| r.map(drop))
    }

    /// Claims the misses (those another worker took meanwhile are left to it) and looks them up at NCT.
    ///
    /// With `feed` (a cold round's batch size), the calls do not stop at the end of the batch: once its last
    /// item has started, the next batch after the job's cursor is read and claimed while its calls are in
    /// flight ([`Worker::feed_cold`]), for up to [`FEED_STEP`]. The calls then never wait for a round's
    /// slowest call, nor for the round's reads and claim, which on PostgreSQL are round trips each.
    async fn resolve_misses(&self, job: &Job, key: &SecretString, pacer: &Pacer, misses: Vec<ClaimedItem>, feed: Option<u64>) -> Result<(), RepoError> {
        if misses.is_empty() {
            return Ok(());
        }
        let misses = self.jobs.claim_ids(&misses.iter().map(|i| i.id).collect::<Vec<_>>(), self.cfg.lease).await?;
        let limit = pacer.limit().max(1);
        let started = std::time::Instant::now();
        let mut queue = std::collections::VecDeque::from(misses);
        let mut calls = futures_util::stream::FuturesUnordered::new();
        let mut feed = feed;
        let mut feeding: Option<BoxFuture<'_, Result<Vec<ClaimedItem>, RepoError>>> = None;
        let mut key_invalid = false;
        let mut unfinished = Vec::new();
        // Results are written in groups: one commit per group, and at most a group to redo after a crash. A
        // group is as big as the calls in flight (8 to 64), or what came in a quarter of a second. One group
        // is written while the calls go on; results that come in during a write wait for the next.
        let group = limit.max(8);
        let mut pending: Settled = Vec::new();
        let mut since = std::time::Instant::now();
        let mut writing: Option<BoxFuture<'_, Result<(), RepoError>>> = None;
        loop {
            // After NCT refused the key nothing more is started; the rest goes back.
            while calls.len() < limit
                && !key_invalid
                && let Some(item) = queue.pop_front()
            {
                calls.push(self.call(key, pacer, item));
            }
            // The next batch is taken once this one has all started (and not after NCT refused the key).
            if queue.is_empty() && feeding.is_none() && !key_invalid && started.elapsed() < FEED_STEP
                && let Some(n) = feed
            {
                feeding = Some(Box::pin(self.feed_cold(job, n)));
            }
            let due = pending.len() >= group || since.elapsed() >= Duration::from_millis(250) || (calls.is_empty() && feeding.is_none());
            if writing.is_none() && !pending.is_empty() && due {
                let part = std::mem::take(&mut pending);
                writing = Some(Box::pin(async move {
                    self.jobs.finish_lookup_items(job.tenant_id, part, Held::Claimed).await?;
                    self.publish(job);
                    Ok(())
                }));
            }
            if calls.is_empty() && feeding.is_none() && writing.is_none() && (queue.is_empty() || key_invalid) {
                break;
            }
            tokio::select! {
                Some(written) = futures_util::future::OptionFuture::from(writing.as_mut()), if writing.is_some() => {
                    writing = None;
                    if let Err(e) = written {
                        // The items taken but not started go back at once rather than when their lease runs
                        // out; those in flight are dropped with the round, as before, and wait for theirs.
                        let rest: Vec<i64> = queue.drain(..).map(|i| i.id).collect();
                        if let Err(r) = self.jobs.release(&rest).await {
                            tracing::warn!(error.cause_chain = ?r, "cannot give back the items of a failed round");
                        }
                        return Err(e);
                    }
                }
                Some(taken) = futures_util::future::OptionFuture::from(feeding.as_mut()), if feeding.is_some() => {
                    feeding = None;
                    match taken {
                        Ok(items) if !items.is_empty() => queue.extend(items),
                        Ok(_) => feed = None,
                        Err(e) => {
                            tracing::warn!(error.cause_chain = ?e, "cannot take the next batch of a cold lookup job");
                            feed = None;
                        }
                    }
                }
                Some((item, outcome)) = calls.next(), if !calls.is_empty() => match outcome {
                    ItemOutcome::Done(r) => {
                        if pending.is_empty() {
                            since = std::time::Instant::now();
                        }
                        pending.push((item, r));
                    }
                    ItemOutcome::KeyInvalid => {
                        key_invalid = true;
                        unfinished.push(item.id);
                    }
                },
            }
        }
        if key_invalid {
            // The items taken but not started go back too.
            unfinished.extend(queue.drain(..).map(|i| i.id));
            self.round_ctx().key_invalid(job, &unfinished).await?;
        }
        Ok(())
    }

    /// One item's lookup, boxed for the set of calls in flight.
    fn call<'a>(&'a self, key: &'a SecretString, pacer: &'a Pacer, item: ClaimedItem) -> BoxFuture<'a, (ClaimedItem, ItemOutcome)> {
        Box::pin(async move {
            let outcome = self.lookup_item(key, pacer, &item).await;
            (item, outcome)
        })
    }

    /// The next batch of a cold job for [`Worker::resolve_misses`]: up to `n` items after the job's cursor,
    /// claimed, the cursor moved past them. Empty when nothing follows the cursor, or when the cache answers
    /// any of them (the catalog turned warm: the next round writes those in bulk; nothing is claimed then).
    async fn feed_cold(&self, job: &Job, n: u64) -> Result<Vec<ClaimedItem>, RepoError> {
        let Some(after) = self.cursors.get(job.id) else { return Ok(Vec::new()) };
        let Some((last, settled, misses)) = self.read_ahead(job.id, n, Some(after)).await? else { return Ok(Vec::new()) };
        if !settled.is_empty() {
            return Ok(Vec::new());
        }
        let claimed = self.jobs.claim_ids(&misses.iter().map(|i| i.id).collect::<Vec<_>>(), self.cfg.lease).await?;
        self.cursors.set(job.id, last);
        Ok(claimed)
    }

    async fn lookup_item(&self, key: &SecretString, pacer: &Pacer, item: &ClaimedItem) -> ItemOutcome {
        let Some(gtin) = item.gtin14.as_deref() else {
            return ItemOutcome::Done(LookupItemResult::Failed { error: "no GTIN".into() });
        };
        let mut attempt = 0u32;
        loop {
            let wait = pacer.wait();
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            attempt += 1;
            match self.lookup.lookup(key, gtin).await {
                Ok(r) => {
                    if !r.from_cache {
                        pacer.on_success();
                    }
                    return ItemOutcome::Done(to_result(r.value));
                }
                Err(NctError::InvalidKey) => return ItemOutcome::KeyInvalid,
                Err(NctError::RateLimited { retry_after }) => {
                    pacer.on_throttle(retry_after);
                    // Throttling is NCT asking us to slow down, not a failure of this item; it is still
                    // bounded so that a broken limiter cannot spin forever.
                    if attempt >= self.cfg.max_attempts * 4 {
                        return ItemOutcome::Done(LookupItemResult::Failed { error: "NCT kept rate-limiting this lookup".into() });
                    }
                }
                // A lookup is a GET: a garbled answer is retried like an outage.
                Err(e) if e.is_retryable() || matches!(e, NctError::Malformed(_)) => {
                    if attempt >= self.cfg.max_attempts {
                        return ItemOutcome::Done(LookupItemResult::Failed {
                            error: format!("{}: NCT unavailable after {attempt} attempts", e.code()),
                        });
                    }
                    tokio::time::sleep(super::backoff(attempt, None)).await;
                }
                Err(e) => {
                    return ItemOutcome::Done(LookupItemResult::Failed { error: format!("{}: {e}", e.code()) });
                }
            }
        }
    }
}

/// How long one round works a warm job before it lets the round move on.
const WARM_STEP: Duration = Duration::from_secs(1);

/// How long one round takes further batches of a cold job (each started by then is finished) before it
/// lets the round move on: a cancel, and the other jobs of the round, wait at most this long and a batch.
const FEED_STEP: Duration = Duration::from_secs(1);

fn to_result(v: CachedLookup) -> LookupItemResult {
    match v {
        CachedLookup::NotFound => LookupItemResult::NotFound,
        CachedLookup::Found(cards) => {
            let cards: Vec<_> = cards.into_iter().filter(|c| !c.ntin.is_empty()).collect();
            // Serialized once, straight to the text the SKU stores.
            let json = serde_json::to_string(&cards).unwrap_or_else(|_| "null".to_owned());
            match cards.as_slice() {
                [] => LookupItemResult::NotFound,
                [one] => LookupItemResult::Found { ntin: one.ntin.clone(), candidates: json },
                _ => LookupItemResult::Ambiguous { candidates: json },
            }
        }
    }
}

