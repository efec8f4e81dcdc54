//! Tokens (missing, expired, wrong signature, wrong algorithm, `alg: none`),
//! account scoping (another client's orders and accounts are 404), the rate
//! limit, and `Idempotency-Key` (replay, conflict, in flight).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use brokerx_host::api::auth::Claims;
use brokerx_host::api::funds::InFlight;
use common::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn claims(sub: &str, exp_offset: i64) -> Claims {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    Claims { sub: sub.into(), exp: (now + exp_offset) as u64, role: None }
}

#[tokio::test]
async fn only_valid_hs256_tokens_with_an_account_subject_pass() {
    let h = Host::start().await;
    let path = "/api/v1/accounts/1/balances";
    let hs256 =
        |c: &Claims, key: &[u8]| encode(&Header::new(Algorithm::HS256), c, &EncodingKey::from_secret(key)).unwrap();
    let good = hs256(&claims("1", 60), SECRET);
    assert_eq!(h.call(Method::GET, path, Some(&good), None).await.0, StatusCode::OK);

    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims("1", 60)).unwrap());
    let none = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#));
    let refused = [
        ("no token", None),
        ("garbage", Some("not.a.jwt".to_string())),
        ("expired", Some(hs256(&claims("1", -10), SECRET))),
        ("wrong signature", Some(hs256(&claims("1", 60), b"another-secret-0123456789"))),
        (
            "HS384",
            Some(encode(&Header::new(Algorithm::HS384), &claims("1", 60), &EncodingKey::from_secret(SECRET)).unwrap()),
        ),
        ("alg none", Some(none)),
        ("subject not an account", Some(hs256(&claims("alice", 60), SECRET))),
    ];
    for (what, token) in refused {
        let (s, e) = h.call(Method::GET, path, token.as_deref(), None).await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")), "{what}");
    }
    // /health and /metrics need no token.
    assert_eq!(h.call(Method::GET, "/health", None, None).await.0, StatusCode::OK);
    assert_eq!(h.http.get(format!("{}/metrics", h.base)).send().await.unwrap().status(), StatusCode::OK);
    h.stop().await;
}

