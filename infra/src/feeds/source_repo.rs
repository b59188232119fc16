//! Catalog sources and their pull history: what the API reads and changes, and the claims of the scheduler.
//!
//! A claim is a compare-and-set on `(lease_owner, lease_until)`: of several replicas racing for a due source,
//! exactly one update matches, so a source is never pulled twice at once. The pull's result is stored only
//! while the claim is still ours (`lease_owner` is checked again in the storing transaction).

use super::entity::{pull, source};
use crate::db::RepoError;
use chrono::{DateTime, Utc};
use domain::feed::{PullOutcome, PullTrigger, SourceFormat};
use domain::tenant::TenantId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// A source as the API shows it.
#[derive(Clone, Debug)]
pub struct Source {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub catalog_id: Uuid,
    pub format: SourceFormat,
    pub url: String,
    pub interval: Duration,
    pub enabled: bool,
    pub auto_lookup: bool,
    pub next_pull_at: DateTime<Utc>,
    /// A pull asked for by a person and not started yet.
    pub manual_pull_pending: bool,
    /// A replica is pulling it now.
    pub pulling: bool,
    pub consecutive_failures: i32,
    pub last_pull_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<source::Model> for Source {
    fn from(m: source::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: TenantId(m.tenant_id),
            catalog_id: m.catalog_id,
            format: SourceFormat::parse(&m.format).unwrap_or(SourceFormat::KaspiXml),
            url: m.url,
            interval: Duration::from_secs(u64::try_from(m.interval_secs).unwrap_or(3600)),
            enabled: m.enabled,
            auto_lookup: m.auto_lookup,
            next_pull_at: m.next_pull_at,
            manual_pull_pending: m.next_trigger.as_deref() == Some(PullTrigger::Manual.as_str()),
            pulling: m.lease_until.is_some_and(|t| t > Utc::now()),
            consecutive_failures: m.consecutive_failures,
            last_pull_at: m.last_pull_at,
            last_success_at: m.last_success_at,
            last_error: m.last_error,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// One refused row of a pull, as kept in the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullRowError {
    pub row: u64,
    pub code: String,
    pub message: String,
}

/// One pull.
#[derive(Clone, Debug)]
pub struct Pull {
    pub id: Uuid,
    pub source_id: Uuid,
    pub catalog_id: Uuid,
    pub trigger: PullTrigger,
    pub outcome: PullOutcome,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub http_status: Option<i32>,
    pub bytes: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub removed: i64,
    pub restored: i64,
    pub rejected: i64,
    pub row_errors: Vec<PullRowError>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// `PENDING`, `STARTED` or `NONE` when the source looks new SKUs up; `None` otherwise.
    pub follow_up: Option<String>,
    pub follow_up_job_id: Option<Uuid>,
}

impl From<pull::Model> for Pull {
    fn from(m: pull::Model) -> Self {
        Self {
            id: m.id,
            source_id: m.source_id,
            catalog_id: m.catalog_id,
            trigger: PullTrigger::parse(&m.trigger).unwrap_or(PullTrigger::Schedule),
            outcome: PullOutcome::parse(&m.outcome).unwrap_or(PullOutcome::Failed),
            started_at: m.started_at,
            finished_at: m.finished_at,
            http_status: m.http_status,
            bytes: m.bytes,
            created: m.created,
            updated: m.updated,
            unchanged: m.unchanged,
            removed: m.removed,
            restored: m.restored,
            rejected: m.rejected,
            row_errors: serde_json::from_str(&m.row_errors).unwrap_or_default(),
            error_code: m.error_code,
            error_message: m.error_message,
            follow_up: m.follow_up,
            follow_up_job_id: m.follow_up_job_id,
        }
    }
}

/// What a source should be (checked by the caller: a safe URL, an interval within bounds).
#[derive(Clone, Debug)]
pub struct SourceInput {
    pub format: SourceFormat,
    pub url: String,
    pub interval: Duration,
    pub enabled: bool,
    pub auto_lookup: bool,
}

/// A due source claimed for one pull.
#[derive(Clone, Debug)]
pub struct Claim {
    /// The source row as claimed.
    pub source: source::Model,
    /// Our claim; the pull is stored only while it still holds.
    pub owner: Uuid,
    /// Why it is pulled now.
    pub trigger: PullTrigger,
}

/// Source repository.
#[derive(Clone)]
pub struct SourceRepo {
    db: DatabaseConnection,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl SourceRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Creates or replaces the source of a catalog. A new URL or format forgets the validators of the last
    /// import (the next pull reads the whole file) and is pulled at once.
    pub async fn set(&self, tenant: TenantId, catalog_id: Uuid, input: SourceInput) -> Result<Source, RepoError> {
        if crate::db::catalog_repo::get_in(&self.db, tenant, catalog_id).await?.is_none() {
            return Err(RepoError::NotFound);
        }
        let now = Utc::now();
        let existing = source::Entity::find()
            .filter(source::Column::TenantId.eq(tenant.0))
            .filter(source::Column::CatalogId.eq(catalog_id))
            .one(&self.db)
            .await?;
        let m = match existing {
            Some(m) => {
                let moved = m.url != input.url || m.format != input.format.as_str();
                let was_enabled = m.enabled;
                let mut am: source::ActiveModel = m.into();
                if moved {
                    am.etag = Set(None);
                    am.last_modified = Set(None);
                    am.content_sha256 = Set(None);
                    am.consecutive_failures = Set(0);
                    am.last_error = Set(None);
                }
                if moved || (input.enabled && !was_enabled) {
                    am.next_pull_at = Set(now);
                }
                am.format = Set(input.format.as_str().to_owned());
                am.url = Set(input.url);
                am.interval_secs = Set(secs(input.interval));
                am.enabled = Set(input.enabled);
                am.auto_lookup = Set(input.auto_lookup);
                am.updated_at = Set(now);
                am.update(&self.db).await?
            }
            None => source::ActiveModel {
                id: Set(Uuid::new_v4()),
                tenant_id: Set(tenant.0),
                catalog_id: Set(catalog_id),
                format: Set(input.format.as_str().to_owned()),
                url: Set(input.url),
                interval_secs: Set(secs(input.interval)),
                enabled: Set(input.enabled),
                auto_lookup: Set(input.auto_lookup),
                next_pull_at: Set(now),
                next_trigger: Set(None),
                lease_owner: Set(None),
                lease_until: Set(None),
                etag: Set(None),
                last_modified: Set(None),
                content_sha256: Set(None),
                consecutive_failures: Set(0),
                last_pull_at: Set(None),
                last_success_at: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&self.db)
            .await
            // Two concurrent first calls for one catalog: the unique index keeps one.
            .map_err(RepoError::unique("catalog_id"))?,
        };
        Ok(m.into())
    }

    /// The source of a catalog.
    pub async fn for_catalog(&self, tenant: TenantId, catalog_id: Uuid) -> Result<Option<Source>, RepoError> {
        Ok(source::Entity::find()
            .filter(source::Column::TenantId.eq(tenant.0))
            .filter(source::Column::CatalogId.eq(catalog_id))
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    /// One source of this tenant.
    pub async fn get(&self, tenant: TenantId, id: Uuid) -> Result<Option<Source>, RepoError> {
        Ok(source::Entity::find_by_id(id).filter(source::Column::TenantId.eq(tenant.0)).one(&self.db).await?.map(Into::into))
    }

    /// Every source of this tenant, by catalog.
    pub async fn list(&self, tenant: TenantId) -> Result<Vec<Source>, RepoError> {
        Ok(source::Entity::find()
            .filter(source::Column::TenantId.eq(tenant.0))
            .order_by_asc(source::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Removes a catalog's source and its history (the SKUs stay as they are). `false` when there was none.
    pub async fn delete(&self, tenant: TenantId, catalog_id: Uuid) -> Result<bool, RepoError> {
        let Some(s) = self.for_catalog(tenant, catalog_id).await? else { return Ok(false) };
        pull::Entity::delete_many().filter(pull::Column::SourceId.eq(s.id)).exec(&self.db).await?;
        source::Entity::delete_by_id(s.id).exec(&self.db).await?;
        Ok(true)
    }

    /// Asks for a pull as soon as a scheduler is free (a pull in flight is not interrupted; this one follows).
    pub async fn request_pull(&self, tenant: TenantId, catalog_id: Uuid) -> Result<Source, RepoError> {
        let s = self.for_catalog(tenant, catalog_id).await?.ok_or(RepoError::NotFound)?;
        source::Entity::update_many()
            .col_expr(source::Column::NextPullAt, Expr::value(Utc::now()))
            .col_expr(source::Column::NextTrigger, Expr::value(PullTrigger::Manual.as_str()))
            .filter(source::Column::Id.eq(s.id))
            .exec(&self.db)
            .await?;
        self.get(tenant, s.id).await?.ok_or(RepoError::NotFound)
    }

    /// A source's pulls, newest first; `before` is the last `(started_at, id)` of the previous page.
    pub async fn pulls(&self, tenant: TenantId, source_id: Uuid, before: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<Pull>, RepoError> {
        let mut q = pull::Entity::find().filter(pull::Column::TenantId.eq(tenant.0)).filter(pull::Column::SourceId.eq(source_id));
        if let Some((at, id)) = before {
            q = q.filter(
                Condition::any()
                    .add(pull::Column::StartedAt.lt(at))
                    .add(Condition::all().add(pull::Column::StartedAt.eq(at)).add(pull::Column::Id.lt(id))),
            );
        }
        Ok(q.order_by_desc(pull::Column::StartedAt)
            .order_by_desc(pull::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// How many pulls a source has on record.
    pub async fn pull_count(&self, tenant: TenantId, source_id: Uuid) -> Result<u64, RepoError> {
        Ok(pull::Entity::find().filter(pull::Column::TenantId.eq(tenant.0)).filter(pull::Column::SourceId.eq(source_id)).count(&self.db).await?)
    }

    /// Claims up to `n` enabled sources that are due, for `lease`.
    pub async fn claim_due(&self, n: u64, lease: Duration) -> Result<Vec<Claim>, RepoError> {
        let now = Utc::now();
        let free = || Condition::any().add(source::Column::LeaseUntil.is_null()).add(source::Column::LeaseUntil.lt(now));
        let due: Vec<source::Model> = source::Entity::find()
            .filter(source::Column::Enabled.eq(true))
            .filter(source::Column::NextPullAt.lte(now))
            .filter(free())
            .order_by_asc(source::Column::NextPullAt)
            .limit(n)
            .all(&self.db)
            .await?;
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(15));
        let mut claims = Vec::new();
        for m in due {
            let owner = Uuid::new_v4();
            // Compare-and-set: only one replica's update matches a free, due row.
            let r = source::Entity::update_many()
                .col_expr(source::Column::LeaseOwner, Expr::value(owner))
                .col_expr(source::Column::LeaseUntil, Expr::value(until))
                .col_expr(source::Column::NextTrigger, Expr::value(Option::<String>::None))
                .filter(source::Column::Id.eq(m.id))
                .filter(source::Column::Enabled.eq(true))
                .filter(source::Column::NextPullAt.lte(now))
                .filter(free())
                .exec(&self.db)
                .await?;
            if r.rows_affected == 1 {
                let trigger = if m.next_trigger.as_deref() == Some(PullTrigger::Manual.as_str()) { PullTrigger::Manual } else { PullTrigger::Schedule };
                claims.push(Claim { source: m, owner, trigger });
            }
        }
        Ok(claims)
    }

    /// Gives back every lease (one process per database, at start).
    pub async fn release_all_leases(&self) -> Result<u64, RepoError> {
        let r = source::Entity::update_many()
            .col_expr(source::Column::LeaseOwner, Expr::value(Option::<Uuid>::None))
            .col_expr(source::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(source::Column::LeaseOwner.is_not_null())
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }
}
