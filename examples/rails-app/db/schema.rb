# This file is auto-generated from the current state of the database. Instead
# of editing this file, please use the migrations feature of Active Record to
# incrementally modify your database, and then regenerate this schema definition.
#
# This file is the source Rails uses to define your schema when running `bin/rails
# db:schema:load`. When creating a new database, `bin/rails db:schema:load` tends to
# be faster and is potentially less error prone than running all of your
# migrations from scratch. Old migrations may fail to apply correctly if those
# migrations use external dependencies or application code.
#
# It's strongly recommended that you check this file into your version control system.

ActiveRecord::Schema.define(version: 2026_12_07_000001) do

  create_table "orders", force: :cascade do |t|
    t.integer "user_id", null: false
    t.string "host_order_id", null: false
    t.string "client_order_id"
    t.string "symbol", null: false
    t.string "side", null: false
    t.string "price"
    t.string "quantity", null: false
    t.string "filled", default: "0", null: false
    t.string "status", null: false
    t.string "cancel_reason"
    t.integer "host_version", default: 0, null: false
    t.integer "lock_version", default: 0, null: false
    t.text "fills_json", default: "[]", null: false
    t.datetime "created_at", precision: 6, null: false
    t.datetime "updated_at", precision: 6, null: false
    t.index ["host_order_id"], name: "index_orders_on_host_order_id", unique: true
    t.index ["user_id"], name: "index_orders_on_user_id"
  end

  create_table "users", force: :cascade do |t|
    t.string "email", null: false
    t.string "password_salt", null: false
    t.string "password_hash", null: false
    t.datetime "created_at", precision: 6, null: false
    t.datetime "updated_at", precision: 6, null: false
    t.index ["email"], name: "index_users_on_email", unique: true
  end

  add_foreign_key "orders", "users"
end
