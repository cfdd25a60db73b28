// The component registry: a new source is one file plus one line here.
#include "pipeline/source.h"

namespace sluice {

std::unique_ptr<Source> MakeFileSource(const PipelineConfig& cfg);
std::unique_ptr<Source> MakeStdinSource(const PipelineConfig& cfg);
std::unique_ptr<Source> MakeKafkaSource(const PipelineConfig& cfg);

const std::map<std::string, SourceFactory>& SourceRegistry() {
  static const std::map<std::string, SourceFactory> kSources = {
      {"file", MakeFileSource},
      {"stdin", MakeStdinSource},
      {"kafka", MakeKafkaSource},
  };
  return kSources;
}

}  // namespace sluice
