# Balances from the host; `reserved` is what open buy orders (and sells) hold.
class BalancesController < ApplicationController
  before_action :authenticate!

  def show
    reply = host.balances
    return render_host_error(reply) unless reply.ok?
    render json: { balances: self.class.with_reserved(reply.body.fetch("balances")) }
  end

  def self.with_reserved(balances)
    balances.map do |b|
      reserved = BigDecimal(b.fetch("balance")) - BigDecimal(b.fetch("available"))
      digits = b.fetch("balance")[/\.(\d+)\z/, 1].to_s.length
      int, frac = reserved.to_s("F").split(".")
      b.merge("reserved" => digits.zero? ? int : "#{int}.#{frac.to_s.ljust(digits, '0')[0, digits]}")
    end
  end
end
