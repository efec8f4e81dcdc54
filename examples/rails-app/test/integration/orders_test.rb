require "test_helper"

class OrdersTest < HostIntegrationTest
  setup do
    @buyer = sign_up("buyer@example.com")
    @seller = sign_up("seller@example.com")
    deposit(@buyer, "usd-1", "USD", "10000.00")
    assert_response 201
    deposit(@seller, "acme-1", "ACME", "10")
    assert_response 201
  end

  test "a buy reserves funds, a crossing sell fills it, balances settle exactly" do
    place(@buyer, symbol: "ACME/USD", side: "buy", price: "100.00", quantity: "10", client_order_id: "b1")
    assert_response 201
    buy_id = json["id"]
    assert_equal "open", json["status"]
    usd = balances(@buyer)["USD"]
    assert_equal ["10000.00", "9000.00", "1000.00"], usd.values_at("balance", "available", "reserved")

    place(@seller, symbol: "ACME/USD", side: "sell", price: "100.00", quantity: "4")
    assert_response 201
    assert_equal "filled", json["status"]
    assert_equal [["100.00", "4"]], json["fills"].map { |f| f.values_at("price", "quantity") }

    b = balances(@buyer)
    assert_equal ["9600.00", "9000.00", "600.00"], b["USD"].values_at("balance", "available", "reserved")
    assert_equal ["4", "4"], b["ACME"].values_at("balance", "available")
    s = balances(@seller)
    assert_equal ["400.00", "400.00"], s["USD"].values_at("balance", "available")
    assert_equal ["6", "6"], s["ACME"].values_at("balance", "available")

    get "/api/orders", headers: @buyer[:auth]
    assert_response 200
    buy = json["orders"].find { |o| o["id"] == buy_id }
    assert_equal ["partially_filled", "4", "6"], buy.values_at("status", "filled", "remaining")

    get "/api/portfolio", headers: @seller[:auth]
    assert_response 200
    assert_empty json["open_orders"]
  end

  test "a modify with a stale lock_version is 409, a current one goes through" do
    place(@buyer, symbol: "ACME/USD", side: "buy", price: "99.00", quantity: "5")
    assert_response 201
    id = json["id"]
    assert_equal 0, json["lock_version"]

    patch "/api/orders/#{id}", params: { lock_version: 0, price: "98.50" }, as: :json, headers: @buyer[:auth]
    assert_response 200
    assert_equal ["98.50", 1], json.values_at("price", "lock_version")

    patch "/api/orders/#{id}", params: { lock_version: 0, price: "98.00" }, as: :json, headers: @buyer[:auth]
    assert_response 409
    assert_equal "stale_object", json["code"]
    assert_equal "98.50", json.dig("order", "price")
    assert_equal "492.50", balances(@buyer)["USD"]["reserved"]
  end

  test "a fill does not make a modify stale: the host's version counts amends only" do
    place(@buyer, symbol: "ACME/USD", side: "buy", price: "100.00", quantity: "5")
    id = json["id"]
    place(@seller, symbol: "ACME/USD", side: "sell", price: "100.00", quantity: "2")
    assert_response 201

    patch "/api/orders/#{id}", params: { lock_version: 0, quantity: "4" }, as: :json, headers: @buyer[:auth]
    assert_response 200
    assert_equal ["4", "2", "2", 1], json.values_at("quantity", "filled", "remaining", "lock_version")
    assert_equal "200.00", balances(@buyer)["USD"]["reserved"]
  end

  test "cancelling another user's order is refused and leaves it live" do
    place(@buyer, symbol: "ACME/USD", side: "buy", price: "100.00", quantity: "3")
    id = json["id"]
    delete "/api/orders/#{id}", headers: @seller[:auth]
    assert_response 404
    get "/api/orders/#{id}", headers: @seller[:auth]
    assert_response 404

    get "/api/portfolio", headers: @buyer[:auth]
    assert_equal [id], json["open_orders"].map { |o| o["id"] }

    delete "/api/orders/#{id}", headers: @buyer[:auth]
    assert_response 200
    assert_equal "cancelled", json["status"]
    assert_equal "0.00", balances(@buyer)["USD"]["reserved"]
    delete "/api/orders/#{id}", headers: @buyer[:auth]
    assert_response 409
    assert_equal "order_not_live", json["code"]
  end

  test "host refusals come back as 4xx with the host's code" do
    place(@buyer, symbol: "ACME/USD", side: "buy", price: "100.00", quantity: "1000")
    assert_response 422
    assert_equal "insufficient_funds", json["code"]
    place(@buyer, symbol: "ACME/USD", side: "buy", price: "100.001", quantity: "1")
    assert_response 422
    assert_equal "off_tick", json["code"]
    place(@buyer, symbol: "NOPE/USD", side: "buy", price: "1.00", quantity: "1")
    assert_response 422
    post "/api/orders", params: { side: "buy" }, as: :json, headers: @buyer[:auth]
    assert_response 400
  end
end
