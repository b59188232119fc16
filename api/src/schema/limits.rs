//! A cap on the number of fields (aliases included) in one operation, on top of depth and complexity: a query
//! that asks for the same cheap field under a thousand aliases is refused before it runs (OWASP GraphQL cheat
//! sheet, alias and batching abuse).

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};
use std::sync::Arc;

/// Most fields one request may select, counted over its operations and fragments.
pub const MAX_FIELDS: usize = 500;

/// The extension factory to register on the schema.
pub struct FieldLimit;

impl ExtensionFactory for FieldLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldLimitExtension)
    }
}

struct FieldLimitExtension;

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

#[async_graphql::async_trait::async_trait]
impl Extension for FieldLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
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
        Ok(doc)
    }
}
