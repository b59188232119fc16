//! What one operation may cost, checked on the parsed document before it runs (OWASP GraphQL cheat sheet:
//! alias, fragment and batching abuse, costly lists):
//! - at most [`MAX_FIELDS`] fields as executed: aliases count, and every fragment spread counts the fields of
//!   its fragment again (300 spreads of a 50-field fragment are 15,000 fields, not 50);
//! - at most [`MAX_READINESS_LINES`] `readiness` lines per request over all its aliases and fragments, inline
//!   lists and variables alike;
//! - the complexity limit of the schema, where page sizes multiply (`first: N` costs N times its fields; see
//!   the `complexity` of the connection fields): a query for a million SKU objects is refused unrun.
//!
//! Refusals carry `extensions.code = LIMIT_EXCEEDED`, as do async-graphql's own depth and complexity refusals
//! (renamed here). The checks run in front of execution ([`execute`] for HTTP, [`LimitedSchema`] for
//! WebSocket), not in a schema extension: with any extension registered, async-graphql wraps every field of
//! every object in extension hooks, which made a 100,000-line readiness answer several times slower.

use super::AppSchema;
use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Data, Executor, Name, Positioned, Request, Response, ServerError, Variables};
use async_graphql_value::{ConstValue, Value};
use domain::readiness::MAX_READINESS_LINES;
use futures_util::stream::BoxStream;
use std::collections::HashMap;
use std::sync::Arc;

/// Most fields one request may select, counted as executed (aliases and fragment spreads included).
pub const MAX_FIELDS: usize = 500;
/// The schema's complexity limit.
pub const MAX_COMPLEXITY: usize = 50_000;

/// A `LIMIT_EXCEEDED` error.
fn limit_error(message: String) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", "LIMIT_EXCEEDED");
    err.extensions = Some(ext);
    err
}

/// Walks selections as they would execute, expanding fragment spreads (memoized per fragment; a cycle,
/// which validation refuses later, counts as nothing here).
struct Walker<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    memo: HashMap<&'a str, (usize, usize)>,
    visiting: Vec<&'a str>,
}

impl<'a> Walker<'a> {
    /// (fields, readiness lines) of a selection set.
    fn walk(&mut self, set: &'a SelectionSet) -> (usize, usize) {
        let (mut fields, mut lines) = (0usize, 0usize);
        for sel in &set.items {
            let (f, l) = match &sel.node {
                Selection::Field(field) => {
                    let (f, l) = self.walk(&field.node.selection_set.node);
                    let own = if field.node.name.node == "readiness" {
                        field.node.get_argument("barcodes").map_or(0, |v| self.list_len(&v.node))
                    } else {
                        0
                    };
                    (f.saturating_add(1), l.saturating_add(own))
                }
                Selection::InlineFragment(i) => self.walk(&i.node.selection_set.node),
                Selection::FragmentSpread(s) => self.spread(s.node.fragment_name.node.as_str()),
            };
            fields = fields.saturating_add(f);
            lines = lines.saturating_add(l);
        }
        (fields, lines)
    }

    fn spread(&mut self, name: &'a str) -> (usize, usize) {
        if let Some(v) = self.memo.get(name) {
            return *v;
        }
        let Some(def) = self.fragments.get(name) else { return (0, 0) };
        if self.visiting.contains(&name) {
            return (0, 0);
        }
        self.visiting.push(name);
        let v = self.walk(&def.node.selection_set.node);
        self.visiting.pop();
        self.memo.insert(name, v);
        v
    }

    /// Elements of a list argument, inline or in a variable.
    fn list_len(&self, v: &Value) -> usize {
        match v {
            Value::List(l) => l.len(),
            Value::Variable(name) => match self.variables.get(name) {
                Some(ConstValue::List(l)) => l.len(),
                _ => 0,
            },
            _ => 0,
        }
    }
}

/// Fields and readiness lines of a whole document, as executed.
pub fn measure(doc: &ExecutableDocument, variables: &Variables) -> (usize, usize) {
    let mut w = Walker { fragments: &doc.fragments, variables, memo: HashMap::new(), visiting: Vec::new() };
    let (mut fields, mut lines) = (0usize, 0usize);
    for (_, op) in doc.operations.iter() {
        let (f, l) = w.walk(&op.node.selection_set.node);
        fields = fields.saturating_add(f);
        lines = lines.saturating_add(l);
    }
    (fields, lines)
}

