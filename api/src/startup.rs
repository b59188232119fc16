//! Builds the application from settings: database, migrations, schema, HTTP server on a bound listener.

use crate::auth::TokenService;
use crate::config::Settings;
use crate::simulator::{self, SimHandle};
use crate::routes;
use crate::schema::{AppSchema, build_schema};
use crate::state::{AppState, Services};
use actix_web::{App, HttpServer, dev::Server, middleware::from_fn, web};
use anyhow::Context as _;
use async_graphql::http::MultipartOptions;
use infra::cache::search_cache::SearchCache;
use infra::cache::{LookupCacheImpl, MemoryCache, RedisCache, namespace_for};
use infra::matching::SearchService;
use infra::crypto::MasterKeyring;
use infra::db::job_repo::JobRepo;
use infra::db::key_repo::NctKeyRepo;
use infra::db::tenant_repo::TenantRepo;
use infra::jobs::JobEvents;
use infra::jobs::worker::{Worker, WorkerConfig};
use infra::lookup::LookupService;
use nct::{NctClient, NctClientConfig};
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::TracingLogger;

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    worker: Worker,
    sim: Option<SimHandle>,
}

impl Application {
    /// Connects, migrates, binds `settings.bind` (port 0 picks a free port) and prepares the server.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = infra::db::connect(&settings.database_url).await?;
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
        let nct = NctClient::new(NctClientConfig { base_url: base_url.clone(), search_url: settings.nct_search_url.clone(), ..NctClientConfig::default() })
            .context("NCT_BASE_URL or NCT_SEARCH_URL: not a usable URL")?;
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
        let events = JobEvents::new();
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
                ..WorkerConfig::default()
            },
        )
        .with_search(search.clone());
        let state = AppState::new(Services { db, tokens, keys, nct, lookup, search, events, worker_wake: worker.waker() });
        let schema = build_schema(Some(state.clone()));
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("BIND: cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let limiter = settings.api_rate.map(|(r, b)| crate::ratelimit::ApiRateLimiter::new(r, b));
        let server = run(listener, schema, state.clone(), limiter)?;
        Ok(Self { port, server, state, worker, sim })
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
        // If this future is dropped (the process is going down hard), the worker goes with it.
        let mut worker = AbortOnDrop(tokio::spawn(self.worker.run(stop_rx)));
        let result = tokio::select! {
            r = self.server => {
                tracing::info!("HTTP server stopped");
                r
            }
            r = &mut worker.0 => {
                tracing::error!(outcome = ?r, "job worker exited unexpectedly");
                Ok(())
            }
        };
        let _ = stop_tx.send(true);
        let _ = (&mut worker.0).await;
        if let Some(sim) = self.sim {
            sim.stop().await;
        }
        result
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn run(
    listener: TcpListener,
    schema: AppSchema,
    state: AppState,
    limiter: Option<crate::ratelimit::ApiRateLimiter>,
) -> anyhow::Result<Server> {
    let limiter = web::Data::new(limiter);
    let schema = web::Data::new(schema);
    let state = web::Data::new(state);
    let multipart = MultipartOptions::default()
        .max_file_size(routes::MAX_UPLOAD)
        .max_num_files(1);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(TracingLogger::default())
            .app_data(schema.clone())
            .app_data(limiter.clone())
            .app_data(state.clone())
            .app_data(multipart)
            .service(
                web::resource("/graphql")
                    .wrap(from_fn(routes::body_guard))
                    .route(web::post().to(routes::graphql))
                    .route(web::get().to(crate::console::graphiql)),
            )
            .route("/graphql/ws", web::get().to(routes::graphql_ws))
            .route("/exports/catalogs/{file}", web::get().to(crate::export::export_catalog))
            .route("/healthz", web::get().to(routes::healthz))
            .route("/readyz", web::get().to(routes::readyz))
            .configure(crate::console::configure)
    })
    .listen(listener)?
    .shutdown_timeout(20)
    .run();
    Ok(server)
}
