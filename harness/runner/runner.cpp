#include "harness/runner/runner.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iomanip>
#include <random>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "harness/load/load_generator.hpp"
#include "harness/load/scenario_message_factory.hpp"
#include "harness/log/log.hpp"
#include "harness/log/timestamp.hpp"
#include "harness/runner/dashboard.hpp"
#include "harness/runner/recorder.hpp"
#include "harness/runner/report_builder.hpp"
#include "harness/runner/run_world.hpp"
#include "reports/report_writers.hpp"

namespace relaylab::runner {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto tick = std::chrono::milliseconds(100);
constexpr double snapshot_interval_s = 1.0;
// With the builtin relay, the drain ends early once its queue stayed empty and nothing arrived
// for this long: nothing more can come.
constexpr double quiet_drain_s = 2.0;

std::atomic<int> interrupted{0};
extern "C" void on_interrupt(int signal) {
    interrupted.store(signal);
}

// Records each message's recipients as the generator takes it.
class RecordingFactory : public load::MessageFactory {
  public:
    RecordingFactory(std::shared_ptr<load::MessageFactory> inner, Recorder& recorder)
        : inner_(std::move(inner)), recorder_(recorder) {}
    load::GeneratedMessage make(std::uint64_t n) override {
        load::GeneratedMessage message = inner_->make(n);
        recorder_.on_message_made(n, message.recipients);
        return message;
    }

  private:
    std::shared_ptr<load::MessageFactory> inner_;
    Recorder& recorder_;
};

// One TCP connect to `endpoint`, bounded: empty when it was accepted, else why not.
std::string connect_once(const boost::asio::ip::tcp::endpoint& endpoint,
                         std::chrono::milliseconds timeout) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code result = boost::asio::error::timed_out;
    socket.async_connect(endpoint, [&](const boost::system::error_code& error) { result = error; });
    io.run_for(timeout);
    return result ? result.message() : std::string();
}

