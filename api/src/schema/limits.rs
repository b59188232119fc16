//! A cap on the number of fields (aliases included) in one operation, on top of depth and complexity: a query
//! that asks for the same cheap field under a thousand aliases is refused before it runs (OWASP GraphQL cheat
//! sheet, alias and batching abuse).
//!
//! The cap is checked on the parsed document before execution ([`execute`] for HTTP, [`LimitedSchema`] for
//! WebSocket), not by a schema extension: with any extension registered, async-graphql wraps every field of
//! every object in extension hooks, which made a 100,000-line readiness answer several times slower.

use super::AppSchema;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures_util::stream::BoxStream;
use std::sync::Arc;

/// Most fields one request may select, counted over its operations and fragments.
pub const MAX_FIELDS: usize = 500;

fn count(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => 1 + count(&f.node.selection_set.node),
            Selection::InlineFragment(i) => count(&i.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// `Err(LIMIT_EXCEEDED)` when the document selects more than [`MAX_FIELDS`] fields.
pub fn check_fields(doc: &ExecutableDocument) -> Result<(), ServerError> {
    let fields: usize = doc.operations.iter().map(|(_, op)| count(&op.node.selection_set.node)).sum::<usize>()
        + doc.fragments.values().map(|f| count(&f.node.selection_set.node)).sum::<usize>();
    if fields > MAX_FIELDS {
        let mut err = ServerError::new(
            format!("the request selects {fields} fields (aliases included); the limit is {MAX_FIELDS}"),
            None,
        );
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", "LIMIT_EXCEEDED");
        err.extensions = Some(ext);
        return Err(err);
    }
    Ok(())
}

/// Parses the request (the schema reuses the parsed document) and checks the cap.
fn admit(request: &mut Request) -> Result<(), ServerError> {
    request.parsed_query().and_then(check_fields)
}

/// Runs one request on `schema` after the field cap.
pub async fn execute(schema: &AppSchema, mut request: Request) -> Response {
    match admit(&mut request) {
        Ok(()) => schema.execute(request).await,
        Err(e) => Response::from_errors(vec![e]),
    }
}

/// The schema with the field cap in front, as an executor (subscriptions over WebSocket).
#[derive(Clone)]
pub struct LimitedSchema(pub AppSchema);

impl Executor for LimitedSchema {
    async fn execute(&self, request: Request) -> Response {
        execute(&self.0, request).await
    }

    fn execute_stream(&self, mut request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        use futures_util::StreamExt as _;
        match admit(&mut request) {
            Ok(()) => self.0.execute_stream_with_session_data(request, session_data.unwrap_or_default()),
            Err(e) => futures_util::stream::once(async move { Response::from_errors(vec![e]) }).boxed(),
        }
    }
}
