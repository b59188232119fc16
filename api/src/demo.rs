//! `serve --demo`: a demo tenant with a sample catalog imported from the Kaspi XML file and the barcode CSV
//! shipped in `api/demo/`. Re-running reuses the same tenant (its ID is kept in the data dir).

use domain::tenant::Role;
use crate::state::AppState;
use anyhow::Context as _;
use domain::import::ImportFormat;
use domain::tenant::TenantId;
use infra::db::import_repo::run_import;
use std::io::Cursor;
use std::path::Path;

const KASPI_XML: &str = include_str!("../demo/kaspi_catalog.xml");
const BARCODES_CSV: &str = include_str!("../demo/barcodes.csv");

/// What the demo set-up produced.
pub struct Demo {
    /// The demo tenant.
    pub tenant: TenantId,
    /// An owner token for it (30 days).
    pub owner_token: String,
    /// The demo catalog's global ID.
    pub catalog_id: String,
}

/// Creates (or finds) the demo tenant and catalog and imports the sample files.
pub async fn ensure_demo(st: &AppState, data_dir: &Path) -> anyhow::Result<Demo> {
    let id_file = data_dir.join("demo_tenant");
    let existing = match std::fs::read_to_string(&id_file) {
        Ok(s) => match uuid::Uuid::parse_str(s.trim()) {
            Ok(id) => st.tenants.get_tenant(id).await?,
            Err(_) => None,
        },
        Err(_) => None,
    };
    let tenant = match existing {
        Some(t) => t,
        None => {
            let t = st
                .tenants
                .create_tenant("Demo Shop (Kaspi seller)", "SMALL_MICRO_BUSINESS", None)
                .await?;
            std::fs::write(&id_file, t.id.to_string()).context("cannot write demo_tenant")?;
            t
        }
    };
    let catalog = match st.catalogs.list(tenant.id, None, 1).await?.into_iter().next() {
        Some(c) => c,
        None => st.catalogs.create(tenant.id, "Kaspi price list").await?,
    };
    for (format, content) in [(ImportFormat::KaspiXml, KASPI_XML), (ImportFormat::Csv, BARCODES_CSV)] {
        let out = run_import(
            &st.db,
            tenant.id,
            catalog.id,
            format,
            Box::new(Cursor::new(content.as_bytes().to_vec())),
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo import failed: {e}"))?;
        tracing::info!(created = out.counts.created, updated = out.counts.updated, "demo data imported");
    }
    let owner_token = st.tokens.mint(
        Role::Owner,
        Some((tenant.id, tenant.token_version)),
        "demo-owner",
        30 * 24 * 3600,
    )?;
    Ok(Demo {
        tenant: tenant.id,
        owner_token,
        catalog_id: crate::ids::encode(crate::ids::Kind::Catalog, catalog.id).0,
    })
}
