//! The `ntin-desk` command line: `serve [--demo]`, `token`, `schema`, `nct-sim`.

use crate::auth::TokenService;
use domain::tenant::Role;
use crate::config::Settings;
use crate::startup::Application;
use clap::{Parser, Subcommand};
use domain::tenant::TenantId;
use infra::db::tenant_repo::TenantRepo;

/// NTIN Desk: get a seller's catalog through Kazakhstan's National Catalog of Goods.
#[derive(Parser)]
#[command(name = "ntin-desk", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the API server (configuration from the environment; see the README).
    Serve {
        /// Create a demo tenant with a sample catalog and print its token.
        #[arg(long)]
        demo: bool,
    },
    /// Mints an access token.
    Token {
        /// Tenant UUID (for owner, editor, viewer tokens).
        #[arg(long)]
        tenant: Option<uuid::Uuid>,
        /// Role: owner, editor or viewer.
        #[arg(long, default_value = "owner")]
        role: String,
        /// Mint a platform admin token instead.
        #[arg(long)]
        admin: bool,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 24)]
        hours: u64,
    },
    /// Prints the GraphQL schema (SDL).
    Schema,
    /// Re-encrypts every tenant NCT key under the newest master key version. With `NTIN_MASTER_KEY`, first add
    /// the new version there (`1:<old>,2:<new>`); with the data-dir key file, `--generate` appends a fresh
    /// version to it. Running servers pick the new version up by themselves. Safe to interrupt and re-run.
    RotateMasterKey {
        /// Append a newly generated version to the data-dir key file first.
        #[arg(long)]
        generate: bool,
    },
    /// Runs the NCT simulator.
    NctSim {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        bind: String,
        /// Seed file (`gtin;ntin;name_ru;name_kk;oktru`); generated in memory when absent.
        #[arg(long)]
        seed_file: Option<std::path::PathBuf>,
        /// Accepted API keys (repeat the flag).
        #[arg(long = "key", default_values_t = vec![crate::simulator::DEMO_KEY.to_owned()])]
        keys: Vec<String>,
        /// Per-key requests per second (429 with Retry-After above it).
        #[arg(long)]
        rate_limit: Option<u32>,
        /// Added latency per call, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
    },
}

/// Runs the command line.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { demo } => serve(demo).await,
        Command::Token { tenant, role, admin, hours } => token(tenant, &role, admin, hours).await,
        Command::RotateMasterKey { generate } => rotate_master_key(generate).await,
        Command::Schema => {
            println!("{}", crate::schema::build_schema(None).sdl());
            Ok(())
        }
        Command::NctSim { bind, seed_file, keys, rate_limit, latency_ms } => {
            crate::telemetry::init_subscriber("info", crate::config::LogFormat::Pretty, std::io::stdout);
            crate::simulator::run_cli(bind, seed_file, keys, rate_limit, latency_ms).await
        }
    }
}

async fn serve(demo: bool) -> anyhow::Result<()> {
    let settings = Settings::from_env(demo)?;
    crate::telemetry::init_subscriber("info,sqlx=warn,sea_orm=warn", settings.log_format, std::io::stdout);
    let app = Application::build(&settings).await?;
    let url = format!("http://{}:{}/graphql", host_of(&settings.bind), app.port());
    tracing::info!(%url, "GraphQL endpoint (GraphiQL on GET)");
    println!("NTIN Desk GraphQL endpoint: {url} (GraphiQL in a browser; subscriptions at ws://…/graphql/ws)");
    match app.simulator() {
        Some(sim) => println!(
            "NCT: in-process simulator at {} (set NCT_BASE_URL for the real one); its API key: {}",
            sim.base_url(),
            crate::simulator::DEMO_KEY
        ),
        None => println!("NCT: {}", settings.nct_base_url.as_deref().unwrap_or_default()),
    }
    if demo {
        let d = crate::demo::ensure_demo(app.state(), &settings.data_dir).await?;
        println!("Demo tenant {} with catalog {}", d.tenant, d.catalog_id);
        println!("Owner token (use as `Authorization: Bearer <token>`):\n{}", d.owner_token);
        // The token rides in the fragment, which browsers never send to the server.
        println!("Web console, signed in as the demo owner: {}#token={}", url.trim_end_matches("graphql"), d.owner_token);
    }
    app.run_until_stopped().await?;
    tracing::info!("server stopped");
    Ok(())
}

fn host_of(bind: &str) -> &str {
    match bind.rsplit_once(':') {
        Some((h, _)) if h != "0.0.0.0" && !h.is_empty() => h,
        _ => "127.0.0.1",
    }
}

async fn token(tenant: Option<uuid::Uuid>, role: &str, admin: bool, hours: u64) -> anyhow::Result<()> {
    let settings = Settings::from_env(false)?;
    let db = infra::db::connect(&settings.database_url, settings.limits.db_pool).await?;
    infra::db::migrate(&db).await?;
    let repo = TenantRepo::new(db);
    let svc = TokenService::new(settings.jwt_secret.clone(), repo.clone());
    let ttl = hours * 3600;
    let token = if admin {
        svc.mint(Role::Admin, None, "cli-admin", ttl)?
    } else {
        let role = match Role::parse(role) {
            Some(r @ (Role::Owner | Role::Editor | Role::Viewer)) => r,
            _ => anyhow::bail!("--role must be owner, editor or viewer"),
        };
        let id = tenant.ok_or_else(|| anyhow::anyhow!("--tenant is required (or --admin)"))?;
        let t = repo
            .get_tenant(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no tenant {id}"))?;
        svc.mint(role, Some((TenantId(t.id.0), t.token_version)), &format!("cli-{role:?}").to_lowercase(), ttl)?
    };
    println!("{token}");
    Ok(())
}

async fn rotate_master_key(generate: bool) -> anyhow::Result<()> {
    use crate::config::MasterKeySource;
    use infra::crypto::MasterKeyring;
    let settings = Settings::from_env(false)?;
    if generate {
        let MasterKeySource::File(path) = &settings.master_key else {
            anyhow::bail!("--generate works on the data-dir key file; with NTIN_MASTER_KEY, add the new version there");
        };
        let current = settings.master_key.read()?;
        let ring = MasterKeyring::parse(&current).map_err(|e| anyhow::anyhow!("{e}"))?;
        let next = ring.current_version() + 1;
        let key = MasterKeyring::generate_key().map_err(|e| anyhow::anyhow!("{e}"))?;
        let spec = format!("{},{next}:{key}", secrecy::ExposeSecret::expose_secret(&current));
        crate::config::write_private(path, &spec)?;
        println!("added master key version {next} to {}", path.display());
    }
    let ring = MasterKeyring::parse(&settings.master_key.read()?).map_err(|e| anyhow::anyhow!("{e}"))?;
    let version = ring.current_version();
    let db = infra::db::connect(&settings.database_url, settings.limits.db_pool).await?;
    infra::db::migrate(&db).await?;
    let keys = infra::db::key_repo::NctKeyRepo::new(db.clone(), ring);
    let moved = keys.rotate_all().await?;
    println!("re-encrypted {moved} tenant key(s) under master key version {version}");
    let tokens = infra::kaspi::token_repo::KaspiTokenRepo::new(db.clone(), keys.clone()).rotate_master_key().await?;
    let secrets = infra::webhooks::endpoint_repo::EndpointRepo::new(db, keys).rotate_master_key().await?;
    println!("re-encrypted {tokens} Kaspi token(s) and {secrets} webhook endpoint secret(s)");
    Ok(())
}
