//! `schema.graphql` must match the schema the code builds. `UPDATE_SCHEMA=1` rewrites it.

#[test]
fn checked_in_schema_matches_the_code() {
    let sdl = api::schema::build_schema(None).sdl();
    // Where cargo runs the test (a build reused from a checkout elsewhere reads this checkout's file).
    let path = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")), std::path::PathBuf::from).join("../schema.graphql");
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &sdl).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == sdl,
        "schema.graphql is out of date; run `UPDATE_SCHEMA=1 cargo test -p tests --test api schema` and commit it"
    );
}
