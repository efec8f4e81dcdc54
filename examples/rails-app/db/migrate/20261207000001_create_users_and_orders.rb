# Users are the Rails app's own; a user's id is the host account id (the JWT's
# `sub`). Orders are the app's record of what it sent to the host: the host
# keeps only live orders, so order history lives here.
class CreateUsersAndOrders < ActiveRecord::Migration[6.1]
  def change
    create_table :users do |t|
      t.string :email, null: false
      t.string :password_salt, null: false
      t.string :password_hash, null: false
      t.timestamps
    end
    add_index :users, :email, unique: true

    create_table :orders do |t|
      t.references :user, null: false, foreign_key: true
      t.string :host_order_id, null: false
      t.string :client_order_id
      t.string :symbol, null: false
      t.string :side, null: false
      t.string :price
      t.string :quantity, null: false
      t.string :filled, null: false, default: "0"
      t.string :status, null: false
      t.string :cancel_reason
      t.integer :host_version, null: false, default: 0
      t.integer :lock_version, null: false, default: 0
      t.text :fills_json, null: false, default: "[]"
      t.timestamps
    end
    add_index :orders, :host_order_id, unique: true
  end
end
