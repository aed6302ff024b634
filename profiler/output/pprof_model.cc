// The string table of the profile model; see pprof_model.h.
#include "profiler/output/pprof_model.h"

#include <functional>

namespace lcprof::pprof {

size_t StringTable::Hash::operator()(std::string_view s) const {
  return std::hash<std::string_view>{}(s);
}

size_t StringTable::Hash::operator()(int64_t i) const {
  return (*this)(std::string_view((*table)[static_cast<size_t>(i)]));
}

StringTable::StringTable(std::vector<std::string>* table)
    : table_(table), index_(0, Hash{table}, Equal{table}) {
  Intern("");
}

int64_t StringTable::Intern(std::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return *it;
  const auto i = static_cast<int64_t>(table_->size());
  table_->emplace_back(s);
  index_.insert(i);
  return i;
}

}  // namespace lcprof::pprof
