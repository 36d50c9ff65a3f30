#include "kalshi_direct/engine/database_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>

#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {

namespace {

std::string absolutePath(const std::string& path) {
  return std::filesystem::absolute(std::filesystem::path(path)).lexically_normal().string();
}

}  // namespace

std::string resolvedPath(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(absolutePath(path), ec);
  return ec ? absolutePath(path) : resolved.string();
}

std::string writerDescription(const std::string& pipeline) {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return "pipeline '" + pipeline + "' (pid " + std::to_string(::getpid()) + " on " + host +
         ", since " + Timestamp::now().toIso8601() + ")";
}

int lockDatabase(const std::string& path, const std::string& pipeline) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 && errno == ELOOP) {
    throw std::runtime_error(
        "lock file '" + lock_path +
        "' is a symbolic link; kalshi-direct never writes through one: remove it");
  }
  if (fd < 0) {
    throw std::runtime_error("cannot create lock file '" + lock_path +
                             "' (is the database directory writable?)");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[512] = {0};
    const ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    std::string who = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "another process";
    while (!who.empty() && (who.back() == '\n' || who.back() == '\r')) who.pop_back();
    throw std::runtime_error("database '" + path + "' is in use by " + who +
                             "; wait for that run to finish or stop it");
  }
  const std::string holder = writerDescription(pipeline) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t written = ::pwrite(fd, holder.data(), holder.size(), 0);
  }
  return fd;
}

}  // namespace kalshi_direct
