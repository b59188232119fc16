//! Request bodies of `POST /graphql`, read under caps that hold whatever the transfer encoding.
//!
//! - A declared `Content-Length` over the cap is refused before a byte is read; a chunked body is counted
//!   while it streams and refused (413) as soon as it passes the cap.
//! - JSON is scanned once with a visitor that allocates nothing, counting values and list elements, before
//!   it is built into GraphQL values: a body of `[0,0,0,…]` cannot turn 31 MiB into gigabytes of values.
//!   What the scan lets through costs at most about a hundred bytes per value, and values are capped.
//! - Multipart (uploads): `operations` gets the JSON cap and the same scan, `map` a small cap, and each file
//!   streams to an unnamed temp file under the cap of the field it is for (5 MB for `uploadCardFile`,
//!   refused as soon as it passes that), never into memory.
//! - Batches (a JSON array of operations) are refused: each operation would get the per-request limits anew.

use crate::error::error_response;
use crate::limits::Limits;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::HashMap;
use std::io::{Seek as _, Write as _};

/// Most bytes of a multipart `map` part.
const MAX_MAP_BYTES: usize = 64 * 1024;
/// Most files one multipart request carries.
const MAX_FILES: usize = 1;

/// Why a body was refused.
#[derive(Debug)]
pub enum BodyError {
    /// Over a byte cap (413).
    TooLarge(String),
    /// Over a count cap: list elements, values, document size (413).
    TooMany(String),
    /// Not a GraphQL request (400).
    Malformed(String),
}

impl BodyError {
    /// The HTTP answer.
    pub fn response(&self) -> HttpResponse {
        match self {
            BodyError::TooLarge(m) | BodyError::TooMany(m) => {
                error_response(StatusCode::PAYLOAD_TOO_LARGE, "LIMIT_EXCEEDED", m)
            }
            BodyError::Malformed(m) => error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", m),
        }
    }
}

/// Reads `POST /graphql`'s body into one GraphQL request (JSON or multipart) under `limits`.
pub async fn read_request(req: &HttpRequest, payload: web::Payload, limits: &Limits) -> Result<async_graphql::Request, BodyError> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if content_type.starts_with("multipart/") {
        let boundary = multer::parse_boundary(&content_type)
            .map_err(|_| BodyError::Malformed("multipart request without a boundary".into()))?;
        let whole = (limits.json_body + limits.upload + MAX_MAP_BYTES + 64 * 1024) as u64;
        if declared.is_some_and(|l| l > whole) {
            return Err(too_large(whole as usize, "multipart request"));
        }
        return read_multipart(payload, boundary, limits).await;
    }
    if declared.is_some_and(|l| l > limits.json_body as u64) {
        return Err(too_large(limits.json_body, "JSON body"));
    }
    let initial = declared.map_or(8 * 1024, |l| l as usize);
    let bytes = read_capped(payload, limits.json_body, initial).await?;
    parse_json_request(&bytes, limits)
}

fn too_large(cap: usize, what: &str) -> BodyError {
    BodyError::TooLarge(format!(
        "{what} over {cap} bytes; upload large files with a multipart request (the request was not read)"
    ))
}

/// Reads a body stream, refusing it as soon as it passes `cap` bytes.
async fn read_capped(mut payload: web::Payload, cap: usize, initial: usize) -> Result<web::BytesMut, BodyError> {
    let mut buf = web::BytesMut::with_capacity(initial.min(cap));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| BodyError::Malformed(format!("the body could not be read: {e}")))?;
        if buf.len() + chunk.len() > cap {
            return Err(too_large(cap, "JSON body"));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Checks and parses a JSON GraphQL request.
pub fn parse_json_request(bytes: &[u8], limits: &Limits) -> Result<async_graphql::Request, BodyError> {
    scan_json(bytes, limits)?;
    let request: async_graphql::Request = serde_json::from_slice(bytes).map_err(|e| {
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            BodyError::Malformed("send one GraphQL request per HTTP request (batches are not accepted)".into())
        } else {
            BodyError::Malformed(format!("not a GraphQL request: {e}"))
        }
    })?;
    if request.query.len() > limits.query_text {
        return Err(BodyError::TooMany(format!(
            "the GraphQL document is {} bytes; the limit is {} (put large lists in variables)",
            request.query.len(),
            limits.query_text
        )));
    }
    Ok(request)
}

