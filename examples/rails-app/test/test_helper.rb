ENV["RAILS_ENV"] ||= "test"
# The secret this app signs with and the host checks; the tests start the host with it.
ENV["BROKERX_JWT_SECRET"] ||= "rails-test-secret-0123456789abcdef"
require_relative "../config/environment"
require "rails/test_help"
require "tmpdir"
require "timeout"

# A real brokerx-host process (`--demo`: USD, ACME, the market ACME/USD) on a
# free loopback port with its own temporary data directory.
class HostProcess
  BIN = ENV.fetch("BROKERX_HOST_BIN") { File.expand_path("../../../target/debug/brokerx-host", __dir__) }

  attr_reader :url, :data_dir

  def initialize
    raise "build the host first: cargo build -p brokerx-host --bin brokerx-host (looked for #{BIN})" unless File.executable?(BIN)
    @data_dir = Dir.mktmpdir("brokerx-rails-")
  end

  # Starts on a free port the first time, on the same address after a restart.
  def start
    listen = @addr || "127.0.0.1:0"
    stdout = File.join(@data_dir, "stdout")
    File.write(stdout, "")
    @pid = Process.spawn({ "BROKERX_JWT_SECRET" => ENV.fetch("BROKERX_JWT_SECRET"), "RUST_LOG" => "warn" },
                         BIN, "--demo", "--data-dir", File.join(@data_dir, "data"), "--listen", listen,
                         out: stdout, err: File.join(@data_dir, "stderr"))
    Timeout.timeout(20) do
      sleep 0.05 until (line = File.read(stdout)[/^listening on (\S+)$/, 1])
      @addr = line
    end
    @url = "http://#{@addr}"
    self
  rescue Timeout::Error
    raise "brokerx-host did not start: #{File.read(File.join(@data_dir, 'stderr'))}"
  end

  # SIGKILL: nothing is flushed on the way out, so only what was durable survives.
  def kill
    stop("KILL")
  end

  def stop(signal = "TERM")
    return unless @pid
    Process.kill(signal, @pid)
    Process.wait(@pid)
  rescue Errno::ESRCH, Errno::ECHILD
    nil
  ensure
    @pid = nil
  end

  def cleanup
    stop
    FileUtils.remove_entry(@data_dir) if @data_dir && File.directory?(@data_dir)
  end
end

# Each test gets a fresh host, so account ids (user ids, reused after the
# transactional rollback) never meet an earlier test's state.
class HostIntegrationTest < ActionDispatch::IntegrationTest
  setup do
    @host = HostProcess.new.start
    @previous_url = Rails.configuration.x.brokerx.url
    Rails.configuration.x.brokerx.url = @host.url
  end

  teardown do
    Rails.configuration.x.brokerx.url = @previous_url
    @host&.cleanup
  end

  def sign_up(email)
    post "/api/users", params: { email: email, password: "correct horse battery" }, as: :json
    assert_response 201
    post "/api/login", params: { email: email, password: "correct horse battery" }, as: :json
    assert_response 200
    { id: json["id"], auth: { "Authorization" => "Bearer #{json['token']}" } }
  end

  def json = JSON.parse(response.body)

  def deposit(user, key, asset, amount)
    post "/api/deposits", params: { asset: asset, amount: amount }, as: :json,
                          headers: user[:auth].merge("Idempotency-Key" => key)
  end

  def place(user, **order)
    post "/api/orders", params: order, as: :json, headers: user[:auth]
  end

  def balances(user)
    get "/api/balances", headers: user[:auth]
    assert_response 200
    json["balances"].index_by { |b| b["asset"] }
  end
end
