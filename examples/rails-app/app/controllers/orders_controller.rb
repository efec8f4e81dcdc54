# Orders: placed, modified and cancelled on the host, recorded here (the host
# keeps only live orders, so this table is the order history).
#
# Modify takes the record's `lock_version`. An older one is 409 without asking
# the host; a current one is sent as the host's `If-Match` version, and a 412
# from the host (the order moved on the host: a fill, an amend from another
# client) refreshes the record and is answered 409 with it, so the client can
# retry with the new lock_version.
class OrdersController < ApplicationController
  before_action :authenticate!
  before_action :load_order, only: %i[show update destroy]

  PLACE_FIELDS = %i[symbol side type price quantity time_in_force post_only stp client_order_id expire_at].freeze

  def index
    synced = Order.sync!(current_user, host)
    return render_host_error(synced) unless synced.ok?
    orders = current_user.orders.order(id: :desc)
    orders = orders.where(status: params[:status]) if params[:status].present?
    render json: { orders: orders.limit(500) }
  end

  def show
    render json: @order
  end

  def create
    body = params.permit(*PLACE_FIELDS).to_h
    params.require(:symbol)
    params.require(:side)
    params.require(:quantity)
    reply = host.place(body)
    return render_host_error(reply) unless reply.ok?
    render status: 201, json: Order.from_host(current_user, reply.body)
  end

  def update
    lock_version = Integer(params.require(:lock_version).to_s, 10)
    return render_stale unless lock_version == @order.lock_version
    return render_error(409, "order_not_live", "order #{@order.id} is #{@order.status}") unless @order.live?

    changes = params.permit(:price, :quantity).to_h
    return render_error(400, "parameter_missing", "send price and/or quantity") if changes.empty?

    reply = host.modify(@order.host_order_id, version: @order.host_version, changes: changes)
    if reply.status == 412
      refresh(@order)
      return render_stale
    end
    return render_host_error(reply) unless reply.ok?

    @order.lock_version = lock_version # the UPDATE checks it: a concurrent save is StaleObjectError → 409
    @order.assign_host(reply.body)
    @order.save!
    render json: @order
  rescue ArgumentError
    render_error 400, "invalid_lock_version", "lock_version must be an integer"
  end

  def destroy
    return render_error(409, "order_not_live", "order #{@order.id} is #{@order.status}") unless @order.live?
    reply = host.cancel(@order.host_order_id)
    if reply.status == 404
      refresh(@order)
      return render_error(409, "order_not_live", "order #{@order.id} is no longer live on the host", order: @order)
    end
    return render_host_error(reply) unless reply.ok?
    @order.assign_host(reply.body)
    @order.save!
    render json: @order
  end

  private

  # Another user's order is answered exactly like a missing one.
  def load_order
    @order = current_user.orders.find(params[:id])
  end

  def refresh(order)
    reply = host.order(order.host_order_id)
    if reply.ok? then order.assign_host(reply.body)
    elsif reply.status == 404 then order.status = "closed"
    end
    order.save! if order.changed?
  end

  def render_stale
    render_error 409, "stale_object", "order #{@order.id} changed since lock_version was read", order: @order.reload
  end
end