#[tokio::test]
async fn another_clients_orders_and_accounts_are_not_found() {
    let h = Host::start().await;
    let (alice, mallory) = (token(1), token(66));
    h.deposit(&alice, 1, "a", "USD", "1000.00").await;
    let mut body = limit("buy", "100.00", "1");
    body["client_order_id"] = json!("alice-1");
    let (_, o) = h.place(&alice, body).await;
    let id = o["order_id"].as_str().unwrap();
    let before = h.state_hash().await;
    for (m, path, body) in [
        (Method::GET, format!("/api/v1/orders/{id}"), None),
        (Method::PATCH, format!("/api/v1/orders/{id}"), Some(json!({"price": "99.00"}))),
        (Method::DELETE, format!("/api/v1/orders/{id}"), None),
        (Method::GET, "/api/v1/orders/by-client-id/alice-1".to_string(), None),
        (Method::DELETE, "/api/v1/orders/by-client-id/alice-1".to_string(), None),
        (Method::GET, "/api/v1/accounts/1/balances".to_string(), None),
        (Method::GET, "/api/v1/accounts/1/orders".to_string(), None),
    ] {
        let (s, e) = h.call(m.clone(), &path, Some(&mallory), body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path}: {e}");
    }
    let (s, _, _) = h
        .call_h(
            Method::POST,
            "/api/v1/accounts/1/withdrawals",
            Some(&mallory),
            Some(json!({"asset": "USD", "amount": "1"})),
            &[("idempotency-key", "x")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(h.state_hash().await, before);
    // Alice still sees her order.
    assert_eq!(h.call(Method::GET, &format!("/api/v1/orders/{id}"), Some(&alice), None).await.0, StatusCode::OK);
    h.stop().await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path().to_path_buf());
    c.rate_per_s = 1;
    c.rate_burst = 5;
    let h = Host::start_with(c).await;
    let (a, b) = (token(1), token(2));
    for _ in 0..5 {
        assert_eq!(h.call(Method::GET, "/api/v1/markets", Some(&a), None).await.0, StatusCode::OK);
    }
    let (s, hd, e) = h.call_h(Method::GET, "/api/v1/markets", Some(&a), None, &[]).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    assert_eq!(hd["retry-after"], "1");
    assert_eq!(h.call(Method::GET, "/api/v1/markets", Some(&b), None).await.0, StatusCode::OK);
    h.stop().await;
}

#[tokio::test]
async fn idempotency_key_replays_conflicts_and_in_flight() {
    let h = Host::start().await;
    let t = token(5);
    let post = |key: &'static str, amount: &'static str, kind: &'static str| {
        let h = &h;
        let t = t.clone();
        async move {
            h.call_h(
                Method::POST,
                &format!("/api/v1/accounts/5/{kind}"),
                Some(&t),
                Some(json!({"asset": "USD", "amount": amount})),
                &[("idempotency-key", key)],
            )
            .await
        }
    };
    let (s1, h1, b1) = post("dep-1", "250.00", "deposits").await;
    assert_eq!(s1, StatusCode::CREATED);
    assert!(h1.get("idempotent-replayed").is_none());
    // The same request again: the same status and body, marked replayed, no
    // money moved (the replay itself is a journaled event of the Broker's).
    let (s2, h2, b2) = post("dep-1", "250.00", "deposits").await;
    assert_eq!((s2, &b2), (s1, &b1));
    assert_eq!(h2["idempotent-replayed"], "true");
    let hash = h.state_hash().await;
    let (_, bal) = h.call(Method::GET, "/api/v1/accounts/5/balances", Some(&t), None).await;
    assert_eq!(bal["balances"][0]["balance"], "250.00");
    // The same key, another body: 422, nothing changes.
    let (s3, _, e3) = post("dep-1", "999.00", "deposits").await;
    assert_eq!((s3, e3["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_conflict")));
    // ... and as a withdrawal (another direction is another request).
    let (s4, _, e4) = post("dep-1", "250.00", "withdrawals").await;
    assert_eq!((s4, e4["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_conflict")));
    assert_eq!(h.state_hash().await, hash);

    // A refused withdrawal is remembered with its status: replayed as the same 422.
    let (s5, h5, e5) = post("wd-1", "1000.00", "withdrawals").await;
    assert_eq!((s5, e5["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("insufficient_funds")));
    assert!(h5.get("idempotent-replayed").is_none());
    let (s6, h6, e6) = post("wd-1", "1000.00", "withdrawals").await;
    assert_eq!((s6, &e6), (s5, &e5));
    assert_eq!(h6["idempotent-replayed"], "true");

    // Keys are per account: another account's "dep-1" is a new request.
    let (s7, _, _) = h
        .call_h(
            Method::POST,
            "/api/v1/accounts/6/deposits",
            Some(&token(6)),
            Some(json!({"asset": "USD", "amount": "1.00"})),
            &[("idempotency-key", "dep-1")],
        )
        .await;
    assert_eq!(s7, StatusCode::CREATED);

    // In flight: while a request holds the key, another with it is 409 and changes nothing.
    let holding = InFlight::begin(&h.app, brokerx_engine::AccountId(5), "dep-2").unwrap();
    let before = h.state_hash().await;
    let (s8, _, e8) = post("dep-2", "5.00", "deposits").await;
    assert_eq!((s8, e8["code"].as_str()), (StatusCode::CONFLICT, Some("idempotency_key_in_flight")));
    assert_eq!(h.state_hash().await, before);
    drop(holding);
    assert_eq!(post("dep-2", "5.00", "deposits").await.0, StatusCode::CREATED);
    h.stop().await;
}
