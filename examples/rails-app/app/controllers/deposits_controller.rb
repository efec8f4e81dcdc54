# Deposits go straight to the host with the client's Idempotency-Key: the host
# remembers the key with its request, across restarts, so a repeat returns the
# original answer (Idempotent-Replayed: true) and a reuse with another body is
# refused (422 idempotency_conflict).
class DepositsController < ApplicationController
  before_action :authenticate!

  def create
    key = request.headers["Idempotency-Key"].to_s
    return render_error(400, "idempotency_key_required", "send an Idempotency-Key header") if key.empty?

    reply = host.deposit(asset: params.require(:asset).to_s, amount: params.require(:amount).to_s, idempotency_key: key)
    return render_host_error(reply) unless reply.ok?

    replayed = Array(reply.headers["idempotent-replayed"]).first
    response.set_header("Idempotent-Replayed", replayed) if replayed
    render status: reply.status, json: reply.body
  end
end
