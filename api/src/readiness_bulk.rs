//! `POST /readiness`: the bulk twin of the `readiness` query, for files of up to a million lines.
//!
//! In: `text/plain` (one barcode per line, the default) or `text/csv` (a header line; the barcode column is
//! named as for imports: `barcode`, `gtin`, `ean`, `штрихкод`; `,`, `;` or tab). Out, streamed while it is
//! computed: NDJSON (the default: one object per line, shaped like `ReadinessItem`, then one
//! `{"summary": …}` object) or CSV (`?format=csv` or `Accept: text/csv`; columns `line, input, gtin14,
//! class, reason_code, reason_message`). Lines are numbered as in imports: the physical line, a CSV header
//! being line 1.
//!
//! Public like the query, and bounded:
//! - the same per-IP request limit as `/graphql` (429 `RATE_LIMITED` with `Retry-After`);
//! - at most [`BULK_CONCURRENCY`] bulk checks at once per process (503 `UNAVAILABLE` with `Retry-After`);
//! - the body is spooled to an anonymous temporary file, so memory does not grow with the file; at most
//!   [`MAX_BODY`] bytes and [`MAX_LINES`] lines (413 `LIMIT_EXCEEDED`, before any output);
//! - the upload has [`UPLOAD_BUDGET`], the answer [`ANSWER_BUDGET`];
//! - classification runs on the blocking pool, [`STEP_LINES`] lines a step, so the HTTP workers only move
//!   bytes; duplicate detection keeps a fixed size per distinct code ([`domain::readiness_lines`]).

use crate::error::error_response;
use crate::ratelimit::RateGate;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::readiness::{Classification, Summary};
use domain::readiness_lines::LineChecker;
use futures_util::StreamExt as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Chain, Cursor, Read, Seek, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bulk checks one process runs at once.
pub const BULK_CONCURRENCY: usize = 2;
/// Largest body.
pub const MAX_BODY: u64 = 64 * 1024 * 1024;
/// Most data lines (a CSV header comes on top).
pub const MAX_LINES: u64 = 1_000_000;
/// Lines classified per step on the blocking pool.
pub const STEP_LINES: usize = 16_384;
/// Time to receive the whole body.
pub const UPLOAD_BUDGET: Duration = Duration::from_secs(120);
/// Time to send the whole answer (a client that reads too slowly is cut off).
pub const ANSWER_BUDGET: Duration = Duration::from_secs(300);
/// Body bytes collected before they are written to the temporary file.
const SPOOL_CHUNK: usize = 1 << 20;

/// The shared limit on concurrent bulk checks (app data).
#[derive(Clone)]
pub struct BulkReadiness {
    permits: Arc<Semaphore>,
}

impl Default for BulkReadiness {
    fn default() -> Self {
        Self { permits: Arc::new(Semaphore::new(BULK_CONCURRENCY)) }
    }
}

/// Query string of `POST /readiness`.
#[derive(serde::Deserialize)]
pub struct BulkQuery {
    /// `ndjson` or `csv`.
    format: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Ndjson,
    Csv,
}

/// Where the lines come from: a plain list, or the barcode column of a CSV.
enum Source {
    Text { file: BufReader<File>, buf: Vec<u8>, line: usize },
    Csv { rows: csv::Reader<Chain<Cursor<Vec<u8>>, BufReader<File>>>, column: usize, record: csv::ByteRecord },
}

/// One bulk check in progress: moved onto the blocking pool for each step and back.
struct Bulk {
    source: Source,
    checker: LineChecker,
    output: Output,
    started: bool,
    done: bool,
    deadline: Instant,
    /// Held until the answer is sent or the client goes away.
    _permit: OwnedSemaphorePermit,
}

