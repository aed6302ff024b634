// Reads /proc/PID/maps into a list of memory mappings. Runs on the control
// path at profile-write time (never in a signal handler), so it allocates
// freely. Downstream: symbolizer.cc turns sampled addresses into mappings.
#include "profiler/base/proc_maps.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>

namespace lcprof {
namespace {

constexpr std::string_view kDeletedSuffix = " (deleted)";

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Splits off the next whitespace-delimited field of `*rest`; empty at the end.
std::string_view NextField(std::string_view* rest) {
  size_t i = 0;
  while (i < rest->size() && IsBlank((*rest)[i])) ++i;
  size_t j = i;
  while (j < rest->size() && !IsBlank((*rest)[j])) ++j;
  std::string_view field = rest->substr(i, j - i);
  rest->remove_prefix(j);
  return field;
}

// Parses all of `s` as a number in `base`; fails on empty input, trailing
// garbage or overflow.
template <typename T>
bool ParseWhole(std::string_view s, int base, T* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Format: "start-end perms offset major:minor inode [path]".
std::optional<MemoryMapping> ParseLine(std::string_view line) {
  MemoryMapping m;
  std::string_view rest = line;

  std::string_view range = NextField(&rest);
  size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  if (!ParseWhole(range.substr(0, dash), 16, &m.start)) return std::nullopt;
  if (!ParseWhole(range.substr(dash + 1), 16, &m.end)) return std::nullopt;
  if (m.end < m.start) return std::nullopt;

  std::string_view perms = NextField(&rest);
  if (perms.size() != 4) return std::nullopt;
  if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
      (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 'p' && perms[3] != 's')) {
    return std::nullopt;
  }
  m.readable = perms[0] == 'r';
  m.writable = perms[1] == 'w';
  m.executable = perms[2] == 'x';
  m.is_private = perms[3] == 'p';

  if (!ParseWhole(NextField(&rest), 16, &m.file_offset)) return std::nullopt;

  std::string_view dev = NextField(&rest);
  size_t colon = dev.find(':');
  uint32_t major = 0, minor = 0;
  if (colon == std::string_view::npos || !ParseWhole(dev.substr(0, colon), 16, &major) ||
      !ParseWhole(dev.substr(colon + 1), 16, &minor)) {
    return std::nullopt;
  }

  uint64_t inode = 0;
  if (!ParseWhole(NextField(&rest), 10, &inode)) return std::nullopt;

  // The path is everything after the whitespace that follows the inode, so
  // embedded (and trailing) spaces in file names survive.
  size_t i = 0;
  while (i < rest.size() && IsBlank(rest[i])) ++i;
  rest.remove_prefix(i);
  if (rest.size() > kDeletedSuffix.size() && rest.ends_with(kDeletedSuffix)) {
    rest.remove_suffix(kDeletedSuffix.size());
    m.deleted = true;
  }
  m.path.assign(rest);
  return m;
}

}  // namespace

std::vector<MemoryMapping> ParseProcMaps(std::string_view text) {
  std::vector<MemoryMapping> mappings;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (std::optional<MemoryMapping> m = ParseLine(line)) mappings.push_back(std::move(*m));
  }
  return mappings;
}

std::vector<MemoryMapping> ReadProcMaps(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  // /proc files report size 0, so read until EOF rather than trusting fstat.
  std::string text;
  char buf[16384];
  bool ok = true;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      ok = false;
      break;
    }
  }
  close(fd);
  if (!ok) return {};
  return ParseProcMaps(text);
}

}  // namespace lcprof
