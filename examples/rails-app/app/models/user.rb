require "openssl"

# A user of this app; its id is its account id on the host. Passwords are
# PBKDF2-HMAC-SHA256 from Ruby's openssl (Debian ships no bcrypt gem with the
# set this example is limited to).
class User < ApplicationRecord
  ITERATIONS = 100_000
  has_many :orders, dependent: :restrict_with_exception

  validates :email, presence: true, uniqueness: { case_sensitive: false },
                    format: { with: /\A[^@\s]+@[^@\s]+\z/ }
  validate :password_given

  attr_reader :password

  before_validation { self.email = email.to_s.strip.downcase }

  def password=(plain)
    @password = plain.to_s
    return if @password.empty?
    self.password_salt = SecureRandom.hex(16)
    self.password_hash = self.class.digest(@password, password_salt)
  end

  def authenticate(plain)
    return false if password_hash.blank?
    ActiveSupport::SecurityUtils.secure_compare(self.class.digest(plain.to_s, password_salt), password_hash) && self
  end

  def self.digest(plain, salt)
    OpenSSL::KDF.pbkdf2_hmac(plain, salt: salt, iterations: Rails.env.test? ? 1_000 : ITERATIONS,
                                    length: 32, hash: "sha256").unpack1("H*")
  end

  private

  def password_given
    errors.add(:password, "is too short (minimum is 8 characters)") if password_hash.blank? || (@password && @password.length < 8)
  end
end
