# Balances with reservations and the live orders, in one answer.
class PortfolioController < ApplicationController
  before_action :authenticate!

  def show
    balances = host.balances
    return render_host_error(balances) unless balances.ok?
    synced = Order.sync!(current_user, host)
    return render_host_error(synced) unless synced.ok?
    render json: { account: current_user.id.to_s,
                   balances: BalancesController.with_reserved(balances.body.fetch("balances")),
                   open_orders: current_user.orders.live.order(:id) }
  end
end