fn refuse(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let mut resp = error_response(status, code, message);
    if matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

fn internal(e: impl std::fmt::Debug) -> HttpResponse {
    tracing::error!(error.cause_chain = ?e, "bulk readiness failed");
    refuse(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error")
}

/// `POST /readiness`.
pub async fn bulk_readiness(
    bulk: web::Data<BulkReadiness>,
    gate: web::Data<RateGate>,
    req: HttpRequest,
    query: web::Query<BulkQuery>,
    payload: web::Payload,
) -> HttpResponse {
    // Who may: the per-IP bucket of anonymous /graphql calls (the real client address behind a trusted proxy).
    if let Some(resp) = gate.refusal(&req, None).await {
        return resp;
    }
    // What: the input and output formats.
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("text/plain");
    let csv_in = match content_type.split(';').next().map(str::trim).map(str::to_ascii_lowercase).as_deref() {
        Some("text/csv" | "application/csv") => true,
        Some("text/plain" | "") => false,
        _ => {
            return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_USER_INPUT", "send text/plain (one barcode per line) or text/csv (with a barcode column)");
        }
    };
    let accept_csv = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"));
    let output = match query.format.as_deref() {
        Some("csv") => Output::Csv,
        Some("ndjson") => Output::Ndjson,
        None if accept_csv => Output::Csv,
        None => Output::Ndjson,
        Some(_) => return refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", "format must be ndjson or csv"),
    };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return too_large();
    }
    // How many at once: a permit for the whole check, taken before the body is read.
    let Ok(permit) = bulk.permits.clone().try_acquire_owned() else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "the bulk readiness check is busy; retry shortly");
    };
    let (file, lines) = match spool(payload).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    if lines > MAX_LINES + u64::from(csv_in) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "LIMIT_EXCEEDED", &format!("at most {MAX_LINES} lines per request"));
    }
    let source = match tokio::task::spawn_blocking(move || open_source(file, csv_in)).await {
        Ok(Ok(s)) => s,
        Ok(Err(Opened::BadInput(m))) => return refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &m),
        Ok(Err(Opened::Io(e))) => return internal(e),
        Err(e) => return internal(e),
    };
    let job = Bulk {
        source,
        checker: LineChecker::new(),
        output,
        started: false,
        done: false,
        deadline: Instant::now() + ANSWER_BUDGET,
        _permit: permit,
    };
    let stream = futures_util::stream::unfold(Some(job), |job| async move {
        let mut job = job?;
        if job.done {
            return None;
        }
        match tokio::task::spawn_blocking(move || {
            let r = job.step();
            (job, r)
        })
        .await
        {
            Ok((job, Ok(bytes))) => Some((Ok::<_, actix_web::Error>(web::Bytes::from(bytes)), Some(job))),
            Ok((_, Err(e))) => {
                tracing::warn!(error = %e, "bulk readiness stopped");
                Some((Err(actix_web::error::ErrorInternalServerError("bulk readiness stopped")), None))
            }
            Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e)), None)),
        }
    });
    let content_type = match output {
        Output::Ndjson => "application/x-ndjson; charset=utf-8",
        Output::Csv => "text/csv; charset=utf-8",
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .streaming(stream)
}

fn too_large() -> HttpResponse {
    refuse(StatusCode::PAYLOAD_TOO_LARGE, "LIMIT_EXCEEDED", &format!("the body is over {MAX_BODY} bytes"))
}

/// Writes the body to an anonymous temporary file (in blocks, on the blocking pool); returns the file,
/// rewound, and its number of lines.
async fn spool(mut payload: web::Payload) -> Result<(File, u64), HttpResponse> {
    let deadline = tokio::time::Instant::now() + UPLOAD_BUDGET;
    let mut file = web::block(tempfile::tempfile).await.map_err(internal)?.map_err(internal)?;
    let (mut size, mut newlines, mut last) = (0u64, 0u64, b'\n');
    let mut block = Vec::with_capacity(SPOOL_CHUNK);
    loop {
        let chunk = match tokio::time::timeout_at(deadline, payload.next()).await {
            Err(_) => return Err(refuse(StatusCode::REQUEST_TIMEOUT, "LIMIT_EXCEEDED", "the upload took too long")),
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                tracing::debug!(error = %e, "bulk readiness: upload broken");
                return Err(refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", "the upload could not be read"));
            }
            Ok(Some(Ok(c))) => c,
        };
        size += chunk.len() as u64;
        if size > MAX_BODY {
            return Err(too_large());
        }
        newlines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        if newlines > MAX_LINES + 1 {
            return Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, "LIMIT_EXCEEDED", &format!("at most {MAX_LINES} lines per request")));
        }
        if let Some(b) = chunk.last() {
            last = *b;
        }
        block.extend_from_slice(&chunk);
        if block.len() >= SPOOL_CHUNK {
            (file, block) = write_block(file, block).await?;
        }
    }
    let (mut file, _) = write_block(file, block).await?;
    web::block(move || file.rewind().map(|()| file)).await.map_err(internal)?.map_err(internal).map(|f| (f, newlines + u64::from(last != b'\n')))
}

