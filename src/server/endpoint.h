// The monitoring endpoint of `sluice run` (config `metrics`): GET /metrics (Prometheus text),
// /health (200 while the process runs) and /ready (200 while every pipeline is prepared and
// running; 503 while starting, draining, or once any pipeline has finished).
//
// Thread-safety: Add/SetRunning/PipelineFinished from the run command's threads; the HTTP thread
// reads concurrently. The runners and the budget must outlive the endpoint.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/budget.h"
#include "pipeline/runner.h"
#include "server/http_server.h"

namespace sluice {

class MonitoringEndpoint {
 public:
  MonitoringEndpoint(const ByteBudget& budget, const std::atomic<bool>& stop)
      : budget_(budget), stop_(stop) {}
  ~MonitoringEndpoint() { Stop(); }

  // Starts listening unless `config.port` is 0 (then the endpoint only keeps state).
  Status Start(const MetricsConfig& config);
  void Stop();

  void Add(const Runner* runner);  // a prepared pipeline
  void SetRunning() { running_ = true; }
  void PipelineFinished() { ++finished_; }
  bool Ready() const { return running_ && !stop_ && finished_ == 0; }

  std::string Metrics() const;  // the /metrics page
  uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  const ByteBudget& budget_;
  const std::atomic<bool>& stop_;
  std::atomic<bool> running_{false};
  std::atomic<int> finished_{0};
  mutable std::mutex mu_;
  std::vector<const Runner*> runners_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace sluice
