//! Builds the application from settings: database, migrations, schema, HTTP server on a bound listener.

use crate::auth::TokenService;
use crate::config::Settings;
use crate::simulator::{self, SimHandle};
use crate::ratelimit::RateGate;
use crate::routes;
use crate::schema::{AppSchema, build_schema_with};
use crate::state::{AppState, Services};
use actix_web::{App, HttpServer, dev::Server, middleware::from_fn, web};
use anyhow::Context as _;
use infra::cache::search_cache::SearchCache;
use infra::cache::{LookupCacheImpl, MemoryCache, RedisCache, namespace_for};
use infra::matching::SearchService;
use infra::crypto::MasterKeyring;
use infra::db::job_repo::JobRepo;
use infra::db::key_repo::NctKeyRepo;
use infra::db::tenant_repo::TenantRepo;
use infra::jobs::JobEvents;
use infra::jobs::follow::Follower;
use infra::jobs::watch::JobWatch;
use infra::shared::RedisLink;
use infra::shared::nct_budget::NctBudget;
use infra::shared::rate::{Rate, SharedRate};
use infra::jobs::worker::{Worker, WorkerConfig};
use infra::lookup::LookupService;
use nct::{NctClient, NctClientConfig};
use std::net::TcpListener;
use std::num::NonZeroU32;
use std::sync::Arc;
use tracing_actix_web::TracingLogger;

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    /// `None` on an API-only replica (`RUN_WORKER=false`).
    worker: Option<Worker>,
    /// The feed scheduler and the webhook sender; `None` on an API-only replica, like the worker.
    integrations: Option<crate::integrations::Runners>,
    release_leases_on_start: bool,
    /// Follows NCT requests until NCT is done with them; `None` on an API-only replica.
    follower: Option<Follower>,
    sim: Option<SimHandle>,
    /// The card schema cache with this application's dictionary store (shared per NCT while held).
    _card_schema: Arc<infra::card_schema::CardSchemaCache>,
}

