// Safe creation of profile files; see profile_file.h.
#include "profiler/output/profile_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace lcprof {
namespace {

// How many fresh names are tried before giving up: each collision is a
// file someone else put there (a crashed run's leftover, or a planted one).
constexpr int kAttempts = 16;

std::string TempName(const std::string& path, uint64_t nonce) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  char suffix[48];
  snprintf(suffix, sizeof suffix, ".lcprof-tmp.%d.%016llx", static_cast<int>(getpid()),
           static_cast<unsigned long long>(nonce));
  return dir + "." + base + suffix;
}

// Unpredictable, so a name cannot be planted in advance; falls back to the
// clock and a counter if getrandom is unavailable (then O_EXCL still holds).
uint64_t Nonce(int attempt) {
  uint64_t n = 0;
  if (getrandom(&n, sizeof n, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof n)) {
    n = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&n)) * 0x9e3779b97f4a7c15ull;
    n ^= static_cast<uint64_t>(time(nullptr)) << 20;
  }
  return n + static_cast<uint64_t>(attempt);
}

std::string ExecMarkerName(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + base + ".lcprof-exec." + std::to_string(getpid());
}

}  // namespace

bool MarkProfileOfExecingImage(const std::string& path, std::string* error) {
  const std::string marker = ExecMarkerName(path);
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  unlink(marker.c_str());  // an earlier exec's, whose profile was not set aside
  if (symlink(base.c_str(), marker.c_str()) == 0) return true;
  *error = "cannot create '" + marker + "': " + strerror(errno);
  return false;
}

std::string SetAsideProfileOfEarlierImage(const std::string& path) {
  const std::string marker = ExecMarkerName(path);
  char target[8];
  if (readlink(marker.c_str(), target, sizeof target) < 0) return "";  // the usual case
  unlink(marker.c_str());
  // Names are taken in order, and only this process writes its own: the
  // first free one keeps the images in exec order.
  for (int n = 1; n < 1000; ++n) {
    const std::string aside = path + ".exec" + std::to_string(n);
    if (access(aside.c_str(), F_OK) == 0 || errno != ENOENT) continue;
    if (rename(path.c_str(), aside.c_str()) == 0) return aside;
    return "";
  }
  return "";
}

void KeepProfileOfEarlierImage(const std::string& path) { unlink(ExecMarkerName(path).c_str()); }

int CreateProfileTemp(const std::string& path, std::string* temp_path, std::string* error) {
  int err = EEXIST;
  for (int attempt = 0; attempt < kAttempts && err == EEXIST; ++attempt) {
    std::string name = TempName(path, Nonce(attempt));
    int fd = open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      *temp_path = std::move(name);
      return fd;
    }
    err = errno;
  }
  *error = strerror(err);
  return -1;
}

bool PublishProfileTemp(const std::string& temp_path, const std::string& path, std::string* error) {
  // The old file goes before the rename, not by it: replacing a file by
  // rename makes ext4 (auto_da_alloc) start writeback of the new one and free
  // the old one's blocks at once, which on this machine's discard-mounted
  // disk cost 1.5-3.9 ms per write, against 0.1-0.16 ms for unlink then
  // rename (docs/benchmarks.md, "Process start"). A reader may miss the file
  // between the two calls; it never sees a partial one. (unlink removes a
  // symlink planted at `path`, never what it points to.)
  unlink(path.c_str());
  if (rename(temp_path.c_str(), path.c_str()) == 0) return true;
  *error = "cannot rename '" + temp_path + "' to '" + path + "': " + strerror(errno);
  unlink(temp_path.c_str());
  return false;
}

}  // namespace lcprof
