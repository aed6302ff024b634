// Creating a profile file safely. lcprof writes where an environment
// variable says, possibly in a directory others can write (/tmp), so:
//  - the data goes to a new file made beside the target with
//    O_CREAT|O_EXCL|O_NOFOLLOW under a fresh name: a file or symlink
//    planted at any name is never opened, truncated or followed;
//  - its mode is 0644 under the process's umask;
//  - it is renamed to the target's name (after unlinking what is there: a
//    symlink planted there is removed, never written through), and a
//    half-written profile never appears under the target's name.
// Control path.
#pragma once

#include <string>

namespace lcprof {

// A new, empty file beside `path` (same directory, so the rename stays in
// one file system). On success returns its descriptor (O_WRONLY|O_CLOEXEC)
// and sets *temp_path; otherwise returns -1 and sets *error (strerror text).
int CreateProfileTemp(const std::string& path, std::string* temp_path, std::string* error);

// Renames the written temp file over `path`, or removes it when !ok.
// Returns false with *error set when the rename fails.
bool PublishProfileTemp(const std::string& temp_path, const std::string& path, std::string* error);

// A process that execs keeps one profile per image. The image that execs
// writes its profile under the session's name as usual and leaves a marker
// beside it, the symlink `.<base>.lcprof-exec.<pid>` -> `<base>`; the next
// image of the same process (same pid), preloaded again, moves that profile
// to `<path>.exec<N>` (the first N from 1 not taken) before it writes its
// own, and removes the marker. An image that is not preloaded leaves both
// as they are: the profile under its name holds the earlier image.
bool MarkProfileOfExecingImage(const std::string& path, std::string* error);
// Returns where the earlier image's profile went, "" when there was none.
std::string SetAsideProfileOfEarlierImage(const std::string& path);
// For an image that writes no profile: the earlier one stays under `path`.
void KeepProfileOfEarlierImage(const std::string& path);

}  // namespace lcprof
