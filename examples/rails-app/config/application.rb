require_relative "boot"

require "rails"
require "active_model/railtie"
require "active_record/railtie"
require "action_controller/railtie"
require "rails/test_unit/railtie"

Bundler.require(*Rails.groups)

module RailsApp
  class Application < Rails::Application
    config.load_defaults 6.1
    config.api_only = true

    # The host this app delegates money and orders to, and the HS256 secret it
    # shares with it (the host's BROKERX_JWT_SECRET). See docs/rails.md.
    config.x.brokerx.url = ENV.fetch("BROKERX_URL", "http://127.0.0.1:8080")
    config.x.brokerx.ws_url = ENV["BROKERX_WS_URL"] # default: url with ws:// and /ws
    config.x.brokerx.jwt_secret = ENV["BROKERX_JWT_SECRET"]
    config.x.brokerx.token_ttl = Integer(ENV.fetch("BROKERX_TOKEN_TTL", "3600"))
    config.x.brokerx.timeout = Float(ENV.fetch("BROKERX_TIMEOUT", "10"))
  end
end
