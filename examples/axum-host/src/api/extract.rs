//! Extractors whose refusals are `{code, message}` JSON: the body (malformed
//! JSON, wrong types, unknown fields, too large), the query string, and the
//! decimal strings inside (no floats, no NaN, no exponents, bounded length).

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use brokerx_engine::Decimal;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(r: &JsonRejection) -> ApiError {
    let status = r.status();
    let code = match r {
        JsonRejection::JsonDataError(_) => "invalid_body",
        JsonRejection::JsonSyntaxError(_) => "malformed_json",
        JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        _ => "invalid_body",
    };
    ApiError::new(status, code, r.body_text())
}

/// A query string.
#[derive(Debug)]
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Q(v)),
            Err(r) => Err(query_rejection(&r)),
        }
    }
}

fn query_rejection(r: &QueryRejection) -> ApiError {
    ApiError::bad_request("invalid_query", r.body_text())
}

/// The longest decimal string accepted (28 significant digits and a point fit).
pub const DECIMAL_MAX_LEN: usize = 40;

/// A decimal given as a string: digits with an optional sign and fraction,
/// nothing else (`1e5`, `NaN`, `Infinity`, `0x10` and the empty string are refused).
///
/// # Errors
/// `invalid_decimal` naming the field.
pub fn decimal(field: &str, s: &str) -> Result<Decimal, ApiError> {
    let bad = || {
        ApiError::unprocessable("invalid_decimal", format!("{field}: {s:?} is not a decimal string like \"101.25\""))
    };
    if s.is_empty() || s.len() > DECIMAL_MAX_LEN {
        return Err(bad());
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(bad());
    }
    s.parse::<Decimal>().map_err(|_| bad())
}

/// An id given as a decimal string of a u64.
pub fn id_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_only() {
        assert_eq!(decimal("p", "101.25").unwrap(), "101.25".parse::<Decimal>().unwrap());
        assert_eq!(decimal("p", "-3").unwrap(), Decimal::from(-3));
        for bad in ["", "1e5", "NaN", "nan", "Infinity", "0x10", "1.", ".5", "+1", "1 ", "1,5", "--1", &"9".repeat(41)]
        {
            assert_eq!(decimal("p", bad).unwrap_err().body.code, "invalid_decimal", "{bad:?}");
        }
        // Fits the string limit but not a Decimal (over 2^96).
        assert!(decimal("p", &"9".repeat(39)).is_err());
    }

    #[test]
    fn ids_are_plain_u64_strings() {
        assert_eq!(id_u64("42"), Some(42));
        assert_eq!(id_u64("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "-1", "18446744073709551616", "1.0", "abc", "0x1"] {
            assert_eq!(id_u64(bad), None, "{bad:?}");
        }
    }
}
