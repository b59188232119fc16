//! The answers handlers share: NCT's error body (`ApiErrorDto` with its status) and the plain-text
//! `no content` of PUT/DELETE actions.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpResponse, ResponseError};
use nct::dto::ApiErrorDto;

/// An NCT error answer: status plus an `ApiErrorDto` body. Handlers return `Result<HttpResponse, ApiFailure>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// HTTP status.
    pub status: StatusCode,
    /// `ApiErrorDto.code`.
    pub code: &'static str,
    /// `ApiErrorDto.message`.
    pub message: String,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiFailure {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(ApiErrorDto::new(self.code, self.message.clone()))
    }
}

/// An error answer with any status.
pub fn api_error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiFailure {
    ApiFailure {
        status,
        code,
        message: message.into(),
    }
}

/// 400 `VALIDATION_ERROR`.
pub fn validation_error(message: impl Into<String>) -> ApiFailure {
    api_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
}

/// 404 `NOT_FOUND` with the spec's text.
pub fn not_found() -> ApiFailure {
    api_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "Запрашиваемые данные не найдены.",
    )
}

/// 422 `BUSINESS_ERROR`.
pub fn business_error(message: impl Into<String>) -> ApiFailure {
    api_error(StatusCode::UNPROCESSABLE_ENTITY, "BUSINESS_ERROR", message)
}

/// The spec's 200 body of PUT/DELETE actions.
pub fn no_content_ok() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/plain"))
        .body("no content")
}