/// Counts JSON values without building them; refuses too many values or too long a list.
pub fn scan_json(bytes: &[u8], limits: &Limits) -> Result<(), BodyError> {
    let mut c = Counter { values: 0, max_values: limits.json_values, max_list: limits.list_elements, exceeded: None };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let res = Seed(&mut c).deserialize(&mut de).and_then(|()| de.end());
    if let Some(m) = c.exceeded {
        return Err(BodyError::TooMany(m));
    }
    res.map_err(|e| BodyError::Malformed(format!("malformed JSON: {e}")))
}

struct Counter {
    values: usize,
    max_values: usize,
    max_list: usize,
    exceeded: Option<String>,
}

impl Counter {
    fn bump<E: de::Error>(&mut self) -> Result<(), E> {
        self.values += 1;
        if self.values > self.max_values {
            self.exceeded = Some(format!("the request holds more than {} JSON values", self.max_values));
            return Err(E::custom("too many values"));
        }
        Ok(())
    }
}

struct Seed<'c>(&'c mut Counter);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.0.bump()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.0.bump()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.0.bump()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.0.bump()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.0.bump()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.bump()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.0.bump()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.bump()?;
        let mut n = 0usize;
        while seq.next_element_seed(Seed(&mut *self.0))?.is_some() {
            n += 1;
            if n > self.0.max_list {
                self.0.exceeded = Some(format!("a list holds more than {} elements", self.0.max_list));
                return Err(de::Error::custom("list too long"));
            }
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.bump()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Seed(&mut *self.0))?;
        }
        Ok(())
    }
}

/// The largest file the operations of `request` take: 5 MB when they only upload card files, the upload
/// cap otherwise (an import), nothing when no root field takes a file.
fn file_cap(request: &async_graphql::Request, limits: &Limits) -> usize {
    use async_graphql::parser::types::Selection;
    let card = usize::try_from(infra::cards::edit::MAX_CARD_FILE).unwrap_or(usize::MAX);
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return limits.upload };
    let mut cap = 0;
    for (_, op) in doc.operations.iter() {
        for sel in &op.node.selection_set.node.items {
            cap = cap.max(match &sel.node {
                Selection::Field(f) => match f.node.name.node.as_str() {
                    "uploadCardFile" => card,
                    "importCatalog" => limits.upload,
                    _ => 0,
                },
                // A fragment at the root could hide either: the larger cap.
                _ => limits.upload,
            });
        }
    }
    cap
}

/// Reads a GraphQL multipart request (operations, map, files) under the caps of the module docs.
async fn read_multipart(payload: web::Payload, boundary: String, limits: &Limits) -> Result<async_graphql::Request, BodyError> {
    // The payload is not `Send`; multer wants a `Send` stream: forward the chunks through a small channel.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    actix_web::rt::spawn(async move {
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            if tx.send(chunk).await.is_err() {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .for_field("operations", limits.json_body as u64)
            .for_field("map", MAX_MAP_BYTES as u64)
            .per_field(limits.upload.max(limits.json_body) as u64),
    );
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut request: Option<async_graphql::Request> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files = Vec::new();
    let mut cap = 0;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name().map(str::to_owned).as_deref() {
            Some("operations") => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                let r = parse_json_request(&bytes, limits)?;
                cap = file_cap(&r, limits);
                request = Some(r);
            }
            Some("map") => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                map = Some(serde_json::from_slice(&bytes).map_err(|e| BodyError::Malformed(format!("multipart map: {e}")))?);
            }
            Some(name) => {
                if request.is_none() {
                    return Err(BodyError::Malformed("multipart: the operations part must come first".into()));
                }
                if files.len() >= MAX_FILES {
                    return Err(BodyError::TooMany(format!("at most {MAX_FILES} file per request")));
                }
                let name = name.to_owned();
                let filename = field.file_name().unwrap_or(&name).to_owned();
                let content_type = field.content_type().map(ToString::to_string);
                let file = stream_to_temp(field, cap).await?;
                files.push((name, async_graphql::UploadValue { filename, content_type, content: file }));
            }
            None => return Err(BodyError::Malformed("multipart: a part without a name".into())),
        }
    }
    let mut request = request.ok_or_else(|| BodyError::Malformed("multipart: no operations part".into()))?;
    let mut map = map.ok_or_else(|| BodyError::Malformed("multipart: no map part".into()))?;
    for (name, upload) in files {
        for path in map.remove(&name).unwrap_or_default() {
            let copy = upload.try_clone().map_err(|e| BodyError::Malformed(format!("upload: {e}")))?;
            request.set_upload(&path, copy);
        }
    }
    if !map.is_empty() {
        return Err(BodyError::Malformed("multipart: the map names files that were not sent".into()));
    }
    Ok(request)
}

