# The app's record of an order it placed on the host. `lock_version` is Rails'
# optimistic lock, which clients send back to modify; `host_version` is the
# host's order version, sent as `If-Match`. Every change the host reports
# (amend, fill, cancel) is saved through ActiveRecord, so it bumps
# `lock_version`: a client holding an older one gets 409, as for any stale
# ActiveRecord update.
class Order < ApplicationRecord
  LIVE = %w[open partially_filled].freeze
  belongs_to :user

  scope :live, -> { where(status: LIVE) }

  def live? = LIVE.include?(status)

  def self.from_host(user, h)
    order = user.orders.new(host_order_id: h.fetch("order_id"), symbol: h.fetch("symbol"), side: h.fetch("side"))
    order.assign_host(h)
    order.save!
    order
  end

  # Copies the host's view of the order; saving bumps lock_version only if something changed.
  def assign_host(h)
    self.client_order_id = h["client_order_id"]
    self.price = h["price"]
    self.quantity = h.fetch("quantity")
    self.filled = h.fetch("filled")
    self.status = h.fetch("status")
    self.cancel_reason = h["cancel_reason"]
    self.host_version = Integer(h.fetch("version"))
    fills = JSON.parse(fills_json || "[]")
    (h["fills"] || []).each { |f| fills << f unless fills.any? { |g| g["trade_id"] == f["trade_id"] } }
    self.fills_json = JSON.generate(fills)
  end

  # Brings this user's live orders in line with the host's open orders. An order
  # the host no longer lists was filled, expired or cancelled on the host's side
  # since we last heard of it; the host keeps no history, so it becomes "closed".
  def self.sync!(user, host)
    reply = host.open_orders
    return reply unless reply.ok?
    open = reply.body.fetch("orders").index_by { |h| h["order_id"] }
    user.orders.live.each do |order|
      if (h = open[order.host_order_id])
        order.assign_host(h)
      else
        order.status = "closed"
      end
      order.save! if order.changed?
    end
    reply
  end

  def remaining
    return "0" unless live?
    (BigDecimal(quantity) - BigDecimal(filled)).to_s("F").sub(/\.0\z/, "")
  end

  def as_json(*)
    { id: id, host_order_id: host_order_id, client_order_id: client_order_id, symbol: symbol, side: side,
      price: price, quantity: quantity, filled: filled, remaining: remaining, status: status,
      cancel_reason: cancel_reason, lock_version: lock_version, host_version: host_version,
      fills: JSON.parse(fills_json), created_at: created_at, updated_at: updated_at }
  end
end
