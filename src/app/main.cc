// sluice — event streams into ClickHouse, correctly and fast.
//
//   sluice run CONFIG     ingest until the input ends (or SIGINT/SIGTERM), then print a summary
//   sluice check CONFIG   validate, connect, show the field → column mapping, exit non-zero on
//                         any problem
//   sluice config-reference   print every configuration key (Markdown)
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <malloc.h>

#include <csignal>
#include <thread>

#include "app/commands.h"
#include "config/config.h"

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_abort{false};

void OnSignal(int) {
  // First signal: stop reading, flush, acknowledge. Second: give up on unconfirmed batches.
  if (g_stop.exchange(true)) g_abort = true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sluice: moves event streams into ClickHouse, exactly and fast"};
  app.require_subcommand(1);
  std::string config_path;
  std::string log_level;
  std::vector<std::string> only;
  bool no_progress = false;

  auto* run = app.add_subcommand("run", "ingest every pipeline of CONFIG");
  run->add_option("config", config_path, "YAML configuration file")->required();
  run->add_option("--pipeline", only, "run only these pipelines");
  run->add_flag("--no-progress", no_progress, "no live progress line");
  run->add_option("--log-level", log_level, "trace|debug|info|warn|error (overrides config)");

  auto* check = app.add_subcommand("check", "validate CONFIG, connect, and show the mapping");
  check->add_option("config", config_path, "YAML configuration file")->required();
  check->add_option("--pipeline", only, "check only these pipelines");

  app.add_subcommand("config-reference", "print every configuration key as Markdown");

  CLI11_PARSE(app, argc, argv);

  // Batches are large and similar in size: keep freed memory in the heap for the next one instead
  // of returning it to the kernel and faulting fresh zeroed pages in again.
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);

  auto logger = spdlog::stderr_color_mt("sluice");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  if (app.got_subcommand("config-reference")) {
    std::fputs(sluice::ConfigReference().c_str(), stdout);
    return 0;
  }

  auto config = sluice::LoadConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "sluice: invalid configuration %s:\n%s\n", config_path.c_str(),
                 config.status().message().c_str());
    return 1;
  }
  const std::string level = log_level.empty() ? config->log_level : log_level;
  spdlog::set_level(spdlog::level::from_str(level));
  for (const auto& name : only) {
    bool found = false;
    for (const auto& p : config->pipelines) found |= p.name == name;
    if (!found) {
      std::fprintf(stderr, "sluice: no pipeline named '%s' in %s\n", name.c_str(),
                   config_path.c_str());
      return 1;
    }
  }

  if (app.got_subcommand("check")) return sluice::CheckCommand(*config, only);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  sluice::RunOptions ro;
  ro.only = only;
  ro.progress = !no_progress && isatty(STDERR_FILENO);
  return sluice::RunCommand(*config, ro, g_stop, g_abort);
}
