// Shared by the libFuzzer targets: a private scratch folder (the parsers under test take
// paths), writing an input there, and the rule every target checks: untrusted bytes may only
// ever be refused by lq::Error (one line naming the file). Any other exception (a raw
// nlohmann, toml++ or std message, std::bad_alloc) reaches the user as a library's message, so
// it is reported as a finding, like a crash.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/error.h"

namespace lq::fuzz {

namespace fs = std::filesystem;

// A folder of this process only (RAM-backed /dev/shm when there is one), removed at exit.
inline const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::path(tmp ? tmp : "/tmp");
    fs::path d = base / ("lq-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    std::atexit([] { std::error_code ec; fs::remove_all(scratch_dir(), ec); });
    return d;
  }();
  return dir;
}

inline void write_bytes(const fs::path& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
}

// Writes the input to scratch_dir()/name and returns the path.
inline std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const fs::path path = scratch_dir() / name;
  write_bytes(path, data, size);
  return path.string();
}

[[noreturn]] inline void finding(const char* what, const char* detail) {
  std::fprintf(stderr, "fuzz finding: %s: %s\n", what, detail);
  std::abort();
}

// Runs f; an lq::Error is the expected answer to bad input, anything else aborts.
template <class F>
void only_lq_errors(F&& f) {
  try {
    f();
  } catch (const lq::Error&) {
  } catch (const std::exception& e) {
    finding("an exception other than lq::Error escaped", e.what());
  } catch (...) {
    finding("a non-std exception escaped", "?");
  }
}

// Consumes the first byte of the input as a small selector (0 when the input is empty).
inline unsigned take_selector(const uint8_t*& data, size_t& size) {
  if (size == 0) return 0;
  --size;
  return *data++;
}

}  // namespace lq::fuzz