async fn write_block(mut file: File, mut block: Vec<u8>) -> Result<(File, Vec<u8>), HttpResponse> {
    web::block(move || {
        file.write_all(&block)?;
        block.clear();
        Ok::<_, std::io::Error>((file, block))
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

enum Opened {
    BadInput(String),
    Io(std::io::Error),
}

/// Prepares the line source; for CSV, reads the header and finds the barcode column.
fn open_source(file: File, csv_in: bool) -> Result<Source, Opened> {
    let mut file = BufReader::with_capacity(256 * 1024, file);
    if !csv_in {
        return Ok(Source::Text { file, buf: Vec::with_capacity(64), line: 0 });
    }
    let mut first = Vec::new();
    file.read_until(b'\n', &mut first).map_err(Opened::Io)?;
    if first.starts_with(b"\xEF\xBB\xBF") {
        first.drain(..3);
    }
    let delimiter = domain::import::csv::detect_delimiter(&first);
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Cursor::new(first).chain(file));
    let mut header = csv::ByteRecord::new();
    rows.read_byte_record(&mut header).map_err(|e| Opened::Io(std::io::Error::other(e)))?;
    let column = header
        .iter()
        .position(|cell| std::str::from_utf8(cell).is_ok_and(domain::import::csv::is_barcode_header))
        .ok_or_else(|| {
            Opened::BadInput(
                "the CSV header has no barcode column (name it barcode, gtin, ean or штрихкод); send text/plain for a bare list".into(),
            )
        })?;
    Ok(Source::Csv { rows, column, record: csv::ByteRecord::new() })
}

impl Source {
    /// The next line: its number and its text (lossy UTF-8), or `None` at the end.
    fn next(&mut self) -> Result<Option<(usize, String)>, String> {
        match self {
            Source::Text { file, buf, line } => {
                buf.clear();
                if file.read_until(b'\n', buf).map_err(|e| e.to_string())? == 0 {
                    return Ok(None);
                }
                *line += 1;
                // The terminator is not part of the line: `\n` or `\r\n`; a UTF-8 BOM opens no line.
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                }
                let text = if *line == 1 { buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf) } else { &buf[..] };
                Ok(Some((*line, String::from_utf8_lossy(text).into_owned())))
            }
            Source::Csv { rows, column, record } => {
                if !rows.read_byte_record(record).map_err(|e| e.to_string())? {
                    return Ok(None);
                }
                let line = record.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
                let cell = record.get(*column).unwrap_or_default();
                Ok(Some((line, String::from_utf8_lossy(cell).into_owned())))
            }
        }
    }
}

impl Bulk {
    /// Classifies up to [`STEP_LINES`] lines into their output bytes (plus the summary at the end).
    fn step(&mut self) -> Result<Vec<u8>, String> {
        if Instant::now() > self.deadline {
            return Err("the answer took longer than its budget".into());
        }
        let out = Vec::with_capacity(STEP_LINES * 112);
        let mut sink = match self.output {
            Output::Ndjson => Sink::Ndjson(out),
            Output::Csv => Sink::Csv(Box::new(csv::WriterBuilder::new().from_writer(out))),
        };
        if !self.started {
            self.started = true;
            if let Sink::Csv(w) = &mut sink {
                w.write_record(["line", "input", "gtin14", "class", "reason_code", "reason_message"]).map_err(|e| e.to_string())?;
            }
        }
        for _ in 0..STEP_LINES {
            let Some((line, input)) = self.source.next()? else {
                self.done = true;
                if let Sink::Ndjson(out) = &mut sink {
                    write_summary(out, self.checker.summary());
                }
                break;
            };
            let c = self.checker.check(line, &input);
            match &mut sink {
                Sink::Ndjson(out) => write_ndjson(out, line, &input, &c),
                Sink::Csv(w) => write_csv(w, line, &input, &c).map_err(|e| e.to_string())?,
            }
        }
        match sink {
            Sink::Ndjson(out) => Ok(out),
            Sink::Csv(w) => w.into_inner().map_err(|e| e.to_string()),
        }
    }
}

/// Where a step writes.
enum Sink {
    Ndjson(Vec<u8>),
    Csv(Box<csv::Writer<Vec<u8>>>),
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    // Serializing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// `{"line":…,"input":…,"gtin14":…,"class":…,"reason":{"code":…,"message":…}|null}` and a newline.
fn write_ndjson(out: &mut Vec<u8>, line: usize, input: &str, c: &Classification) {
    let _ = write!(out, "{{\"line\":{line}");
    out.extend_from_slice(b",\"input\":");
    json_str(out, input);
    out.extend_from_slice(b",\"gtin14\":");
    match &c.gtin14 {
        Some(g) => json_str(out, g),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"class\":\"");
    out.extend_from_slice(c.class.as_str().as_bytes());
    out.extend_from_slice(b"\",\"reason\":");
    match &c.reason {
        Some(r) => {
            out.extend_from_slice(b"{\"code\":\"");
            out.extend_from_slice(r.code.as_str().as_bytes());
            out.extend_from_slice(b"\",\"message\":");
            json_str(out, &r.message);
            out.push(b'}');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b"}\n");
}

fn write_summary(out: &mut Vec<u8>, s: &Summary) {
    let v = serde_json::json!({"summary": {
        "total": s.total, "hasNtin": s.has_ntin, "autoLookupReady": s.auto_lookup_ready,
        "temporaryXtin": s.temporary_xtin, "manualCard": s.manual_card, "duplicates": s.duplicates,
    }});
    let _ = serde_json::to_writer(&mut *out, &v);
    out.push(b'\n');
}

/// One CSV record; cells a spreadsheet would run as a formula are prefixed with `'`.
fn write_csv(w: &mut csv::Writer<Vec<u8>>, line: usize, input: &str, c: &Classification) -> csv::Result<()> {
    let (code, message) = c.reason.as_ref().map_or(("", ""), |r| (r.code.as_str(), r.message.as_str()));
    let line = line.to_string();
    let input = crate::export::formula_safe(input);
    w.write_record([line.as_str(), &input, c.gtin14.as_deref().unwrap_or(""), c.class.as_str(), code, message])
}
