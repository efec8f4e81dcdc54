require "net/http"
require "json"

# The HTTP client for brokerx-host (docs/host.md), on Ruby's net/http. Each
# call carries a token for the acting user, minted here with the shared secret.
# Answers come back as a Reply; only an unreachable host raises (Unavailable).
class BrokerxHost
  Reply = Struct.new(:status, :body, :headers, keyword_init: true) do
    def ok? = status.between?(200, 299)
    def code = body.is_a?(Hash) ? body["code"] : nil
  end

  class Unavailable < StandardError; end

  def initialize(user_id, base_url: Rails.configuration.x.brokerx.url)
    @user_id = user_id
    @uri = URI(base_url)
  end

  def deposit(asset:, amount:, idempotency_key:)
    post("/api/v1/accounts/#{@user_id}/deposits", { asset: asset, amount: amount },
         "Idempotency-Key" => idempotency_key)
  end

  def balances = get("/api/v1/accounts/#{@user_id}/balances")
  def open_orders = get("/api/v1/accounts/#{@user_id}/orders")
  def place(order) = post("/api/v1/orders", order)
  def order(host_order_id) = get("/api/v1/orders/#{host_order_id}")
  def cancel(host_order_id) = request(Net::HTTP::Delete.new(path("/api/v1/orders/#{host_order_id}")))
  def markets = get("/api/v1/markets")
  def book(symbol, depth: 20) = get("/api/v1/markets/#{URI.encode_www_form_component(symbol)}/book?depth=#{Integer(depth)}")
  def trades(symbol, limit: 50) = get("/api/v1/markets/#{URI.encode_www_form_component(symbol)}/trades?limit=#{Integer(limit)}")

  def modify(host_order_id, version:, changes:)
    req = Net::HTTP::Patch.new(path("/api/v1/orders/#{host_order_id}"))
    req["If-Match"] = %("#{Integer(version)}")
    req["Content-Type"] = "application/json"
    req.body = JSON.generate(changes)
    request(req)
  end

  private

  def get(p) = request(Net::HTTP::Get.new(path(p)))

  def post(p, body, headers = {})
    req = Net::HTTP::Post.new(path(p))
    headers.each { |k, v| req[k] = v }
    req["Content-Type"] = "application/json"
    req.body = JSON.generate(body)
    request(req)
  end

  def path(p) = "#{@uri.path.chomp('/')}#{p}"

  def request(req)
    req["Authorization"] = "Bearer #{BrokerxToken.issue(@user_id, ttl: 60)}"
    req["Accept"] = "application/json"
    timeout = Rails.configuration.x.brokerx.timeout
    res = Net::HTTP.start(@uri.host, @uri.port, use_ssl: @uri.scheme == "https",
                          open_timeout: timeout, read_timeout: timeout) { |http| http.request(req) }
    body = begin
      res.body.to_s.empty? ? {} : JSON.parse(res.body)
    rescue JSON::ParserError
      { "code" => "bad_gateway", "message" => "the host answered #{res.code} without JSON" }
    end
    Reply.new(status: res.code.to_i, body: body, headers: res.to_hash)
  rescue SystemCallError, IOError, Net::OpenTimeout, Net::ReadTimeout, SocketError => e
    raise Unavailable, "brokerx-host at #{@uri} is unreachable: #{e.class}: #{e.message}"
  end
end
