require "test_helper"

class DepositsTest < HostIntegrationTest
  test "a repeated deposit returns the original answer and moves nothing" do
    a = sign_up("a@example.com")
    deposit(a, "dep-1", "USD", "250.00")
    assert_response 201
    first = json
    assert_nil response.headers["Idempotent-Replayed"]

    deposit(a, "dep-1", "USD", "250.00")
    assert_response 201
    assert_equal first, json
    assert_equal "true", response.headers["Idempotent-Replayed"]
    assert_equal "250.00", balances(a)["USD"]["balance"]
  end

  test "reusing a key with another amount is refused and changes nothing" do
    a = sign_up("a@example.com")
    deposit(a, "dep-1", "USD", "250.00")
    assert_response 201
    deposit(a, "dep-1", "USD", "999.00")
    assert_response 422
    assert_equal "idempotency_conflict", json["code"]
    assert_equal "250.00", balances(a)["USD"]["balance"]
  end

  test "the same key from two users is two deposits" do
    a = sign_up("a@example.com")
    b = sign_up("b@example.com")
    deposit(a, "dep-1", "USD", "1.00")
    deposit(b, "dep-1", "USD", "2.00")
    assert_response 201
    assert_equal "1.00", balances(a)["USD"]["balance"]
    assert_equal "2.00", balances(b)["USD"]["balance"]
  end

  test "a deposit without a key, or without a token, is a 4xx" do
    a = sign_up("a@example.com")
    post "/api/deposits", params: { asset: "USD", amount: "1.00" }, as: :json, headers: a[:auth]
    assert_response 400
    assert_equal "idempotency_key_required", json["code"]
    deposit({ auth: {} }, "k", "USD", "1.00")
    assert_response 401
    deposit(a, "k", "USD", "1.001")
    assert_response 422
  end
end
