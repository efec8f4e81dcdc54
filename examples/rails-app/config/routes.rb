Rails.application.routes.draw do
  scope :api, defaults: { format: :json } do
    post "users", to: "users#create"
    post "login", to: "sessions#create"
    post "deposits", to: "deposits#create"
    get "balances", to: "balances#show"
    get "portfolio", to: "portfolio#show"
    resources :orders, only: %i[index show create update destroy]
    get "market/stream", to: "market#stream"
    get "markets", to: "market#markets"
    get "markets/book", to: "market#book"
    get "markets/trades", to: "market#trades"
  end
end
