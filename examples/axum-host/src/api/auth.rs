//! JWT HS256 bearer tokens issued by the calling backend. The algorithm is
//! pinned: a token whose header says `none`, `HS384`, `RS256` or anything else
//! is refused, as are a bad signature, an expired token and a missing `exp`.
//! The account is the token's subject (`sub`, a decimal u64), so no request
//! can name another account; `role: "admin"` unlocks the admin routes.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use brokerx_engine::AccountId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::id_u64;
use super::AppState;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The account id, as a decimal string.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

#[derive(Clone)]
pub struct Auth {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth(HS256)")
    }
}

/// Who is calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub account: AccountId,
    pub admin: bool,
}

impl Auth {
    pub fn new(secret: &[u8]) -> Auth {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Auth { key: DecodingKey::from_secret(secret), validation }
    }

    /// # Errors
    /// `unauthorized` (401) for any token that does not verify.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", format!("token refused: {e}")))?;
        let account = id_u64(&data.claims.sub).ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "token subject is not an account id")
        })?;
        Ok(Caller { account: AccountId(account), admin: data.claims.role.as_deref() == Some("admin") })
    }
}

/// Signs a token (for tests, the load generator and `brokerx-host token`).
///
/// # Errors
/// Only on an encoding failure.
pub fn sign(secret: &[u8], account: u64, admin: bool, ttl_s: u64) -> Result<String, jsonwebtoken::errors::Error> {
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) + ttl_s;
    let claims = Claims { sub: account.to_string(), exp, role: admin.then(|| "admin".to_string()) };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let header = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
        let token = header
            .strip_prefix("Bearer ")
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "missing bearer token"))?;
        let caller = state.auth.verify(token.trim())?;
        state.limiter.check(caller.account)?;
        Ok(caller)
    }
}

/// An admin caller.
#[derive(Clone, Copy, Debug)]
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.admin {
            Ok(Admin(caller))
        } else {
            Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this route needs a token with role admin"))
        }
    }
}
