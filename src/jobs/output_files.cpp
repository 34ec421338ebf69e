#include "jobs/output_files.h"

#include <filesystem>

#include "core/error.h"

namespace lq::jobs {

OutputFiles::OutputFiles(const std::vector<std::string>& paths) {
  for (size_t i = 0; i < paths.size(); ++i)
    for (size_t k = 0; k < i; ++k)
      if (!paths[i].empty() && paths[i] == paths[k]) fail(paths[i], "the outputs (JSON, Markdown, CSV) must be different files");
  for (const auto& p : paths) files_.push_back(p.empty() ? nullptr : std::make_unique<AtomicFile>(p, true));
}

void OutputFiles::write(size_t i, const std::string& text) {
  if (files_.at(i)) files_[i]->stream() << text;
}

void OutputFiles::commit() {
  for (auto& f : files_)
    if (f && !f->stream().flush()) fail(f->path(), "write failed (disk full?)");
  for (auto& f : files_)
    if (f) f->commit();
}

std::string sibling_path(const std::string& path, const char* extension) {
  if (path.empty()) return "";
  return std::filesystem::path(path).replace_extension(extension).string();
}

}  // namespace lq::jobs
