// The component registry: a new source or transform is one file plus one line here.
#include "pipeline/source.h"
#include "pipeline/transform.h"

namespace sluice {

std::unique_ptr<Source> MakeFileSource(const PipelineConfig& cfg);
std::unique_ptr<Source> MakeStdinSource(const PipelineConfig& cfg);
std::unique_ptr<Source> MakeKafkaSource(const PipelineConfig& cfg);
std::unique_ptr<Transform> MakeFilterTransform(const TransformConfig&, const TransformContext&);
std::unique_ptr<Transform> MakeMapTransform(const TransformConfig&, const TransformContext&);
std::unique_ptr<Transform> MakeEnrichTransform(const TransformConfig&, const TransformContext&);
std::unique_ptr<Transform> MakeDedupTransform(const TransformConfig&, const TransformContext&);

const std::map<std::string, SourceFactory>& SourceRegistry() {
  static const std::map<std::string, SourceFactory> kSources = {
      {"file", MakeFileSource},
      {"stdin", MakeStdinSource},
      {"kafka", MakeKafkaSource},
  };
  return kSources;
}

const std::map<std::string, TransformFactory>& TransformRegistry() {
  static const std::map<std::string, TransformFactory> kTransforms = {
      {"filter", MakeFilterTransform},
      {"map", MakeMapTransform},
      {"enrich", MakeEnrichTransform},
      {"dedup", MakeDedupTransform},
  };
  return kTransforms;
}

}  // namespace sluice
