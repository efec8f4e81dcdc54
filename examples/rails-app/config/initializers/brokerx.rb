secret = Rails.configuration.x.brokerx.jwt_secret
if secret.nil? || secret.bytesize < 16
  raise "BROKERX_JWT_SECRET must be set (at least 16 bytes) and equal to the host's"
end
