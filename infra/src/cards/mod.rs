//! Card use-cases: what a seller does with a SKU's card outside the background jobs. Each function loads
//! what it needs, checks the state, calls NCT with the tenant's key, stores the result, and returns a
//! [`CardError`] the API turns into `userErrors`.
//!
//! # Layout
//! - [`check`]: the pre-moderation check of a stored card and the NCT request body built from it (shared
//!   with the SUBMIT job).
//! - [`edit`]: [`CardService::update_card`] (merge the edit, store it, check it, decide `DRAFT`/`READY`) and
//!   [`CardService::attach_file`] (upload a photo or PDF to NCT storage and attach it).
//! - [`status`]: reading a request's status from NCT into what we store.
//! - [`steps`]: our steps on a request (send, resubmit, publish, cancel, duplicate decisions), written
//!   down before NCT is called and reconciled with NCT's status.
//! - [`checker`]: checking many requests of a tenant at once (paged listings, single reads, due steps);
//!   the follower and the STATUS_SYNC job use it.
//! - [`moderation`]: the seller's actions on a request: resubmit, cancel, decide duplicates.
//! - [`published`]: editing a published card (`edit-product`).
//! - [`plan`]: catalog-level card readiness and the registration plan.

pub mod check;
pub mod checker;
pub mod edit;
pub mod moderation;
pub mod plan;
pub mod published;
pub mod status;
pub mod steps;

use crate::db::RepoError;
use crate::db::card_check_repo::CardCheckRepo;
use crate::db::card_repo::{CardRepo, CardSku};
use crate::db::key_repo::NctKeyRepo;
use crate::db::request_follow::Schedule;
use crate::db::request_repo::RequestRepo;
use crate::db::sku_repo::SkuRepo;
use domain::card::FollowPolicy;
use domain::tenant::TenantId;
use nct::{NctClient, NctError};
use sea_orm::DatabaseConnection;
use secrecy::SecretString;

pub use edit::{CardEdit, FileKind};

/// Why a card action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// No such SKU for this tenant (a foreign one looks the same).
    #[error("no such SKU")]
    NotFound,
    /// The tenant has no NCT API key.
    #[error("no NCT API key is set for this tenant; set it with setNctApiKey first")]
    NoKey,
    /// The card or its request is in a state that does not allow the action; the message says which.
    #[error("{0}")]
    InvalidState(String),
    /// Input the seller can fix; `field` names the input field.
    #[error("{message}")]
    Invalid {
        /// The input field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A required input is empty.
    #[error("{message}")]
    Blank {
        /// The input field at fault.
        field: &'static str,
        /// What is missing.
        message: String,
    },
    /// An input is over its size limit.
    #[error("{message}")]
    TooLong {
        /// The input field at fault.
        field: &'static str,
        /// The limit.
        message: String,
    },
    /// NCT refused or failed the call.
    #[error(transparent)]
    Nct(NctError),
    /// NCT did not answer a step; it stays written down and the follower finishes it.
    #[error("{0}")]
    Queued(String),
    /// The database failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<NctError> for CardError {
    fn from(e: NctError) -> Self {
        CardError::Nct(e)
    }
}

/// The card use-cases, over the repositories and the NCT client.
#[derive(Clone)]
pub struct CardService {
    cards: CardRepo,
    /// Stored check results.
    checks: CardCheckRepo,
    requests: RequestRepo,
    skus: SkuRepo,
    keys: NctKeyRepo,
    nct: NctClient,
    /// When requests are looked at again (the follower's policy).
    schedule: Schedule,
    /// The catalog aggregates last read, by `(tenant, catalog)`, with the catalog's change stamp.
    aggregates: std::sync::Arc<plan::Aggregates>,
}

impl CardService {
    /// Builds the service; `follow` is the follower's policy (a step's retry and the next checks).
    pub fn new(db: DatabaseConnection, keys: NctKeyRepo, nct: NctClient, follow: FollowPolicy) -> Self {
        let schedule = Schedule::new(follow);
        Self {
            cards: CardRepo::new(db.clone()),
            checks: CardCheckRepo::new(db.clone()),
            requests: RequestRepo::new(db.clone()),
            skus: SkuRepo::new(db),
            keys,
            nct,
            schedule,
            aggregates: std::sync::Arc::default(),
        }
    }

    /// When requests are looked at again.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The card rows.
    pub fn cards(&self) -> &CardRepo {
        &self.cards
    }

    /// The stored check results.
    pub fn checks(&self) -> &CardCheckRepo {
        &self.checks
    }

    /// The request rows.
    pub fn requests(&self) -> &RequestRepo {
        &self.requests
    }

    /// The tenant's NCT key, if set.
    async fn key(&self, tenant: TenantId) -> Result<Option<SecretString>, RepoError> {
        Ok(self.keys.load(tenant).await?.map(|(k, _)| k))
    }

    /// Checks a stored card and stores the result (what catalog readiness aggregates).
    ///
    /// # Errors
    /// An NCT failure (schema, dictionaries), the database.
    pub async fn check_and_store(&self, tenant: TenantId, key: &SecretString, card: &CardSku) -> Result<Vec<domain::card::CardProblem>, CardError> {
        let version = crate::card_schema::CardSchemaCache::for_client(&self.nct).version(key).await?;
        self.check_and_store_as(tenant, key, card, &version).await
    }

    /// [`Self::check_and_store`] with the version already known (a batch of re-checks).
    async fn check_and_store_as(&self, tenant: TenantId, key: &SecretString, card: &CardSku, version: &str) -> Result<Vec<domain::card::CardProblem>, CardError> {
        let problems = check::check(&self.nct, key, card).await?;
        self.checks.store(tenant, card.sku.id, card.sku.catalog_id, card.data.is_gov, &problems, version, card.sku.updated_at).await?;
        Ok(problems)
    }

    /// Drops the catalogs' change notes older than `age` (see [`CardCheckRepo::prune_catalog_changes`]).
    ///
    /// # Errors
    /// The database.
    pub async fn prune_change_notes(&self, age: std::time::Duration) -> Result<u64, RepoError> {
        self.checks.prune_catalog_changes(age).await
    }

    /// Some tenant's key NCT accepted, for reading public facts (dictionaries).
    ///
    /// # Errors
    /// The database.
    pub async fn any_key(&self) -> Result<Option<SecretString>, RepoError> {
        Ok(self.keys.any_valid().await?.map(|(_, k)| k))
    }

    /// The tenant's NCT key, or [`CardError::NoKey`].
    async fn require_key(&self, tenant: TenantId) -> Result<SecretString, CardError> {
        self.key(tenant).await?.ok_or(CardError::NoKey)
    }
}
