// The subcommands behind the CLI. Each returns the process exit status:
//   0  everything done (run: every row inserted)
//   1  error (bad config, unreachable server, permanent ClickHouse error)
//   2  run finished but some rows went to the dead-letter file / check found problems
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "config/config.h"

namespace sluice {

struct RunOptions {
  std::vector<std::string> only;  // pipeline names; empty = all
  bool progress = false;          // live progress line on stderr
};

int RunCommand(const Config& config, const RunOptions& options, const std::atomic<bool>& stop,
               const std::atomic<bool>& abort);
int CheckCommand(const Config& config, const std::vector<std::string>& only);

}  // namespace sluice