// An external relay must take a connection before the traffic starts: a shard whose pod starts
// before the receivers are ready waits up to `wait` for them (every 500 ms) instead of burning
// its messages as failures, and a relay that is not there ends the run at once (exit 3).
std::string wait_for_relay(const boost::asio::ip::tcp::endpoint& endpoint,
                           std::chrono::milliseconds wait) {
    const auto deadline = Clock::now() + wait;
    while (true) {
        std::string why = connect_once(endpoint, std::chrono::seconds(10));
        if (why.empty() || Clock::now() + std::chrono::milliseconds(500) > deadline ||
            interrupted.load() != 0)
            return why;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

std::string new_run_id() {
    std::random_device device;
    std::ostringstream out;
    out << 'r' << std::hex << std::setw(8) << std::setfill('0') << (device() & 0xffffffffu);
    return out.str();
}

std::filesystem::path make_work_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "relaylab-run-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
        throw WorldError("cannot make a work folder " + pattern + ": " + std::strerror(errno));
    return pattern;
}

load::LoadPlan make_plan(const scenario::Scenario& scenario, const RunWorld& world) {
    const load::TrafficModel& traffic = scenario.traffic;
    load::LoadPlan plan;
    plan.endpoints = {world.submission_endpoint()};
    plan.count = traffic.count.value_or(UINT64_MAX);
    plan.duration = traffic.duration;
    plan.concurrency = traffic.concurrency;
    if (traffic.arrivals != load::Arrivals::closed_loop) plan.rate = traffic.rate;
    plan.poisson = traffic.arrivals == load::Arrivals::poisson;
    plan.seed = traffic.seed;
    plan.ramp_up = traffic.ramp_up;
    plan.messages_per_connection = traffic.messages_per_connection;
    plan.connection.timeouts.every_phase = std::chrono::seconds(120);
    plan.connection.session.helo_name = "loadgen.relaylab.test";
    if (scenario.relay.kind == scenario::RelayKind::external) {
        const scenario::ExternalRelay& external = scenario.relay.external;
        if (external.tls != scenario::SubmitTls::none) {
            plan.connection.tls = net::make_client_context("", net::TlsVersions::any);
            plan.connection.sni = external.host;
            if (external.tls == scenario::SubmitTls::starttls)
                plan.connection.session.starttls = smtp::TlsMode::required;
            else
                plan.connection.session.implicit_tls = true;
        }
        if (external.auth) {
            smtp::Credentials credentials;
            credentials.username = external.auth->name;
            credentials.password = external.auth->password;
            plan.connection.session.auth = credentials;
        }
    }
    return plan;
}

ProgressSnapshot progress_of(const RecorderCounts& counts, const scenario::Scenario& scenario,
                             double elapsed_s, const std::string& phase,
                             const RecorderCounts& previous, double interval_s,
                             const std::optional<ShardSpec>& shard) {
    ProgressSnapshot snapshot;
    snapshot.elapsed_s = elapsed_s;
    snapshot.phase = phase;
    snapshot.planned = scenario.traffic.count;
    if (shard && snapshot.planned)
        snapshot.planned = shard_message_count(*snapshot.planned, *shard);
    if (scenario.traffic.duration)
        snapshot.planned_duration_s =
            std::chrono::duration<double>(*scenario.traffic.duration).count();
    snapshot.submitted = counts.submitted;
    snapshot.accepted = counts.accepted;
    snapshot.rejected = counts.rejected;
    snapshot.delivered = counts.delivered;
    snapshot.deferred = counts.deferred;
    snapshot.bounced = counts.bounced;
    if (interval_s > 0) {
        snapshot.submit_rate =
            static_cast<double>(counts.submitted - previous.submitted) / interval_s;
        snapshot.delivered_rate =
            static_cast<double>(counts.delivered - previous.delivered) / interval_s;
    }
    return snapshot;
}

void write_reports(const nlohmann::json& report, const std::filesystem::path& dir) {
    reports::write_report_file(dir, "report.json", report.dump(2) + "\n");
    reports::write_report_file(dir, "report.html", reports::render_html(report));
    reports::write_report_file(dir, "junit.xml", reports::render_junit(report));
}

void tls_level_of(const load::LoadTotals& totals, nlohmann::json& out) {
    out = nlohmann::json::object();
    std::uint64_t with_tls = 0;
    for (const auto& [version, count] : totals.tls_versions) {
        out[version] = count;
        with_tls += count;
    }
    if (totals.connections > with_tls) out["none"] = totals.connections - with_tls;
}

}  // namespace

