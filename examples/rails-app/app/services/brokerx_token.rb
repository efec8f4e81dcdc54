# The HS256 JWT the host accepts: `sub` is the account id (the user's id, as a
# decimal string), `exp` is required, `role: "admin"` is never issued here.
# The same token authenticates the user to this app and, unchanged, to the host
# (its WebSocket, for market data).
module BrokerxToken
  ALGORITHM = "HS256".freeze

  module_function

  def issue(user_id, ttl: Rails.configuration.x.brokerx.token_ttl)
    payload = { sub: user_id.to_s, exp: Time.now.to_i + ttl }
    JWT.encode(payload, secret, ALGORITHM)
  end

  # The user id, or nil for a token that is bad, expired, not HS256 or has no `sub`.
  def verify(token)
    payload, = JWT.decode(token, secret, true, algorithm: ALGORITHM, required_claims: %w[exp sub])
    Integer(payload["sub"], 10)
  rescue JWT::DecodeError, ArgumentError, TypeError
    nil
  end

  def secret
    Rails.configuration.x.brokerx.jwt_secret
  end
end
