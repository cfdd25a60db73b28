#include "server/endpoint.h"

#include <spdlog/spdlog.h>

#include "server/metrics.h"

namespace sluice {

Status MonitoringEndpoint::Start(const MetricsConfig& config) {
  if (config.port == 0) return Status::Ok();
  std::map<std::string, HttpServer::Handler> routes;
  routes["/metrics"] = [this] { return HttpReply{200, kMetricsContentType, Metrics()}; };
  routes["/health"] = [] { return HttpReply{200, "text/plain; charset=utf-8", "ok\n"}; };
  routes["/ready"] = [this] {
    if (Ready()) return HttpReply{200, "text/plain; charset=utf-8", "ready\n"};
    const char* why = !running_ ? "starting" : "draining";
    return HttpReply{503, "text/plain; charset=utf-8", fmt::format("not ready: {}\n", why)};
  };
  auto server = HttpServer::Start(config.address, static_cast<uint16_t>(config.port), routes);
  if (!server.ok()) return server.status().Context("metrics");
  server_ = std::move(server).value();
  spdlog::info("metrics endpoint listening address={} port={} paths=/metrics,/health,/ready",
               config.address, server_->port());
  return Status::Ok();
}

void MonitoringEndpoint::Stop() {
  if (server_) server_->Stop();
}

void MonitoringEndpoint::Add(const Runner* runner) {
  std::lock_guard lock(mu_);
  runners_.push_back(runner);
}

std::string MonitoringEndpoint::Metrics() const {
  ProcessMetrics process;
  process.ready = Ready();
  process.budget_used_bytes = budget_.used();
  process.budget_limit_bytes = budget_.limit();
  process.budget_wait_seconds = static_cast<double>(budget_.waited_ns()) / 1e9;
  std::vector<PipelineMetrics> pipelines;
  {
    std::lock_guard lock(mu_);
    for (const Runner* r : runners_)
      pipelines.push_back(PipelineMetrics{r->config().name, &r->stats(), r->QueuedPieces()});
  }
  return RenderMetrics(process, pipelines);
}

}  // namespace sluice
