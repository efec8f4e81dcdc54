# JSON API base: bearer-token authentication with the app's own HS256 JWT, and
# one error shape, {code, message}, for every refusal. Host errors keep the
# host's stable code; its status is mapped so a client of this app never sees
# a 500 from a refusal (docs/rails.md#errors).
class ApplicationController < ActionController::API
  rescue_from ActionController::ParameterMissing do |e|
    render_error 400, "parameter_missing", e.message
  end
  rescue_from ActiveRecord::RecordNotFound do |_e|
    render_error 404, "not_found", "no such #{controller_name.singularize}"
  end
  rescue_from ActiveRecord::StaleObjectError do |_e|
    render_error 409, "stale_object", "the record was changed since it was read; read it again"
  end
  rescue_from BrokerxHost::Unavailable do |e|
    response.set_header("Retry-After", "1")
    render_error 503, "host_unavailable", e.message
  end

  private

  def authenticate!
    token = request.authorization.to_s[/\ABearer (.+)\z/, 1]
    user_id = token && BrokerxToken.verify(token)
    @current_user = user_id && User.find_by(id: user_id)
    render_error 401, "unauthorized", "a valid bearer token is required" unless @current_user
  end

  attr_reader :current_user

  def host = @host ||= BrokerxHost.new(current_user.id)

  def render_error(status, code, message, extra = {})
    render status: status, json: { code: code, message: message }.merge(extra)
  end

  # 412 (stale If-Match) becomes 409, the status of a stale ActiveRecord
  # update; other 4xx keep their status; a 5xx from the host is 503 when it
  # asks to retry, else 502.
  def render_host_error(reply, extra = {})
    status = case reply.status
             when 412 then 409
             when 400..499 then reply.status
             when 503 then 503
             else 502
             end
    retry_after = Array(reply.headers["retry-after"]).first
    response.set_header("Retry-After", retry_after) if retry_after
    render_error status, reply.code || "host_error", reply.body["message"] || "the host answered #{reply.status}", extra
  end
end
