#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "app/commands.h"
#include "core/thread_name.h"
#include "pipeline/runner.h"
#include "server/endpoint.h"

namespace sluice {
namespace {

bool Selected(const std::vector<std::string>& only, const std::string& name) {
  if (only.empty()) return true;
  for (const auto& n : only)
    if (n == name) return true;
  return false;
}

std::string Human(double v) {
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace

int RunCommand(const Config& config, const RunOptions& options, const std::atomic<bool>& stop,
               const std::atomic<bool>& abort) {
  ByteBudget budget(static_cast<uint64_t>(config.memory_budget_bytes));
  std::vector<std::unique_ptr<Runner>> runners;
  // Declared after the runners and the budget it reads, so it stops first.
  MonitoringEndpoint endpoint(budget, stop);
  if (Status st = endpoint.Start(config.metrics); !st.ok()) {
    std::fprintf(stderr, "sluice: %s\n", st.message().c_str());
    return 1;
  }
  for (const auto& p : config.pipelines) {
    if (!Selected(options.only, p.name)) continue;
    auto r = std::make_unique<Runner>(p, budget, config.state_dir);
    Status st = r->Prepare();
    if (!st.ok()) {
      std::fprintf(stderr, "sluice: %s\n", st.message().c_str());
      return 1;
    }
    spdlog::info(
        "pipeline prepared pipeline={} source={} table={}.{} clickhouse={} url={}", p.name,
        p.source.type == "file" ? fmt::format("file({})", p.source.paths.size()) : p.source.type,
        p.sink.database, p.sink.table, r->server().version, p.sink.url);
    endpoint.Add(r.get());
    runners.push_back(std::move(r));
  }

  const auto started = std::chrono::steady_clock::now();
  std::vector<Status> results(runners.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < runners.size(); ++i)
    threads.emplace_back([&, i] {
      NameThisThread("read/" + runners[i]->config().name);
      results[i] = runners[i]->Run(stop, abort);
      endpoint.PipelineFinished();
    });
  endpoint.SetRunning();

  std::atomic<bool> finished{false};
  std::thread progress;
  if (options.progress) {
    progress = std::thread([&] {
      NameThisThread("progress");
      uint64_t last_inserted = 0;
      auto last = std::chrono::steady_clock::now();
      while (!finished) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        uint64_t read = 0, inserted = 0, dead = 0, retries = 0;
        for (const auto& r : runners) {
          read += r->stats().rows_read;
          inserted += r->stats().rows_inserted;
          dead += r->stats().rows_dead_lettered;
          retries += r->stats().retries;
        }
        auto now = std::chrono::steady_clock::now();
        const double dt = std::chrono::duration<double>(now - last).count();
        const double rate = dt > 0 ? static_cast<double>(inserted - last_inserted) / dt : 0;
        last = now;
        last_inserted = inserted;
        std::fprintf(
            stderr, "\r\033[Kread %s  inserted %s  dead-lettered %s  retries %llu  %s rows/s",
            Human(static_cast<double>(read)).c_str(), Human(static_cast<double>(inserted)).c_str(),
            Human(static_cast<double>(dead)).c_str(), static_cast<unsigned long long>(retries),
            Human(rate).c_str());
        std::fflush(stderr);
      }
      std::fprintf(stderr, "\r\033[K");
    });
  }
  for (auto& t : threads) t.join();
  finished = true;
  if (progress.joinable()) progress.join();

  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int exit_code = 0;
  std::printf("sluice run summary (%.2fs)\n", elapsed);
  std::printf("  %-16s %12s %12s %14s %9s %9s %12s  %s\n", "pipeline", "rows read", "inserted",
              "dead-lettered", "batches", "retries", "rows/s", "status");
  for (size_t i = 0; i < runners.size(); ++i) {
    const auto& s = runners[i]->stats();
    const Status& st = results[i];
    std::string status = st.ok() ? (s.rows_dead_lettered > 0 ? "ok, some rows dead-lettered" : "ok")
                                 : (st.code() == Code::kCancelled ? "aborted" : "FAILED");
    std::printf(
        "  %-16s %12llu %12llu %14llu %9llu %9llu %12.0f  %s\n", runners[i]->config().name.c_str(),
        static_cast<unsigned long long>(s.rows_read.load()),
        static_cast<unsigned long long>(s.rows_inserted.load()),
        static_cast<unsigned long long>(s.rows_dead_lettered.load()),
        static_cast<unsigned long long>(s.batches.load()),
        static_cast<unsigned long long>(s.retries.load()),
        elapsed > 0 ? static_cast<double>(s.rows_inserted.load()) / elapsed : 0.0, status.c_str());
    if (s.rows_dead_lettered > 0)
      std::printf("  %-16s dead-letter file: %s\n", "", runners[i]->dead_letter().path().c_str());
    if (runners[i]->config().source.type == "kafka") {
      const KafkaStats& k = s.kafka;
      std::printf(
          "  %-16s kafka: %llu offset commits (%llu refused, retried), %llu rebalances "
          "(%llu partitions assigned, %llu revoked), paused %.1fs\n",
          "", static_cast<unsigned long long>(k.commits.load()),
          static_cast<unsigned long long>(k.commit_failures.load()),
          static_cast<unsigned long long>(k.rebalances.load()),
          static_cast<unsigned long long>(k.assigned.load()),
          static_cast<unsigned long long>(k.revoked.load()),
          static_cast<double>(k.paused_ns.load()) / 1e9);
    }
    if (!st.ok()) {
      std::fprintf(stderr, "sluice: pipeline '%s': %s\n", runners[i]->config().name.c_str(),
                   st.message().c_str());
      exit_code = 1;
    } else if (s.rows_dead_lettered > 0 && exit_code == 0) {
      exit_code = 2;
    }
  }
  std::fflush(stdout);
  return exit_code;
}

}  // namespace sluice