/// `Err(LIMIT_EXCEEDED)` when the document selects more than [`MAX_FIELDS`] fields or checks more than
/// [`MAX_READINESS_LINES`] readiness lines.
pub fn check(doc: &ExecutableDocument, variables: &Variables) -> Result<(), ServerError> {
    let (fields, lines) = measure(doc, variables);
    if fields > MAX_FIELDS {
        return Err(limit_error(format!(
            "the request selects {fields} fields as executed (aliases and fragment spreads included); the limit is {MAX_FIELDS}"
        )));
    }
    if lines > MAX_READINESS_LINES {
        return Err(limit_error(format!(
            "the request checks {lines} readiness lines over all its fields; the limit is {MAX_READINESS_LINES} per request"
        )));
    }
    Ok(())
}

/// Parses the request (the schema reuses the parsed document) and checks the limits.
fn admit(request: &mut Request) -> Result<(), ServerError> {
    let variables = std::mem::take(&mut request.variables);
    let verdict = request.parsed_query().and_then(|doc| check(doc, &variables));
    request.variables = variables;
    verdict
}

/// async-graphql's own depth and complexity refusals, with the `LIMIT_EXCEEDED` code and a useful message.
fn rename_refusals(mut response: Response) -> Response {
    for e in &mut response.errors {
        let renamed = match e.message.as_str() {
            "Query is too complex." => Some(limit_error(format!(
                "the query is too costly (limit {MAX_COMPLEXITY}; a page of `first: N` costs N times its fields): ask for smaller pages or fewer fields"
            ))),
            "Query is nested too deep." => Some(limit_error("the query is nested too deep".into())),
            _ => None,
        };
        if let Some(r) = renamed {
            *e = ServerError { locations: std::mem::take(&mut e.locations), ..r };
        }
    }
    response
}

/// Runs one request on `schema` after the limits.
pub async fn execute(schema: &AppSchema, mut request: Request) -> Response {
    match admit(&mut request) {
        Ok(()) => rename_refusals(schema.execute(request).await),
        Err(e) => Response::from_errors(vec![e]),
    }
}

/// The schema with the limits in front, as an executor (subscriptions over WebSocket).
#[derive(Clone)]
pub struct LimitedSchema(pub AppSchema);

impl Executor for LimitedSchema {
    async fn execute(&self, request: Request) -> Response {
        execute(&self.0, request).await
    }

    fn execute_stream(&self, mut request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        use futures_util::StreamExt as _;
        match admit(&mut request) {
            Ok(()) => self
                .0
                .execute_stream_with_session_data(request, session_data.unwrap_or_default())
                .map(rename_refusals)
                .boxed(),
            Err(e) => futures_util::stream::once(async move { Response::from_errors(vec![e]) }).boxed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(q: &str, vars: serde_json::Value) -> (usize, usize) {
        let doc = async_graphql::parser::parse_query(q).unwrap();
        measure(&doc, &Variables::from_json(vars))
    }

    #[test]
    fn fragment_spreads_count_their_fields_each_time() {
        let spreads = (0..30).map(|i| format!("a{i}: viewer {{ ...F }}")).collect::<Vec<_>>().join(" ");
        let q = format!("query {{ {spreads} }} fragment F on Viewer {{ subject role tenant {{ id name }} }}");
        // Each alias: `viewer` and the 5 fields of the fragment (subject, role, tenant, id, name).
        assert_eq!(m(&q, serde_json::json!({})).0, 30 * 6);
    }

    #[test]
    fn readiness_lines_add_up_over_aliases_and_variables() {
        let q = "query($b:[String!]!){ a: readiness(barcodes:$b){ summary{ total } } b: readiness(barcodes:[\"1\",\"2\"]){ summary{ total } } }";
        assert_eq!(m(q, serde_json::json!({"b": ["x", "y", "z"]})).1, 5);
    }

    #[test]
    fn a_fragment_cycle_does_not_loop() {
        let q = "query { viewer { ...A } } fragment A on Viewer { subject ...B } fragment B on Viewer { role ...A }";
        assert!(m(q, serde_json::json!({})).0 < 10);
    }
}
