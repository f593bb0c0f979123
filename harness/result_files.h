// Writing result files so that nothing is lost: every output path is proven writable before any work,
// and each file is written beside its target under a temporary name and renamed into place, so a
// write that fails (disk full, a path gone) leaves the previous file as it was.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace lasuite {

// Refuses (UsageError, before any work) an output path that could not take a result: its folder
// missing or not writable, the path a folder or another non-regular file (/dev/full), an existing file
// without write permission, a name that is not valid UTF-8 (the file records its command line).
// The check creates and removes a temporary file in the folder.
void check_output_path(const std::string& path, const std::string& option);

// Refuses two options naming the same file (`--json F --csv F`); `files` is (option, path), empty
// paths ignored.
void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& files);

// Writes every (path, text) to a temporary file beside it, then renames each into place; when a write
// fails, removes the temporaries and leaves every target as it was (nothing is renamed before all are
// written), and throws std::runtime_error naming the path and the reason. A rename that fails after
// others succeeded (rare: same folder, already proven writable) leaves the earlier targets replaced.
// The new files are regular files of mode 0644: a symbolic link at the target is replaced, not
// followed. Returns false, writing nothing, in a secondary rank of an MPI launch (launch_place: rank 0
// writes what every rank would); true when every file was written.
bool write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace lasuite
