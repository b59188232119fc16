//! The `ntin-desk` server as a separate binary of the test package, so an integration test can start it as a
//! child process and `kill -9` it (cargo builds it and hands its path to the tests as
//! `CARGO_BIN_EXE_ntin-desk-test-server`). It is the same code as `api`'s `ntin-desk` binary.

#[tokio::main]
async fn main() {
    if let Err(e) = api::cli::run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
