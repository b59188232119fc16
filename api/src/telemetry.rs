//! Tracing set-up: `RUST_LOG` overrides the default filter, `LOG_FORMAT=json` switches to JSON.

use crate::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

/// Installs the global subscriber writing to `sink`. Safe to call once per process.
pub fn init_subscriber<W>(default_filter: &str, format: LogFormat, sink: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink)
        .with_target(true);
    let result = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.with_ansi(false).try_init(),
    };
    // A second call (tests) keeps the first subscriber.
    let _ = result;
}
