require "test_helper"

class RestartTest < HostIntegrationTest
  test "a host killed mid-session and started on the same data dir loses nothing acknowledged" do
    buyer = sign_up("buyer@example.com")
    seller = sign_up("seller@example.com")
    deposit(buyer, "usd-1", "USD", "5000.00")
    first_deposit = json
    deposit(seller, "acme-1", "ACME", "20")
    place(buyer, symbol: "ACME/USD", side: "buy", price: "101.00", quantity: "8")
    buy_id = json["id"]
    place(seller, symbol: "ACME/USD", side: "sell", price: "101.00", quantity: "3")
    assert_response 201
    before = [balances(buyer), balances(seller)]

    @host.kill
    get "/api/balances", headers: buyer[:auth]
    assert_response 503
    assert_equal "host_unavailable", json["code"]
    @host.start

    assert_equal before, [balances(buyer), balances(seller)]
    deposit(buyer, "usd-1", "USD", "5000.00")
    assert_response 201
    assert_equal first_deposit, json
    assert_equal "true", response.headers["Idempotent-Replayed"]

    get "/api/portfolio", headers: buyer[:auth]
    assert_equal [[buy_id, "3", "5"]], json["open_orders"].map { |o| o.values_at("id", "filled", "remaining") }

    place(seller, symbol: "ACME/USD", side: "sell", price: "101.00", quantity: "5")
    assert_response 201
    assert_equal "filled", json["status"]
    b = balances(buyer)
    assert_equal ["4192.00", "0.00"], b["USD"].values_at("balance", "reserved")
    assert_equal "8", b["ACME"]["balance"]
  end
end
