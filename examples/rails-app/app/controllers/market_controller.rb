# Market data. Live data (book deltas, trades, status, the user's execution
# reports) is not relayed: the browser connects to the host's WebSocket with the
# token this app issued (docs/rails.md#market-data says why). These routes give
# it where to connect, and the REST snapshots for pages without a socket.
class MarketController < ApplicationController
  before_action :authenticate!
  rescue_from(ArgumentError) { render_error 400, "invalid_query", "depth and limit must be integers" }

  def stream
    base = Rails.configuration.x.brokerx.ws_url ||
           "#{Rails.configuration.x.brokerx.url.sub(/\Ahttp/, 'ws').chomp('/')}/ws"
    token = BrokerxToken.issue(current_user.id)
    render json: { url: "#{base}?token=#{token}", token: token,
                   subscribe: { op: "subscribe", symbol: params[:symbol] || "ACME/USD" } }
  end

  def markets = relay(host.markets)
  def book = relay(host.book(params.require(:symbol), depth: params.fetch(:depth, 20)))
  def trades = relay(host.trades(params.require(:symbol), limit: params.fetch(:limit, 50)))

  private

  def relay(reply)
    reply.ok? ? render(json: reply.body) : render_host_error(reply)
  end
end