RunResult run_scenario(const scenario::Scenario& scenario, const RunOptions& options,
                       std::ostream& status) {
    RunResult result;
    result.report_dir = options.report_dir;
    RunFacts facts;
    facts.run_id = !options.run_id.empty() ? options.run_id
                   : options.shard         ? derived_run_id(options.scenario_digest)
                                           : new_run_id();
    facts.relay_kind = scenario.relay.kind == scenario::RelayKind::builtin ? "builtin" : "external";
    const auto wall_start = std::chrono::system_clock::now();
    facts.started_at = log::format_rfc3339_ms(wall_start);
    facts.send_only = options.send_only;
    if (options.shard) {
        const ShardSpec& shard = *options.shard;
        const auto& count = scenario.traffic.count;
        facts.shard = {
            {"index", shard.index},
            {"count", shard.count},
            {"role", options.send_only ? "generator" : "full"},
            {"scenario_digest", options.scenario_digest},
            {"numbers",
             {{"first", shard.index + 1},
              {"stride", shard.count},
              {"planned", count ? nlohmann::json(shard_message_count(*count, shard)) : nullptr},
              {"planned_total", count ? nlohmann::json(*count) : nullptr}}},
            {"started_at_unix_ms",
             std::chrono::duration_cast<std::chrono::milliseconds>(wall_start.time_since_epoch())
                 .count()},
        };
    }
    const Clock::time_point start = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

    RecorderConfig recorder_config;
    recorder_config.run_id = facts.run_id;
    recorder_config.start = start;
    recorder_config.open_loop = scenario.traffic.arrivals != load::Arrivals::closed_loop;
    for (const auto& host : scenario.world.mx)
        recorder_config.host_domains[host.name] = host.domains;
    if (uses_deliverability(scenario)) {
        DeliverabilityConfig deliverability;
        deliverability.host_domains = recorder_config.host_domains;
        // Only simulated people unsubscribe: without them there is nothing to join arrivals
        // with, and a large run keeps no per-arrival memory.
        deliverability.track_arrivals = scenario.world.recipients.has_value();
        recorder_config.deliverability = std::move(deliverability);
    }
    Recorder recorder(recorder_config);

    std::filesystem::path work_dir;
    std::unique_ptr<RunWorld> world;
    std::unique_ptr<Dashboard> dashboard;
    // report.json's `deliverability` from the recorder, the relay's engagement counters and
    // the simulated recipients' truth (final once RunWorld::finish_recipients returned).
    auto deliverability_now = [&] {
        DeliverabilityInputs inputs;
        inputs.wall_start = wall_start;
        if (world) inputs.relay_engagement = world->relay_engagement();
        const placement::RecipientSimulator* simulator = world ? world->recipients() : nullptr;
        if (simulator) {
            inputs.truth = simulator->truth();
            inputs.unsubscribed = simulator->unsubscribed();
        }
        nlohmann::json section = recorder.deliverability(inputs);
        if (!section.is_null() && simulator) section["recipients"] = simulator->to_json();
        return section;
    };
    ProgressPrinter progress(status, options.progress, 5, options.terminal_width);
    auto finish = [&](nlohmann::json report) {
        bool passed = judge_expectations(scenario, report);
        result.exit_code = !report["error"].is_null() ? 3 : passed || options.shard ? 0 : 1;
        if (options.shard) report["shard"].update(recorder.shard_measures());
        try {
            write_reports(report, options.report_dir);
        } catch (const std::exception& e) {
            status << "relaylab run: " << e.what() << std::endl;
            result.exit_code = 3;
        }
        if (dashboard) dashboard->finish(report);
        result.report = std::move(report);
        if (options.keep_work_dir && !work_dir.empty()) {
            status << "work folder kept: " << work_dir.string() << std::endl;
        } else if (!work_dir.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(work_dir, ignored);
        }
        return result;
    };

    try {
        work_dir = make_work_dir();
        world = std::make_unique<RunWorld>(
            scenario, work_dir,
            [&recorder](const fakemx::ReceiverEvent& event) { recorder.on_receiver(event); });
        world->start();
    } catch (const std::exception& e) {
        facts.error = std::string("the world did not start: ") + e.what();
        facts.duration_s = elapsed();
        if (world) world->stop();
        return finish(build_report(scenario, facts, recorder.measured(elapsed())));
    }
    facts.relay_address = world->relay_address();
    facts.world = world->describe();
    if (scenario.relay.kind == scenario::RelayKind::external) {
        std::string why = wait_for_relay(world->submission_endpoint(), options.relay_wait);
        if (!why.empty()) {
            facts.error = "could not reach the relay at " + facts.relay_address + ": " + why;
            facts.duration_s = elapsed();
            world->stop();
            return finish(build_report(scenario, facts, recorder.measured(elapsed())));
        }
    }
    status << "relaylab run: " << scenario.name << " (run " << facts.run_id;
    if (options.shard)
        status << ", shard " << options.shard->index << "/" << options.shard->count
               << (options.send_only ? ", send only" : "");
    status << "), relay " << facts.relay_kind << " at " << facts.relay_address << ", DNS "
           << facts.world.value("dns", "") << std::endl;

    if (options.dashboard) {
        try {
            dashboard = std::make_unique<Dashboard>(
                DashboardConfig{options.dashboard->first, options.dashboard->second});
            dashboard->start();
            status << "dashboard on " << dashboard->url() << std::endl;
            // Something to show from the first second: the run, its world, no counts yet.
            RunFacts live = facts;
            dashboard->publish(build_report(scenario, live, recorder.measured(elapsed())));
        } catch (const std::exception& e) {
            world->stop();
            facts.error = std::string("the dashboard did not start: ") + e.what();
            return finish(build_report(scenario, facts, recorder.measured(elapsed())));
        }
    }

    load::TrafficModel traffic = scenario.traffic;
    traffic.run_id = facts.run_id;  // the tracking ids the recorder looks for
    auto factory = std::make_shared<RecordingFactory>(
        std::make_shared<load::ScenarioMessageFactory>(std::move(traffic)), recorder);
    boost::asio::io_context io;
    load::LoadPlan plan = make_plan(scenario, *world);
    if (options.shard) {
        plan.shard = {options.shard->index, options.shard->count};
        plan.concurrency = shard_concurrency(scenario.traffic.concurrency, *options.shard);
    }
    load::LoadGenerator generator(
        io.get_executor(), std::move(plan), factory,
        [&recorder](const load::MessageEvent& event) { recorder.on_submission(event); });
    std::atomic<bool> generator_done{false};
    load::LoadTotals load_totals;
    generator.start([&](const load::LoadTotals& totals) {
        load_totals = totals;
        generator_done = true;
    });
    std::thread load_thread([&io] { io.run(); });

    interrupted = 0;
    auto old_int = std::signal(SIGINT, on_interrupt);
    auto old_term = std::signal(SIGTERM, on_interrupt);

    std::string phase = "sending";
    RecorderCounts previous;
    double last_snapshot = 0;
    double drain_started = 0;
    double quiet_since = -1;
    std::uint64_t last_arrivals = 0;
    const double drain_timeout =
        options.send_only ? 0 : std::chrono::duration<double>(scenario.drain.timeout).count();
    while (true) {
        std::this_thread::sleep_for(tick);
        const double now = elapsed();
        if (interrupted.load() != 0 && !facts.error) {
            facts.error = "interrupted by signal " + std::to_string(interrupted.load());
            generator.cancel();
        }
        RecorderCounts counts = recorder.counts();
        if (phase == "sending" && generator_done) {
            phase = "draining";
            drain_started = now;
        }
        if (phase == "draining") {
            bool all_done = counts.unaccounted() == 0;
            auto depth = world->relay_queue_depth();
            if (depth && *depth == 0 && counts.arrivals == last_arrivals) {
                if (quiet_since < 0) quiet_since = now;
            } else {
                quiet_since = -1;
            }
            last_arrivals = counts.arrivals;
            bool quiet = quiet_since >= 0 && now - quiet_since >= quiet_drain_s;
            if (all_done || quiet || now - drain_started >= drain_timeout || facts.error) break;
        } else if (facts.error && generator_done) {
            break;
        }
        if (now - last_snapshot >= snapshot_interval_s) {
            progress.update(progress_of(counts, scenario, now, phase, previous, now - last_snapshot,
                                        options.shard));
            if (dashboard) {
                RunFacts live = facts;
                live.duration_s = now;
                live.relay_queue_depth = world->relay_queue_depth();
                live.relay_stats = world->relay_stats();
                live.deliverability = deliverability_now();
                nlohmann::json snapshot = build_report(scenario, live, recorder.measured(now));
                judge_expectations(scenario, snapshot);
                dashboard->publish(snapshot);
            }
            previous = counts;
            last_snapshot = now;
        }
    }
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
    generator.cancel();
    load_thread.join();

    // The simulated recipients finish their opens, clicks and unsubscribes while the relay's
    // endpoints still answer; then the relay's counters are final.
    world->finish_recipients();
    facts.relay_queue_depth = world->relay_queue_depth();
    facts.relay_stats = world->relay_stats();
    facts.deliverability = deliverability_now();
    facts.duration_s = elapsed();
    world->stop();
    tls_level_of(load_totals, facts.submission_tls);
    RecorderCounts counts = recorder.counts();
    // Not one message in, and connections refused: the relay under test is not there (a
    // relay that refuses every message is a result, not a broken run).
    if (!facts.error && counts.accepted == 0 && load_totals.connect_failures > 0)
        facts.error =
            "could not reach the relay at " + facts.relay_address + ": " + load_totals.first_error;
    progress.finish(progress_of(counts, scenario, facts.duration_s, "done", previous,
                                facts.duration_s - last_snapshot, options.shard));
    return finish(build_report(scenario, facts, recorder.measured(facts.duration_s)));
}

}  // namespace relaylab::runner
