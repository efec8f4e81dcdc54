# Login: email + password → the HS256 JWT that this app and the host both accept.
class SessionsController < ApplicationController
  def create
    user = User.find_by(email: params.require(:email).to_s.strip.downcase)
    if user&.authenticate(params.require(:password))
      render json: { id: user.id, token: BrokerxToken.issue(user.id),
                     expires_in: Rails.configuration.x.brokerx.token_ttl }
    else
      render_error 401, "invalid_credentials", "email or password is wrong"
    end
  end
end
