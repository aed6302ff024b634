// A recorded tree's profile files; see tree_profiles.h.
#include "tools/tree_profiles.h"

#include <dirent.h>
#include <fcntl.h>
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <tuple>

namespace lcprof::tools {
namespace {

constexpr const char* kSuffix = ".pb.gz";

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

std::string TempPathFor(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + base + ".lcprof-tmp." + std::to_string(getpid());
}

// "1234.pb.gz" -> 1234, and "1234.pb.gz.exec2" (an earlier image of 1234,
// profile_file.h) -> 1234 with *image 2 (0 for the last image); pid 0 for
// any other name.
pid_t PidOfFinishedFile(const std::string& name, int* image) {
  const size_t suffix = name.find(kSuffix);
  if (suffix == 0 || suffix == std::string::npos) return 0;
  *image = 0;
  const std::string rest = name.substr(suffix + strlen(kSuffix));
  if (!rest.empty()) {
    if (rest.rfind(".exec", 0) != 0 || rest.size() == 5 || rest.size() > 9) return 0;
    for (size_t i = 5; i < rest.size(); ++i) {
      if (rest[i] < '0' || rest[i] > '9') return 0;
      *image = *image * 10 + (rest[i] - '0');
    }
    if (*image == 0) return 0;
  }
  long pid = 0;
  for (size_t i = 0; i < suffix; ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > INT_MAX / 10) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return static_cast<pid_t>(pid);
}

bool CopyFile(const std::string& from, const std::string& to, std::string* why) {
  const int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return *why = strerror(errno), false;
  const int out = open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    *why = strerror(errno);
    close(in);
    return false;
  }
  char buf[1 << 16];
  bool ok = true;
  for (ssize_t n; ok && (n = read(in, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
    }
    for (ssize_t done = 0; ok && done < n;) {
      const ssize_t w = write(out, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno != EINTR) ok = false;
      if (w > 0) done += w;
    }
  }
  if (close(out) != 0) ok = false;
  if (!ok) *why = strerror(errno);
  close(in);
  return ok;
}

}  // namespace

bool ReadProfileFile(const std::string& path, perftools::profiles::Profile* profile,
                     std::string* why) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return *why = strerror(errno), false;
  bool ok;
  {
    google::protobuf::io::FileInputStream file(fd);
    google::protobuf::io::GzipInputStream gzip(&file);
    ok = profile->ParseFromZeroCopyStream(&gzip);
  }
  close(fd);
  if (!ok) return *why = "not a complete gzipped pprof profile", false;
  return ProfileIsConsistent(*profile, why);
}

bool WriteProfileFile(const perftools::profiles::Profile& profile, const std::string& path,
                      std::string* why) {
  const std::string tmp = TempPathFor(path);
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return *why = "cannot create '" + tmp + "': " + strerror(errno), false;
  bool ok;
  {
    google::protobuf::io::FileOutputStream file(fd);
    google::protobuf::io::GzipOutputStream gzip(&file);
    ok = profile.SerializeToZeroCopyStream(&gzip) && gzip.Close() && file.Flush();
    if (!ok) *why = "cannot write '" + tmp + "': " + strerror(file.GetErrno());
  }
  if (close(fd) != 0 && ok) {
    *why = "cannot write '" + tmp + "': " + strerror(errno);
    ok = false;
  }
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) {
    *why = "cannot rename '" + tmp + "' to '" + path + "': " + strerror(errno);
    ok = false;
  }
  if (!ok) unlink(tmp.c_str());
  return ok;
}

bool CanCreateBeside(const std::string& path, std::string* why) {
  const std::string tmp = TempPathFor(path);
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    *why = "cannot create files in '" + DirectoryOf(path) + "': " + strerror(errno);
    return false;
  }
  close(fd);
  unlink(tmp.c_str());
  return true;
}

void TreeDirectory::Remove() {
  if (path_.empty()) return;
  if (DIR* d = opendir(path_.c_str()); d != nullptr) {
    while (dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
        unlinkat(dirfd(d), e->d_name, 0);
      }
    }
    closedir(d);
  }
  rmdir(path_.c_str());
  path_.clear();
}

bool TreeDirectory::Create(std::string* why) {
  const char* tmpdir = getenv("TMPDIR");
  std::string base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  std::string templ = base + "/lcprof-record.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    *why = "cannot create a directory in '" + base + "' (TMPDIR): " + strerror(errno);
    return false;
  }
  // Absolute: a process of the tree may change its directory before it writes.
  char* real = realpath(templ.c_str(), nullptr);
  path_ = real != nullptr ? real : templ;
  free(real);
  return true;
}

std::string TreeDirectory::OutputPattern() const { return path_ + "/%p" + kSuffix; }

std::vector<ProcessProfile> TreeDirectory::Collect(pid_t command_pid,
                                                   std::vector<std::string>* skipped) {
  std::vector<std::string> names;
  if (DIR* d = opendir(path_.c_str()); d != nullptr) {
    while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
    closedir(d);
  }
  struct Found {
    pid_t pid;
    int image;  // 0: the process's last image; n: the one it set aside as .exec<n>
    std::string name;
  };
  std::vector<Found> found;
  for (const std::string& name : names) {
    if (name == "." || name == "..") continue;
    int image = 0;
    if (const pid_t pid = PidOfFinishedFile(name, &image); pid > 0) {
      found.push_back({pid, image, name});
    } else if (name.find(".lcprof-root") == std::string::npos &&
               name.find(".lcprof-exec.") == std::string::npos) {
      // The root's claim is left behind by a command that was killed, an
      // exec marker by an image that was not profiled; neither holds
      // samples. Anything else is a profile its process did not finish
      // writing.
      skipped->push_back("lcprof: left out '" + name +
                         "': an unfinished profile (its process died while writing it)");
    }
  }
  // The command first, its last image first of all: the merged profile's
  // first mapping, which pprof names the profile after, is then the
  // command's program. Earlier images follow in exec order.
  auto rank = [command_pid](const Found& f) {
    return std::tuple(f.pid != command_pid, f.pid, f.image != 0, f.image);
  };
  std::sort(found.begin(), found.end(),
            [&rank](const Found& a, const Found& b) { return rank(a) < rank(b); });
  std::vector<ProcessProfile> profiles;
  for (const Found& f : found) {
    ProcessProfile p;
    p.pid = f.pid;
    p.command = f.pid == command_pid;
    std::string why;
    if (!ReadProfileFile(path_ + "/" + f.name, &p.profile, &why)) {
      skipped->push_back("lcprof: left out the profile of process " + std::to_string(f.pid) + ": " +
                         why);
      continue;
    }
    collected_.push_back(f.name);
    profiles.push_back(std::move(p));
  }
  return profiles;
}

int TreeDirectory::KeepBeside(const std::string& merged, std::vector<std::string>* failed) {
  int kept = 0;
  for (const std::string& name : collected_) {
    // "<pid>.pb.gz[.exec<n>]" -> "<merged>.<pid>[.exec<n>]"
    const size_t suffix = name.find(kSuffix);
    const std::string from = path_ + "/" + name;
    const std::string to =
        merged + "." + name.substr(0, suffix) + name.substr(suffix + strlen(kSuffix));
    std::string why;
    // Across file systems (TMPDIR on tmpfs) rename fails with EXDEV: copy.
    if (rename(from.c_str(), to.c_str()) == 0 || (errno == EXDEV && CopyFile(from, to, &why))) {
      ++kept;
    } else {
      if (why.empty()) why = strerror(errno);
      failed->push_back("lcprof: cannot keep '" + to + "': " + why);
    }
  }
  return kept;
}

}  // namespace lcprof::tools
