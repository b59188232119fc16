//! Release builds embed `web/dist/app` (rust-embed), which tracks the files it saw but not new ones, so a
//! new console build must rebuild the binary. Debug builds read the folder at run time and need no
//! rebuild. `web/dist` is kept in git (its `.gitignore`), so the watched path always exists.
//!
//! `web/dist/app` itself is made here when missing: rust-embed resolves the folder's canonical path when it
//! compiles, and a debug build compiled before the first console build would otherwise refuse every file of
//! a later one (its path check compares against the unresolved `api/../web/dist/app`).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if let Err(e) = std::fs::create_dir_all("../web/dist/app") {
        println!("cargo:warning=cannot create web/dist/app: {e}");
    }
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo:rerun-if-changed=../web/dist");
    }
}
