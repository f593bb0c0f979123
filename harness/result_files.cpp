#include "harness/result_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "harness/errors.h"
#include "harness/plugins.h"
#include "harness/process_group.h"

namespace lasuite {

namespace {

std::string folder_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string temp_name(const std::string& path, int attempt) {
  const std::string folder = folder_of(path);
  const size_t slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return (folder == "." && slash == std::string::npos ? "" : folder + "/") + "." + base + ".tmp." +
         std::to_string(getpid()) + "." + std::to_string(attempt);
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (extra < 0 || (extra == 1 && c < 0xC2)) return false;
    for (int k = 1; k <= extra; ++k)
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += extra + 1;
  }
  return true;
}

// Creates `tmp` exclusively and writes all of text to it (fsync'd); throws with errno's reason.
void write_new_file(const std::string& tmp, const std::string& text, const std::string& target) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + target + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("writing " + target + " failed: " + std::strerror(err) + " (the previous file, if any, is unchanged)");
    }
    done += static_cast<size_t>(n);
  }
  const int synced = ::fsync(fd) == 0 ? 0 : errno;
  const int closed = ::close(fd) == 0 ? 0 : errno;
  if (synced || closed) {
    const int err = synced ? synced : closed;
    ::unlink(tmp.c_str());
    throw std::runtime_error("writing " + target + " failed: " + std::strerror(err) + " (the previous file, if any, is unchanged)");
  }
}

}  // namespace

void check_output_path(const std::string& path, const std::string& option) {
  if (path.empty()) throw UsageError(option + " needs a file name");
  if (path == "-") throw UsageError(option + " -: the results go to a file, not to stdout; give a file name");
  if (!valid_utf8(path)) throw UsageError(option + ": the file name is not valid UTF-8");
  const std::string dir = folder_of(path);
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw UsageError(option + " " + path + ": folder " + dir + " does not exist");
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw UsageError(option + " " + path + " is a folder");
    if (!S_ISREG(st.st_mode)) throw UsageError(option + " " + path + " exists and is not a regular file");
    // The permission bits, not access(): root may write anything, but a result file someone made
    // read-only is one they meant to keep.
    if ((st.st_mode & 0222) == 0 || access(path.c_str(), W_OK) != 0)
      throw UsageError(option + " " + path + " exists and is read-only");
    // A file this run is made of (a plugin it loaded, the executable itself) is no place for its results.
    std::vector<std::string> inputs = {"/proc/self/exe"};
    for (const PluginRecord& p : loaded_plugins()) inputs.push_back(p.path);
    for (const std::string& in : inputs) {
      struct stat si {};
      if (stat(in.c_str(), &si) == 0 && si.st_dev == st.st_dev && si.st_ino == st.st_ino)
        throw UsageError(option + " " + path + " is " + (in == inputs.front() ? "the lasuite executable" : "plugin " + in) +
                         ", which the results would overwrite");
    }
  }
  // The write is a rename onto the name, which would replace a link rather than write through it (a link to
  // another result file would keep its old content; /dev/stdout would become a file).
  if (lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
    throw UsageError(option + " " + path + " is a symbolic link (the results would replace the link, not reach what it "
                     "points to); give the file itself");
  // Proven, not guessed: a file made and removed where the result will be renamed from.
  const std::string probe = temp_name(path, 0);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw UsageError(option + " " + path + ": cannot create a file in " + dir + " (" + std::strerror(errno) + ")");
  ::close(fd);
  ::unlink(probe.c_str());
}

void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& files) {
  // The same file by another spelling ("out.json", "./out.json", "dir/../out.json"): the folders'
  // identities and the names, so files that do not exist yet compare too.
  auto same_file = [](const std::string& a, const std::string& b) {
    const size_t sa_slash = a.find_last_of('/'), sb_slash = b.find_last_of('/');
    const std::string name_a = sa_slash == std::string::npos ? a : a.substr(sa_slash + 1);
    const std::string name_b = sb_slash == std::string::npos ? b : b.substr(sb_slash + 1);
    if (a == b) return true;
    if (name_a != name_b) return false;
    struct stat da {}, db {};
    return stat(folder_of(a).c_str(), &da) == 0 && stat(folder_of(b).c_str(), &db) == 0 && da.st_dev == db.st_dev &&
           da.st_ino == db.st_ino;
  };
  for (size_t i = 0; i < files.size(); ++i)
    for (size_t j = i + 1; j < files.size(); ++j) {
      const auto& [oa, a] = files[i];
      const auto& [ob, b] = files[j];
      if (a.empty() || b.empty()) continue;
      bool same = same_file(a, b);
      struct stat sa {}, sb {};
      if (!same && stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0)
        same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;  // hard or symbolic links
      if (same) throw UsageError(oa + " and " + ob + " name the same file (" + a + "): one would overwrite the other");
    }
}

bool write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
  if (launch_place().rank > 0) return false;
  std::vector<std::string> temps;
  try {
    for (const auto& [path, text] : files) {
      temps.push_back(temp_name(path, 1));
      write_new_file(temps.back(), text, path);
    }
  } catch (...) {
    for (size_t i = 0; i + 1 < temps.size(); ++i) ::unlink(temps[i].c_str());  // the failed one removed itself
    throw;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (::rename(temps[i].c_str(), files[i].first.c_str()) != 0) {
      const int err = errno;
      for (size_t k = i; k < files.size(); ++k) ::unlink(temps[k].c_str());
      throw std::runtime_error("cannot put " + files[i].first + " in place: " + std::strerror(err));
    }
  }
  return true;
}

}  // namespace lasuite