/// Streams one file part into an unnamed temp file, refusing it the moment it passes `cap`.
async fn stream_to_temp(mut field: multer::Field<'_>, cap: usize) -> Result<std::fs::File, BodyError> {
    let io = |e: std::io::Error| BodyError::Malformed(format!("upload could not be stored: {e}"));
    let mut file = tempfile::tempfile().map_err(io)?;
    let mut written = 0usize;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        written += chunk.len();
        if written > cap {
            return Err(BodyError::TooLarge(if cap == 0 {
                "this request takes no file".into()
            } else {
                format!("the file is over {cap} bytes, the limit of the field it is for")
            }));
        }
        file.write_all(&chunk).map_err(io)?;
    }
    file.rewind().map_err(io)?;
    Ok(file)
}

fn multipart_error(e: multer::Error) -> BodyError {
    match e {
        multer::Error::FieldSizeExceeded { limit, field_name } => BodyError::TooLarge(format!(
            "multipart part {} is over {limit} bytes",
            field_name.unwrap_or_default()
        )),
        multer::Error::StreamSizeExceeded { limit } => BodyError::TooLarge(format!("multipart request over {limit} bytes")),
        other => BodyError::Malformed(format!("multipart: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { list_elements: 10, json_values: 50, ..Limits::default() }
    }

    #[test]
    fn a_long_list_is_refused_before_it_is_built() {
        let body = format!(r#"{{"query":"{{a}}","variables":{{"x":[{}]}}}}"#, ["0"; 11].join(","));
        assert!(matches!(parse_json_request(body.as_bytes(), &limits()), Err(BodyError::TooMany(m)) if m.contains("10 elements")));
        let ok = format!(r#"{{"query":"{{a}}","variables":{{"x":[{}]}}}}"#, ["0"; 10].join(","));
        assert!(parse_json_request(ok.as_bytes(), &limits()).is_ok());
    }

    #[test]
    fn many_values_in_small_lists_are_refused_too() {
        let lists = ["[1,2,3,4,5,6,7,8]"; 8].join(",");
        let body = format!(r#"{{"query":"{{a}}","variables":{{"x":[{lists}]}}}}"#);
        assert!(matches!(parse_json_request(body.as_bytes(), &limits()), Err(BodyError::TooMany(m)) if m.contains("JSON values")));
    }

    #[test]
    fn batches_and_garbage_are_malformed() {
        assert!(matches!(parse_json_request(br#"[{"query":"{a}"}]"#, &limits()), Err(BodyError::Malformed(m)) if m.contains("batches")));
        assert!(matches!(parse_json_request(b"{\"query\":", &limits()), Err(BodyError::Malformed(_))));
    }

    #[test]
    fn card_uploads_get_the_card_cap_and_imports_the_upload_cap() {
        let l = Limits::default();
        let card = async_graphql::Request::new("mutation($f:Upload!){ uploadCardFile(input:{skuId:\"x\", kind:DOCUMENT, file:$f}){ fileName } }");
        assert_eq!(file_cap(&card, &l), 5 * 1024 * 1024);
        let import = async_graphql::Request::new("mutation($f:Upload){ importCatalog(input:{catalogId:\"x\", format:CSV, file:$f}){ created } }");
        assert_eq!(file_cap(&import, &l), l.upload);
        assert_eq!(file_cap(&async_graphql::Request::new("{ deadlines { date } }"), &l), 0);
    }
}