impl Application {
    /// Connects, migrates, binds `settings.bind` (port 0 picks a free port) and prepares the server.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = infra::db::connect(&settings.database_url, settings.limits.db_pool).await?;
        tracing::info!("running database migrations");
        infra::db::migrate(&db).await?;
        let tokens = TokenService::new(settings.jwt_secret.clone(), TenantRepo::new(db.clone()));
        let source = settings.master_key.clone();
        let keyring = MasterKeyring::parse(&source.read()?).map_err(|e| anyhow::anyhow!("NTIN_MASTER_KEY: {e}"))?;
        let keys = NctKeyRepo::new(db.clone(), keyring).with_reload(Arc::new(move || {
            source.read().ok().and_then(|s| MasterKeyring::parse(&s).ok())
        }));
        let (sim, base_url) = match &settings.nct_base_url {
            Some(url) => (None, url.clone()),
            None => {
                let sim = simulator::start(settings).await?;
                let url = sim.base_url();
                (Some(sim), url)
            }
        };
        // What replicas share through Redis (rate limits, the NCT budget, the card schema), when configured.
        let redis = match &settings.redis_url {
            Some(url) => Some(RedisLink::connect(url, &namespace_for(&base_url)).map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?),
            None => None,
        };
        let shared_rate = || redis.clone().map_or_else(SharedRate::local, SharedRate::with_redis);
        let budget = NctBudget::new(shared_rate(), settings.nct_rate_limit.map(|n| Rate::per_second(n, NonZeroU32::MIN)));
        let nct = NctClient::new(NctClientConfig {
            base_url: base_url.clone(),
            search_url: settings.nct_search_url.clone(),
            request_timeout: settings.limits.nct_timeout,
            ..NctClientConfig::default()
        })
        .context("NCT_BASE_URL or NCT_SEARCH_URL: not a usable URL")?
        .with_gate(Arc::new(budget));
        let follow = settings.follow_policy();
        let card_schema = infra::card_schema::CardSchemaCache::install(&nct, db.clone());
        if let Some(link) = &redis {
            infra::card_schema::CardSchemaCache::share_through(&nct, link.clone());
        }
        if settings.nct_base_url.is_some() {
            check_nct_base(&nct).await?;
        }
        let (cache, search_cache): (LookupCacheImpl, SearchCache) = match &settings.redis_url {
            Some(url) => {
                let redis = RedisCache::connect(url, namespace_for(&base_url), infra::cache::DEFAULT_OP_TIMEOUT)
                    .await
                    .map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
                (redis.clone().into(), SearchCache::redis(redis, nct.search_url()))
            }
            None => (MemoryCache::new().into(), SearchCache::memory()),
        };
        let lookup = LookupService::new(nct.clone(), cache, settings.cache_ttls);
        let search = SearchService::new(nct.clone(), search_cache, settings.cache_ttls);
        // Job events: shared with the other replicas through Redis when configured, in-process otherwise.
        let events = match &settings.redis_url {
            Some(url) => JobEvents::with_redis(url, &namespace_for(&base_url)).map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?,
            None => JobEvents::new(),
        };
        let watch = JobWatch::start(JobRepo::new(db.clone()), &events, settings.job_watch);
        let worker = Worker::new(
            JobRepo::new(db.clone()),
            keys.clone(),
            lookup.clone(),
            nct.clone(),
            events.clone(),
            WorkerConfig {
                start_concurrency: settings.job_concurrency,
                max_concurrency: settings.job_concurrency * 8,
                release_leases_on_start: settings.release_leases_on_start,
                card_lease: settings.limits.job_card_lease,
                parallel_jobs: settings.limits.job_parallel,
                jobs_per_tenant: settings.limits.job_per_tenant,
                batch: u64::try_from(settings.limits.job_batch).unwrap_or(u64::MAX),
                warm_batch: u64::try_from(settings.limits.job_warm_batch).unwrap_or(u64::MAX),
                warm_writers: settings.limits.job_warm_writers,
                ..WorkerConfig::default()
            },
        )
        .with_search(search.clone())
        .with_follow(follow);
        let follower = Follower::new(db.clone(), keys.clone(), nct.clone(), follow);
        let (integrations, runners) =
            crate::integrations::Integrations::build(&db, &keys, settings.integrations.clone(), worker.waker())?;
        let state = AppState::new(Services {
            lookup_scan: settings.limits.job_lookup_scan,
            db,
            tokens,
            keys,
            nct,
            lookup,
            search,
            events,
            watch,
            worker_wake: worker.waker(),
            integrations,
            follow,
        });
        let schema = build_schema_with(Some(state.clone()), settings.ops.introspection);
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("BIND: cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let limiter = settings.api_rate.map(|(r, b)| {
            let l = crate::ratelimit::ApiRateLimiter::new(r, b);
            match &redis {
                Some(link) => l.shared(link.clone()),
                None => l,
            }
        });
        let gate = RateGate::new(limiter, settings.ops.trusted_proxies.clone());
        let web = WebParts {
            gate,
            limits: settings.limits.clone(),
            ops: settings.ops.clone(),
            exec: routes::Executor(tokio::runtime::Handle::current()),
        };
        let server = run(listener, schema, state.clone(), web)?;
        let worker = settings.run_worker.then_some(worker);
        let runners = settings.run_worker.then_some(runners);
        let follower = settings.run_worker.then_some(follower);
        let release_leases_on_start = settings.release_leases_on_start;
        Ok(Self { port, server, state, worker, follower, integrations: runners, release_leases_on_start, sim, _card_schema: card_schema })
    }

    /// The in-process simulator, when `NCT_BASE_URL` is unset.
    pub fn simulator(&self) -> Option<&SimHandle> {
        self.sim.as_ref()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Shared services (tests and the CLI mint tokens with them).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves HTTP and runs the job worker until stopped. SIGTERM/SIGINT stop the server gracefully; the
    /// worker then finishes its batch in flight and exits. Whichever of the two ends first is logged.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let follower_stop = stop_rx.clone();
        // If this future is dropped (the process is going down hard), the worker goes with it. An API-only
        // replica runs neither the worker nor the integrations: their stand-ins return once told to stop.
        let mut worker = AbortOnDrop(match self.worker {
            Some(w) => tokio::spawn(w.run(stop_rx.clone())),
            None => tokio::spawn(until_stopped(stop_rx.clone())),
        });
        let mut integrations = AbortOnDrop(match self.integrations {
            Some(r) => tokio::spawn(r.run(stop_rx, self.release_leases_on_start)),
            None => tokio::spawn(until_stopped(stop_rx)),
        });
        let mut follower = AbortOnDrop(match self.follower {
            Some(f) => tokio::spawn(f.run(follower_stop)),
            None => tokio::spawn(until_stopped(follower_stop)),
        });
        let result = tokio::select! {
            r = self.server => {
                tracing::info!("HTTP server stopped");
                r
            }
            r = &mut worker.0 => {
                tracing::error!(outcome = ?r, "job worker exited unexpectedly");
                Ok(())
            }
            r = &mut integrations.0 => {
                tracing::error!(outcome = ?r, "feed scheduler and webhook sender exited unexpectedly");
                Ok(())
            }
        };
        let _ = stop_tx.send(true);
        // A task that already ended (and was awaited above) must not be polled again.
        for task in [&mut worker.0, &mut integrations.0] {
            if !task.is_finished() {
                let _ = task.await;
            }
        }
        // The follower stops at its next tick; an interrupted check is safe (steps are written down).
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), &mut follower.0).await;
        if let Some(sim) = self.sim {
            sim.stop().await;
        }
        result
    }
}

