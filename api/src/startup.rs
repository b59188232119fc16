//! Builds the application from settings: database, migrations, schema, HTTP server on a bound listener.

use crate::auth::TokenService;
use crate::config::Settings;
use crate::routes;
use crate::schema::{AppSchema, AppState, build_schema};
use actix_web::{App, HttpServer, dev::Server, middleware::from_fn, web};
use anyhow::Context as _;
use async_graphql::http::MultipartOptions;
use infra::db::tenant_repo::TenantRepo;
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects, migrates, binds `settings.bind` (port 0 picks a free port) and prepares the server.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = infra::db::connect(&settings.database_url).await?;
        tracing::info!("running database migrations");
        infra::db::migrate(&db).await?;
        let tokens = TokenService::new(settings.jwt_secret.clone(), TenantRepo::new(db.clone()));
        let state = AppState::new(db, tokens);
        let schema = build_schema(Some(state.clone()));
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("BIND: cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, schema, state.clone())?;
        Ok(Self { port, server, state })
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

    /// Serves until stopped (SIGTERM/SIGINT stop it gracefully).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, schema: AppSchema, state: AppState) -> anyhow::Result<Server> {
    let schema = web::Data::new(schema);
    let state = web::Data::new(state);
    let multipart = MultipartOptions::default()
        .max_file_size(routes::MAX_UPLOAD)
        .max_num_files(1);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(TracingLogger::default())
            .app_data(schema.clone())
            .app_data(state.clone())
            .app_data(multipart.clone())
            .service(
                web::resource("/graphql")
                    .wrap(from_fn(routes::body_guard))
                    .route(web::post().to(routes::graphql))
                    .route(web::get().to(routes::graphiql)),
            )
            .route("/graphql/ws", web::get().to(routes::graphql_ws))
            .route("/healthz", web::get().to(routes::healthz))
            .route("/readyz", web::get().to(routes::readyz))
    })
    .listen(listener)?
    .shutdown_timeout(20)
    .run();
    Ok(server)
}
