#include "pipeline/dead_letter.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

namespace sluice {

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else if (c < 0x80) {
          out.push_back(static_cast<char>(c));
        } else {
          // Copy a valid UTF-8 sequence whole; escape stray bytes.
          int len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
          bool valid = len > 0 && i + len <= s.size();
          for (int k = 1; valid && k < len; ++k)
            valid = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
          if (valid) {
            out.append(s.substr(i, len));
            i += len - 1;
          } else {
            out += fmt::format("\\u{:04x}", c);
          }
        }
    }
  }
  out.push_back('"');
}

DeadLetter::~DeadLetter() {
  if (f_ != nullptr) std::fclose(f_);
}

Status DeadLetter::Open(const std::string& path, std::string pipeline) {
  std::lock_guard lock(mu_);
  path_ = path;
  pipeline_ = std::move(pipeline);
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  f_ = std::fopen(path.c_str(), "ab");
  if (f_ == nullptr)
    return IoError(fmt::format("cannot open dead-letter file {}: {}", path, std::strerror(errno)));
  return Status::Ok();
}

Status DeadLetter::Write(const SourceLabel& source, const RowOrigin& origin, std::string_view raw,
                         std::string_view reason) {
  std::string line;
  line.reserve(raw.size() + reason.size() + 160);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  line += fmt::format("{{\"time_ms\":{},\"pipeline\":", now);
  AppendJsonString(line, pipeline_);
  line += ",\"source\":";
  AppendJsonString(line, source.name);
  if (!source.fields.empty()) {
    line += ',';
    line += source.fields;
  }
  if (origin.line > 0) line += fmt::format(",\"line\":{}", origin.line);
  line += fmt::format(",\"offset\":{},\"reason\":", origin.position.value);
  AppendJsonString(line, reason);
  line += ",\"raw\":";
  AppendJsonString(line, raw);
  line += "}\n";
  std::lock_guard lock(mu_);
  if (f_ == nullptr) return Internal("dead-letter file is not open");
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size())
    return IoError(
        fmt::format("cannot write dead-letter file {}: {}", path_, std::strerror(errno)));
  count_.fetch_add(1);
  return Status::Ok();
}

Status DeadLetter::Sync() {
  std::lock_guard lock(mu_);
  if (f_ == nullptr) return Status::Ok();
  if (std::fflush(f_) != 0 || fsync(fileno(f_)) != 0)
    return IoError(fmt::format("cannot sync dead-letter file {}: {}", path_, std::strerror(errno)));
  return Status::Ok();
}

}  // namespace sluice
