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

// "1234.pb.gz" -> 1234; 0 for any other name.
pid_t PidOfFinishedFile(const std::string& name) {
  const size_t digits = name.size() - strlen(kSuffix);
  if (name.size() <= strlen(kSuffix) || name.compare(digits, std::string::npos, kSuffix) != 0) {
    return 0;
  }
  long pid = 0;
  for (size_t i = 0; i < digits; ++i) {
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
  std::vector<pid_t> pids;
  for (const std::string& name : names) {
    if (name == "." || name == "..") continue;
    if (const pid_t pid = PidOfFinishedFile(name); pid > 0) {
      pids.push_back(pid);
    } else if (name.find(".lcprof-root") == std::string::npos) {
      // The root's claim is left behind by a command that was killed; it
      // holds no samples. Anything else is a profile its process did not
      // finish writing.
      skipped->push_back("lcprof: left out '" + name +
                         "': an unfinished profile (its process died while writing it)");
    }
  }
  // The command first: the merged profile's first mapping, which pprof
  // names the profile after, is then the command's program.
  std::sort(pids.begin(), pids.end(), [command_pid](pid_t a, pid_t b) {
    return (a == command_pid) != (b == command_pid) ? a == command_pid : a < b;
  });
  std::vector<ProcessProfile> profiles;
  for (pid_t pid : pids) {
    ProcessProfile p;
    p.pid = pid;
    p.command = pid == command_pid;
    std::string why;
    if (!ReadProfileFile(path_ + "/" + std::to_string(pid) + kSuffix, &p.profile, &why)) {
      skipped->push_back("lcprof: left out the profile of process " + std::to_string(pid) + ": " +
                         why);
      continue;
    }
    collected_.push_back(pid);
    profiles.push_back(std::move(p));
  }
  return profiles;
}

int TreeDirectory::KeepBeside(const std::string& merged, std::vector<std::string>* failed) {
  int kept = 0;
  for (pid_t pid : collected_) {
    const std::string from = path_ + "/" + std::to_string(pid) + kSuffix;
    const std::string to = merged + "." + std::to_string(pid);
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
