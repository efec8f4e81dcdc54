# Sign-up. The new user's id is its account on the host.
class UsersController < ApplicationController
  def create
    user = User.new(email: params.require(:email), password: params.require(:password))
    if user.save
      render status: 201, json: { id: user.id, email: user.email, token: BrokerxToken.issue(user.id) }
    else
      render_error 422, "invalid_user", user.errors.full_messages.to_sentence
    end
  end
end
