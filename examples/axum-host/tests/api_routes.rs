//! Route by route on 127.0.0.1: what each answers, and that bad input is a 4xx
//! `{code, message}` that changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn deposits_orders_book_trades_and_balances_end_to_end() {
    let h = Host::start().await;
    let (alice, bob) = (token(1), token(2));
    assert_eq!(h.deposit(&alice, 1, "a-1", "USD", "10000.00").await.0, StatusCode::CREATED);
    assert_eq!(h.deposit(&bob, 2, "b-1", "ACME", "50").await.0, StatusCode::CREATED);

    // Bob offers 30 at 101.00; it rests.
    let (s, sell) = h.place(&bob, limit("sell", "101.00", "30")).await;
    assert_eq!(s, StatusCode::CREATED, "{sell}");
    assert_eq!(sell["status"], "open");
    assert_eq!(sell["price"], "101.00");
    let sell_id = sell["order_id"].as_str().unwrap().to_string();

    // Alice bids 20 at 102.00 and takes 20 at 101.00.
    let (s, buy) = h.place(&alice, limit("buy", "102.00", "20")).await;
    assert_eq!(s, StatusCode::CREATED, "{buy}");
    assert_eq!(buy["status"], "filled");
    assert_eq!(buy["fills"][0]["price"], "101.00");
    assert_eq!(buy["fills"][0]["quantity"], "20");
    assert_eq!(buy["fills"][0]["liquidity"], "taker");

    let (s, book) = h.call(Method::GET, "/api/v1/markets/ACME%2FUSD/book?depth=5", Some(&alice), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(book["asks"], json!([{"price": "101.00", "quantity": "10", "orders": 1}]));
    assert_eq!(book["bids"], json!([]));

    let (s, trades) = h.call(Method::GET, "/api/v1/markets/ACME%2FUSD/trades", Some(&alice), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(trades["trades"][0]["aggressor"], "buy");
    assert_eq!(trades["trades"][0]["quantity"], "20");

    let (s, bal) = h.call(Method::GET, "/api/v1/accounts/1/balances", Some(&alice), None).await;
    assert_eq!(s, StatusCode::OK);
    let usd = bal["balances"].as_array().unwrap().iter().find(|b| b["asset"] == "USD").unwrap().clone();
    assert_eq!(usd["balance"], "7980.00"); // 10000 − 20 × 101.00, no fees on the demo market
    let acme = bal["balances"].as_array().unwrap().iter().find(|b| b["asset"] == "ACME").unwrap().clone();
    assert_eq!(acme["balance"], "20");

    // Bob's open orders: the rest of his sell, partially filled.
    let (s, open) = h.call(Method::GET, "/api/v1/accounts/2/orders", Some(&bob), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(open["orders"][0]["order_id"], sell_id.as_str());
    assert_eq!(open["orders"][0]["status"], "partially_filled");
    assert_eq!(open["orders"][0]["remaining"], "10");

    let (s, markets) = h.call(Method::GET, "/api/v1/markets", Some(&alice), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(markets["markets"][0]["symbol"], "ACME/USD");
    h.stop().await;
}

#[tokio::test]
async fn get_amend_with_if_match_and_cancel_by_id_and_by_client_id() {
    let h = Host::start().await;
    let t = token(7);
    h.deposit(&t, 7, "d", "USD", "100000.00").await;
    let mut body = limit("buy", "99.00", "10");
    body["client_order_id"] = json!("mine-1");
    let (s, o) = h.place(&t, body).await;
    assert_eq!(s, StatusCode::CREATED);
    let id = o["order_id"].as_str().unwrap().to_string();

    let (s, hd, got) = h.call_h(Method::GET, &format!("/api/v1/orders/{id}"), Some(&t), None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(hd["etag"], "\"0\"");
    assert_eq!(got["client_order_id"], "mine-1");
    let (s, got) = h.call(Method::GET, "/api/v1/orders/by-client-id/mine-1", Some(&t), None).await;
    assert_eq!((s, got["order_id"].as_str()), (StatusCode::OK, Some(id.as_str())));

    // A stale version is 412 and changes nothing.
    let before = h.state_hash().await;
    let path = format!("/api/v1/orders/{id}");
    let (s, _, e) =
        h.call_h(Method::PATCH, &path, Some(&t), Some(json!({"price": "98.00"})), &[("if-match", "\"5\"")]).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::PRECONDITION_FAILED, Some("stale_version")));
    assert_eq!(h.state_hash().await, before);

    // The right version amends; the version moves on.
    let (s, hd, a) =
        h.call_h(Method::PATCH, &path, Some(&t), Some(json!({"price": "98.00"})), &[("if-match", "\"0\"")]).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["price"], "98.00");
    assert_eq!(a["version"], 1);
    assert_eq!(hd["etag"], "\"1\"");
    // By client id, quantity up.
    let (s, a) =
        h.call(Method::PATCH, "/api/v1/orders/by-client-id/mine-1", Some(&t), Some(json!({"quantity": "12"}))).await;
    assert_eq!((s, a["quantity"].as_str()), (StatusCode::OK, Some("12")));

    let (s, c) = h.call(Method::DELETE, "/api/v1/orders/by-client-id/mine-1", Some(&t), None).await;
    assert_eq!(
        (s, c["status"].as_str(), c["cancel_reason"].as_str()),
        (StatusCode::OK, Some("cancelled"), Some("user"))
    );
    let (s, e) = h.call(Method::GET, &path, Some(&t), None).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_order")));
    let (s, _) = h.call(Method::DELETE, &path, Some(&t), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A second order cancelled by engine id.
    let (_, o) = h.place(&t, limit("buy", "99.00", "1")).await;
    let (s, c) =
        h.call(Method::DELETE, &format!("/api/v1/orders/{}", o["order_id"].as_str().unwrap()), Some(&t), None).await;
    assert_eq!((s, c["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    h.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_typed_4xx_and_changes_nothing() {
    let h = Host::start().await;
    let t = token(3);
    h.deposit(&t, 3, "d", "USD", "1000.00").await;
    let before = h.state_hash().await;
    let cases = [
        (json!({"symbol": "ACME/USD", "side": "buy", "price": 100.5, "quantity": "1"}), 422, "invalid_body"),
        (json!({"symbol": "ACME/USD", "side": "buy", "price": "NaN", "quantity": "1"}), 422, "invalid_decimal"),
        (json!({"symbol": "ACME/USD", "side": "buy", "price": "1e3", "quantity": "1"}), 422, "invalid_decimal"),
        (
            json!({"symbol": "ACME/USD", "side": "buy", "price": "99999999999999999999999999999", "quantity": "1"}),
            422,
            "invalid_decimal",
        ),
        (json!({"symbol": "ACME/USD", "side": "buy", "price": "100.005", "quantity": "1"}), 422, "off_tick"),
        (json!({"symbol": "ACME/USD", "side": "buy", "price": "100.00", "quantity": "0.5"}), 422, "off_lot"),
        (json!({"symbol": "ACME/USD", "side": "buy", "price": "-1.00", "quantity": "1"}), 422, "invalid_price"),
        (json!({"symbol": "NOPE/USD", "side": "buy", "price": "100.00", "quantity": "1"}), 422, "unknown_instrument"),
        (json!({"symbol": "ACME/USD", "side": "up", "price": "100.00", "quantity": "1"}), 422, "invalid_body"),
        (json!({"symbol": "ACME/USD", "side": "buy", "quantity": "1"}), 422, "price_required"),
        (
            json!({"symbol": "ACME/USD", "side": "buy", "price": "100.00", "quantity": "1", "extra": 1}),
            422,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let (s, e) = h.place(&t, body.clone()).await;
        assert_eq!((s.as_u16(), e["code"].as_str()), (status, Some(code)), "{body} -> {e}");
        assert!(e["message"].is_string());
    }
    // Malformed JSON, and no JSON content type.
    let r = h
        .http
        .post(format!("{}/api/v1/orders", h.base))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{\"symbol\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["code"], "malformed_json");
    let r = h.http.post(format!("{}/api/v1/orders", h.base)).bearer_auth(&t).body("{}").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Over the body limit.
    let big = json!({"symbol": "x".repeat(64 * 1024), "side": "buy", "price": "1", "quantity": "1"});
    let (s, e) = h.place(&t, big).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
    // Unknown orders, bad ids, unknown routes and symbols.
    for path in ["/api/v1/orders/999999", "/api/v1/orders/abc", "/api/v1/orders/by-client-id/nope", "/api/v1/nothing"] {
        let (s, e) = h.call(Method::GET, path, Some(&t), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(e["code"].is_string(), "{path}");
    }
    let (s, e) = h.call(Method::GET, "/api/v1/markets/NOPE/book", Some(&t), None).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_instrument")));
    let (s, e) = h.call(Method::GET, "/api/v1/markets/ACME%2FUSD/book?depth=0", Some(&t), None).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_depth")));
    let (s, e) = h.call(Method::GET, "/api/v1/markets/ACME%2FUSD/book?depth=x", Some(&t), None).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));
    // Deposits: a float, an unknown asset, more decimals than the asset has.
    for (body, code) in [
        (json!({"asset": "USD", "amount": 5.0}), "invalid_body"),
        (json!({"asset": "XXX", "amount": "5"}), "unknown_asset"),
        (json!({"asset": "USD", "amount": "5.001"}), "scale_exceeds_asset"),
        (json!({"asset": "USD", "amount": "-5"}), "negative_amount"),
        (json!({"asset": "USD", "amount": "0"}), "invalid_amount"),
    ] {
        let (s, _, e) = h
            .call_h(
                Method::POST,
                "/api/v1/accounts/3/deposits",
                Some(&t),
                Some(body.clone()),
                &[("idempotency-key", "bad")],
            )
            .await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(code)), "{body}");
    }
    let (s, e) = h
        .call(Method::POST, "/api/v1/accounts/3/deposits", Some(&t), Some(json!({"asset": "USD", "amount": "5"})))
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::BAD_REQUEST, Some("idempotency_key_required")));
    // None of it reached the Broker: same state, nothing journaled.
    assert_eq!(h.state_hash().await, before);
    assert_eq!(h.health().await["applied"], "4"); // the demo's 3 commands and the deposit

    // A risk refusal is a trading event: journaled (it counts for the
    // throttle and the sequence), answered 422 with the core's code and facts.
    for (body, code, facts) in [
        (limit("buy", "500.00", "1"), "price_outside_collar", "price=500.00 low=90.00 high=110.00 reference=100.00"),
        (limit("buy", "100.00", "1000"), "insufficient_funds", "required=100000.00 available=1000.00"),
    ] {
        let (s, e) = h.place(&t, body).await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(code)));
        assert!(e["message"].as_str().unwrap().contains(facts), "{e}");
    }
    assert_eq!(h.health().await["applied"], "6");
    let (_, open) = h.call(Method::GET, "/api/v1/accounts/3/orders", Some(&t), None).await;
    assert_eq!(open["orders"], json!([]));
    h.stop().await;
}

