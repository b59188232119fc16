//! Helpers for the feed, webhook and Kaspi tests: test settings (loopback allowed, short timeouts and
//! schedules) and typed GraphQL shortcuts.

use crate::helpers::TestApp;
use api::integrations::IntegrationSettings;
use infra::outbound::OutboundPolicy;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Loopback allowed (the local stub servers), a 2 s feed timeout, a 1 MiB feed cap, schedules down to 1 s,
/// webhook attempts of 0.7 s retried after about 0.1 s, 0.2 s, 0.4 s…
pub fn test_integrations() -> IntegrationSettings {
    let mut s = IntegrationSettings { outbound: OutboundPolicy::parse_allow_list("127.0.0.0/8").expect("allow list"), ..IntegrationSettings::default() };
    s.feeds.timeout = Duration::from_secs(2);
    s.feeds.max_bytes = 1024 * 1024;
    s.feeds.min_interval = Duration::from_secs(1);
    s.feeds.poll = Duration::from_millis(50);
    s.webhooks.timeout = Duration::from_millis(700);
    s.webhooks.retry_base = Duration::from_millis(100);
    s.webhooks.poll = Duration::from_millis(50);
    s
}

/// Polls `check` until it returns `Some`, or panics after `timeout` with the last value seen.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Value>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) => assert!(Instant::now() < deadline, "{what}: not reached in {timeout:?}; last: {last}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub const SOURCE_FIELDS: &str = "id catalogId format url intervalSeconds enabled autoLookup nextPullAt manualPullPending pulling consecutiveFailures lastPullAt lastSuccessAt lastError";
pub const PULL_FIELDS: &str = "id trigger outcome startedAt finishedAt httpStatus bytes created updated unchanged removed restored rejected rowErrors{ row code message } error{ code message } followUp followUpJob{ id state kind }";

impl TestApp {
    /// `setCatalogSource`; returns the payload.
    pub async fn set_source(&self, token: &str, input: Value) -> Value {
        let q = format!("mutation($i:SetCatalogSourceInput!){{ setCatalogSource(input:$i){{ source{{ {SOURCE_FIELDS} }} userErrors{{ field code message }} }} }}");
        self.gql_ok(Some(token), &q, json!({"i": input})).await["setCatalogSource"].clone()
    }

    /// `pullCatalogSource`; returns the payload.
    pub async fn pull_now(&self, token: &str, catalog: &str) -> Value {
        let q = format!("mutation($c:ID!){{ pullCatalogSource(input:{{catalogId:$c}}){{ source{{ {SOURCE_FIELDS} }} userErrors{{ field code message }} }} }}");
        self.gql_ok(Some(token), &q, json!({"c": catalog})).await["pullCatalogSource"].clone()
    }

    /// The catalog's source with its newest pulls.
    pub async fn source(&self, token: &str, catalog: &str) -> Value {
        let q = format!("query($c:ID!){{ catalog(id:$c){{ source{{ {SOURCE_FIELDS} pulls(first:50){{ totalCount nodes{{ {PULL_FIELDS} }} }} }} }} }}");
        self.gql_ok(Some(token), &q, json!({"c": catalog})).await["catalog"]["source"].clone()
    }

    /// Waits until the source has `n` pulls; returns the newest.
    pub async fn wait_pulls(&self, token: &str, catalog: &str, n: u64) -> Value {
        eventually(Duration::from_secs(20), "pulls", || async {
            let s = self.source(token, catalog).await;
            if s["pulls"]["totalCount"].as_u64().unwrap_or(0) >= n && !s["pulling"].as_bool().unwrap_or(true) { Ok(s["pulls"]["nodes"][0].clone()) } else { Err(s) }
        })
        .await
    }

    /// A catalog's SKUs by seller SKU: `sellerSku → node`.
    pub async fn skus_by_code(&self, token: &str, catalog: &str, filter: Value) -> std::collections::BTreeMap<String, Value> {
        let d = self
            .gql_ok(Some(token), "query($c:ID!,$f:SkuFilterInput){ catalog(id:$c){ skus(first:250, filter:$f){ nodes{ id sellerSku nameRu price barcode ntin readinessClass lookupState removedFromFeedAt channels } } } }", json!({"c": catalog, "f": filter}))
            .await;
        d["catalog"]["skus"]["nodes"].as_array().expect("nodes").iter().map(|n| (n["sellerSku"].as_str().unwrap_or_default().to_owned(), n.clone())).collect()
    }
}