/// Asks NCT without a key whether the base URL leads to its API: a definite "no" (an HTML page, a 404 that
/// is not NCT's) stops the start with a clear line; an NCT that cannot be reached only warns.
async fn check_nct_base(nct: &NctClient) -> anyhow::Result<()> {
    match tokio::time::timeout(std::time::Duration::from_secs(5), nct.probe()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(nct::NctError::WrongBaseUrl(why))) => {
            anyhow::bail!("NCT_BASE_URL `{}` does not lead to NCT's portal API: {why}", nct.base_url())
        }
        Ok(Err(e)) => {
            tracing::warn!(base_url = %nct.base_url(), error = %e, "NCT_BASE_URL could not be checked at start (NCT did not answer as expected); starting anyway");
            Ok(())
        }
        Err(_) => {
            tracing::warn!(base_url = %nct.base_url(), "NCT_BASE_URL could not be checked at start (no answer in 5 s); starting anyway");
            Ok(())
        }
    }
}

/// The stand-in for a background task this replica does not run: returns once told to stop.
async fn until_stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            break;
        }
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the HTTP layer needs besides the schema and the state.
struct WebParts {
    gate: RateGate,
    limits: crate::limits::Limits,
    ops: crate::config::Ops,
    exec: routes::Executor,
}

fn run(listener: TcpListener, schema: AppSchema, state: AppState, parts: WebParts) -> anyhow::Result<Server> {
    let gate = web::Data::new(parts.gate);
    let limits = web::Data::new(parts.limits);
    let ops = web::Data::new(parts.ops);
    let exec = web::Data::new(parts.exec);
    let conns = web::Data::new(crate::ws::WsConnections::default());
    let schema = web::Data::new(schema);
    let state = web::Data::new(state);
    let bulk = web::Data::new(crate::readiness_bulk::BulkReadiness::default());
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(crate::request_id::middleware))
            .wrap(TracingLogger::<crate::request_id::RequestSpan>::new())
            .app_data(schema.clone())
            .app_data(gate.clone())
            .app_data(limits.clone())
            .app_data(ops.clone())
            .app_data(exec.clone())
            .app_data(conns.clone())
            .app_data(state.clone())
            .app_data(bulk.clone())
            .service(
                web::resource("/graphql")
                    .route(web::post().to(routes::graphql))
                    .route(web::get().to(crate::console::graphiql)),
            )
            .route("/graphql/ws", web::get().to(crate::ws::graphql_ws))
            .route("/exports/catalogs/{file}", web::get().to(crate::export::export_catalog))
            .route("/readiness", web::post().to(crate::readiness_bulk::bulk_readiness))
            .route("/healthz", web::get().to(routes::healthz))
            .route("/readyz", web::get().to(routes::readyz))
            .configure(crate::console::configure)
    })
    .listen(listener)?
    .shutdown_timeout(20)
    .run();
    Ok(server)
}
