// Parsing and lookup of perf maps; see perf_map.h.
#include "profiler/output/perf_map.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <numeric>
#include <set>

namespace lcprof {
namespace {

// Longer lines are skipped, so a file without line breaks cannot make the
// reader buffer all of it.
constexpr size_t kMaxLine = 64 * 1024;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Parses a hex number with an optional 0x/0X prefix at the start of `*text`
// and removes it; false when there are no digits or more than 64 bits.
bool TakeHex(std::string_view* text, uint64_t* value) {
  std::string_view t = *text;
  if (t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2);
  uint64_t v = 0;
  size_t digits = 0;
  for (; digits < t.size(); ++digits) {
    char c = t[digits];
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      break;
    }
    if (v >> 60 != 0) return false;  // a 17th significant digit
    v = v << 4 | d;
  }
  if (digits == 0) return false;
  *value = v;
  text->remove_prefix(text->size() - t.size() + digits);
  return true;
}

// Removes leading blanks; false when there were none.
bool TakeBlanks(std::string_view* text) {
  size_t n = 0;
  while (n < text->size() && IsBlank((*text)[n])) ++n;
  text->remove_prefix(n);
  return n > 0;
}

}  // namespace

std::string PerfMap::PathFor(pid_t pid) { return "/tmp/perf-" + std::to_string(pid) + ".map"; }

void PerfMap::AddLine(std::string_view line) {
  if (line.size() > kMaxLine) return;
  while (!line.empty() && (line.back() == '\r' || IsBlank(line.back()))) line.remove_suffix(1);
  TakeBlanks(&line);
  Entry e;
  if (!TakeHex(&line, &e.start) || !TakeBlanks(&line)) return;
  if (!TakeHex(&line, &e.size) || !TakeBlanks(&line)) return;
  if (e.size == 0 || e.start + e.size < e.start || line.empty()) return;
  e.name.assign(line);
  entries_.push_back(std::move(e));
}

// A sweep over all entry boundaries, as ElfSymbols builds its ranges: between
// two consecutive boundaries the set of covering entries is constant, and the
// range goes to the newest (highest index).
void PerfMap::BuildRanges() {
  // Range::entry is 32 bits; a map with more lines is cut (no real one nears it).
  if (entries_.size() > UINT32_MAX) entries_.resize(UINT32_MAX);
  const size_t n = entries_.size();
  auto end_of = [&](uint32_t i) { return entries_[i].start + entries_[i].size; };
  std::vector<uint64_t> points;
  points.reserve(2 * n);
  for (const Entry& e : entries_) {
    points.push_back(e.start);
    points.push_back(e.start + e.size);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  std::vector<uint32_t> by_start(n), by_end(n);
  std::iota(by_start.begin(), by_start.end(), 0u);
  std::iota(by_end.begin(), by_end.end(), 0u);
  std::sort(by_start.begin(), by_start.end(),
            [&](uint32_t a, uint32_t b) { return entries_[a].start < entries_[b].start; });
  std::sort(by_end.begin(), by_end.end(),
            [&](uint32_t a, uint32_t b) { return end_of(a) < end_of(b); });

  std::set<uint32_t> active;  // rbegin() is the newest covering entry
  size_t next_start = 0, next_end = 0;
  for (size_t p = 0; p + 1 < points.size(); ++p) {
    const uint64_t at = points[p];
    // An entry ending at or before `at` started strictly before it (sizes are
    // positive), so it was inserted at an earlier point.
    while (next_end < n && end_of(by_end[next_end]) <= at) active.erase(by_end[next_end++]);
    while (next_start < n && entries_[by_start[next_start]].start <= at) {
      active.insert(by_start[next_start++]);
    }
    if (active.empty()) continue;
    const uint32_t newest = *active.rbegin();
    if (!ranges_.empty() && ranges_.back().end == at && ranges_.back().entry == newest) {
      ranges_.back().end = points[p + 1];
    } else {
      ranges_.push_back(Range{at, points[p + 1], newest});
    }
  }
}

PerfMap PerfMap::Parse(std::string_view text) {
  PerfMap map;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    map.AddLine(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  }
  map.BuildRanges();
  return map;
}

PerfMap PerfMap::Read(const std::string& path) {
  // O_NONBLOCK: opening a FIFO planted at the path must not wait for a writer.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return PerfMap();
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0)) {
    close(fd);
    return PerfMap();
  }
  // Streamed in blocks: a long-running runtime's map can be large, and only
  // the parsed entries are kept. A runtime still appending while we read
  // leaves at most a cut last line, which fails to parse or names less.
  PerfMap map;
  std::string pending;    // an incomplete line carried to the next block
  bool too_long = false;  // the pending line passed kMaxLine: skip it whole
  char block[64 * 1024];
  for (;;) {
    ssize_t got = read(fd, block, sizeof block);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    std::string_view data(block, static_cast<size_t>(got));
    while (!data.empty()) {
      size_t eol = data.find('\n');
      std::string_view piece = data.substr(0, eol);
      if (!too_long && pending.size() + piece.size() > kMaxLine) {
        too_long = true;  // a name no runtime writes: junk, or not a map
        pending.clear();
      }
      if (!too_long) pending.append(piece);
      if (eol == std::string_view::npos) break;
      if (!too_long) map.AddLine(pending);
      pending.clear();
      too_long = false;
      data.remove_prefix(eol + 1);
    }
  }
  close(fd);
  if (!too_long && !pending.empty()) map.AddLine(pending);
  map.BuildRanges();
  return map;
}

const std::string* PerfMap::Lookup(uint64_t address) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                             [](uint64_t a, const Range& r) { return a < r.start; });
  if (it == ranges_.begin()) return nullptr;
  --it;
  if (address >= it->end) return nullptr;
  return &entries_[it->entry].name;
}

}  // namespace lcprof