#[tokio::test]
async fn admin_routes_need_the_admin_role_and_are_commands() {
    let h = Host::start().await;
    let (user, admin) = (token(4), admin_token());
    let asset = json!({"id": 3, "code": "BTC", "scale": 8});
    let (s, e) = h.call(Method::POST, "/api/v1/admin/assets", Some(&user), Some(asset.clone())).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (s, _) = h.call(Method::POST, "/api/v1/admin/assets", Some(&admin), Some(asset.clone())).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = h.call(Method::POST, "/api/v1/admin/assets", Some(&admin), Some(asset)).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("asset_exists")));
    let market = json!({"symbol": "BTC/USD", "base": "BTC", "quote": "USD", "tick_size": "1.00", "lot_size": "0.01",
        "risk": {"reference_price": "50000.00", "taker_fee_bps": 10}});
    let (s, e) = h.call(Method::POST, "/api/v1/admin/markets", Some(&admin), Some(market)).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (_, m) = h.call(Method::GET, "/api/v1/markets", Some(&user), None).await;
    assert_eq!(m["markets"].as_array().unwrap().len(), 2);

    // Halt: orders refused with the core's code; resume.
    let (s, _) = h.call(Method::POST, "/api/v1/admin/markets/ACME%2FUSD/halt", Some(&admin), Some(json!({}))).await;
    assert_eq!(s, StatusCode::OK);
    h.deposit(&user, 4, "d", "USD", "1000.00").await;
    let (s, e) = h.place(&user, limit("buy", "100.00", "1")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("instrument_halted")));
    let (s, _) = h.call(Method::POST, "/api/v1/admin/markets/ACME%2FUSD/resume", Some(&admin), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, o) = h.place(&user, limit("buy", "100.00", "1")).await;
    assert_eq!(s, StatusCode::CREATED);

    // Kill switch: open orders cancelled, new ones refused.
    let (s, _) = h
        .call(Method::POST, "/api/v1/admin/accounts/4/kill-switch", Some(&admin), Some(json!({"enabled": false})))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) =
        h.call(Method::GET, &format!("/api/v1/orders/{}", o["order_id"].as_str().unwrap()), Some(&user), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = h.place(&user, limit("buy", "100.00", "1")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("account_disabled")));
    h.call(Method::POST, "/api/v1/admin/accounts/4/kill-switch", Some(&admin), Some(json!({"enabled": true}))).await;

    // Limits: max quantity per order.
    let (s, _) = h
        .call(Method::PUT, "/api/v1/admin/accounts/4/limits", Some(&admin), Some(json!({"max_order_quantity": 2})))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = h.place(&user, limit("buy", "100.00", "3")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("order_qty_limit")));
    h.stop().await;
}

#[tokio::test]
async fn health_metrics_and_openapi_are_served() {
    let h = Host::start().await;
    let health = h.health().await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["applied"], "3");
    let t = token(1);
    h.deposit(&t, 1, "k", "USD", "1.00").await;
    let r = h.http.get(format!("{}/metrics", h.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    for name in [
        "brokerx_commands_total{kind=\"deposit\",outcome=\"ok\"} 1",
        "brokerx_request_seconds_bucket",
        "brokerx_queue_depth",
        "brokerx_journal_fsync_seconds_count",
        "brokerx_journal_batch_records",
        "brokerx_ws_connections",
    ] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
    let doc: serde_json::Value =
        h.http.get(format!("{}/openapi.json", h.base)).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/orders",
        "/api/v1/orders/{id}",
        "/api/v1/accounts/{account}/deposits",
        "/api/v1/markets/{symbol}/book",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["PlaceRequest"].is_object());
    h.stop().await;
}
