//! `POST /v1/storage/upload` (photos) and `POST /v1/storage/upload/document` (PDFs): one `multipart/form-data`
//! part named `file`, at most 5 MB (413 `PAYLOAD_TOO_LARGE` over it). The multipart body is parsed by hand
//! (no extra dependency): boundary from the content type, then the `file` part's filename and bytes.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use nct::dto::UploadedFileDto;
use rand::Rng as _;

use super::answers::{ApiFailure, api_error, validation_error};
use super::state::SimState;

/// Largest accepted file.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Largest request body read (file plus multipart overhead); bigger bodies get actix's own 413.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Photo extensions accepted.
const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp"];

/// Registers the routes (under `/portal/api`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/storage/upload")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route(web::post().to(upload_image)),
    )
    .service(
        web::resource("/v1/storage/upload/document")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route(web::post().to(upload_document)),
    );
}

/// One file part.
#[derive(Debug, PartialEq, Eq)]
pub struct FilePart<'a> {
    /// `filename` of the part.
    pub filename: String,
    /// The bytes.
    pub bytes: &'a [u8],
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// A `name="value"` parameter of a header line.
fn header_param(line: &str, name: &str) -> Option<String> {
    line.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Finds the part named `file` in a `multipart/form-data` body.
///
/// # Errors
/// A text saying what is wrong (no boundary, no `file` part, truncated body).
pub fn parse_file_part<'a>(
    content_type: &str,
    body: &'a [u8],
) -> Result<FilePart<'a>, &'static str> {
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err("ожидается multipart/form-data");
    }
    let boundary = header_param(content_type, "boundary")
        .filter(|b| !b.is_empty())
        .ok_or("нет boundary")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut pos = find(body, &delimiter, 0).ok_or("нет частей")? + delimiter.len();
    loop {
        if body[pos..].starts_with(b"--") {
            return Err("нет части file");
        }
        let headers_start = pos + 2; // CRLF after the delimiter
        let headers_end = find(body, b"\r\n\r\n", headers_start).ok_or("обрезанное тело")?;
        let headers = String::from_utf8_lossy(&body[headers_start..headers_end]);
        let content_start = headers_end + 4;
        let next = find(
            body,
            &[b"\r\n".as_slice(), &delimiter].concat(),
            content_start,
        )
        .ok_or("обрезанное тело")?;
        let disposition = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"));
        if let Some(line) = disposition
            && header_param(line, "name").as_deref() == Some("file")
        {
            let filename = header_param(line, "filename").unwrap_or_default();
            return Ok(FilePart {
                filename,
                bytes: &body[content_start..next],
            });
        }
        pos = next + 2 + delimiter.len();
    }
}

async fn upload_image(
    state: web::Data<SimState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiFailure> {
    store_upload(&state, &req, &body, false)
}

async fn upload_document(
    state: web::Data<SimState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiFailure> {
    store_upload(&state, &req, &body, true)
}

fn store_upload(
    state: &SimState,
    req: &HttpRequest,
    body: &[u8],
    document: bool,
) -> Result<HttpResponse, ApiFailure> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let part = parse_file_part(content_type, body)
        .map_err(|why| validation_error(format!("Не удалось прочитать файл: {why}.")))?;
    if part.bytes.len() > MAX_FILE_BYTES {
        return Err(api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "Максимальный размер файла — 5 МБ.",
        ));
    }
    if part.bytes.is_empty() {
        return Err(validation_error("Файл пуст."));
    }
    let extension = part
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed = if document {
        extension == "pdf"
    } else {
        IMAGE_EXTENSIONS.contains(&extension.as_str())
    };
    if !allowed {
        let expected = if document {
            "PDF"
        } else {
            "JPG, PNG или WEBP"
        };
        return Err(validation_error(format!(
            "Недопустимый тип файла «{}»: ожидается {expected}.",
            part.filename
        )));
    }
    let stored = {
        let mut rng = rand::rng();
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}.{extension}",
            rng.random::<u32>(),
            rng.random::<u16>(),
            rng.random::<u16>() & 0xfff,
            rng.random::<u16>() & 0xfff,
            rng.random::<u64>() & 0xffff_ffff_ffff
        )
    };
    let size = part.bytes.len();
    let id = state.store().next_upload_id();
    Ok(HttpResponse::Ok().json(UploadedFileDto {
        id,
        filename: stored,
        original_filename: Some(part.filename),
        file_extension: Some(extension),
        size_bytes: size as i64,
        size_mb: (size as f64 / (1024.0 * 1024.0) * 100.0).round() / 100.0,
        created_at: chrono::Utc::now().timestamp_millis(),
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_file_part_is_found_among_others() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"a b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\r\n--\r\n--XyZ--\r\n";
        let part = parse_file_part("multipart/form-data; boundary=\"XyZ\"", body).unwrap();
        assert_eq!(part.filename, "a b.jpg");
        assert_eq!(part.bytes, b"\xff\xd8\r\n--");
    }

    #[test]
    fn bodies_without_a_file_part_are_refused() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--B--\r\n";
        assert!(parse_file_part("multipart/form-data; boundary=B", body).is_err());
        assert!(parse_file_part("application/json", b"{}").is_err());
        assert!(parse_file_part("multipart/form-data", body).is_err());
    }
}
