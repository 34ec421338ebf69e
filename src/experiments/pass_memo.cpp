#include "experiments/pass_memo.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace lq::experiments {
namespace {

// One pass's results as bytes: units, sets, then per unit its tokens and per set nll, kl, top1.
std::string encode(const std::vector<UnitSetScores>& scores) {
  std::string out;
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  const uint64_t units = scores.size(), sets = scores.empty() ? 0 : scores[0].nll.size();
  put(&units, 8);
  put(&sets, 8);
  for (const auto& u : scores) {
    put(&u.tokens, 8);
    for (size_t s = 0; s < sets; ++s) {
      put(&u.nll[s], 8);
      put(&u.kl[s], 8);
      put(&u.top1[s], 8);
    }
  }
  return out;
}

bool decode(const void* data, size_t size, std::vector<UnitSetScores>& scores) {
  const auto* p = static_cast<const char*>(data);
  if (size < 16) return false;
  uint64_t units = 0, sets = 0;
  std::memcpy(&units, p, 8);
  std::memcpy(&sets, p + 8, 8);
  if (sets > (1u << 20) || size != 16 + units * 8 * (1 + 3 * sets)) return false;
  p += 16;
  auto get = [&](void* dst) {
    std::memcpy(dst, p, 8);
    p += 8;
  };
  scores.assign(units, {});
  for (auto& u : scores) {
    get(&u.tokens);
    u.nll.resize(sets);
    u.kl.resize(sets);
    u.top1.resize(sets);
    for (size_t s = 0; s < sets; ++s) {
      get(&u.nll[s]);
      get(&u.kl[s]);
      get(&u.top1[s]);
    }
  }
  return true;
}

}  // namespace

void PassMemo::fail_db() {
  const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  const int code = db_ ? sqlite3_errcode(db_) & 0xff : SQLITE_NOMEM;
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    fail(path_, "damaged progress file (" + msg + "): delete it and run again without --resume");
  if (code == SQLITE_FULL || code == SQLITE_IOERR)
    fail(path_, msg + " (a full disk?): free some space, then run again with --resume (finished passes are kept)");
  fail(path_, msg);
}

void PassMemo::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail_db();
}

PassMemo::PassMemo(const std::string& path, bool resume, const std::string& command, const nlohmann::json& setup)
    : path_(path) {
  lock_fd_ = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
  if (lock_fd_ < 0) fail(path, std::string("cannot create the progress file: ") + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    fail(path, "another " + command + " is writing these outputs: wait for it to finish, or write to other outputs");
  }
  try {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) fail_db();
    sqlite3_busy_timeout(db_, 10000);
    exec("PRAGMA synchronous=NORMAL");
    exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    exec("CREATE TABLE IF NOT EXISTS passes (key TEXT PRIMARY KEY, scores BLOB NOT NULL)");
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = 'setup'", -1, &st, nullptr) != SQLITE_OK) fail_db();
    std::string stored;
    if (sqlite3_step(st) == SQLITE_ROW) stored = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    const nlohmann::json want = {{"command", command}, {"setup", setup}};
    int64_t passes = 0;
    if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM passes", -1, &st, nullptr) != SQLITE_OK) fail_db();
    if (sqlite3_step(st) == SQLITE_ROW) passes = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (passes > 0 && !resume)
      fail(path, "holds the progress of an interrupted " + command + " run: add --resume to continue it, or delete "
                 "the file to start again");
    if (passes > 0) {
      nlohmann::json was;
      try {
        was = nlohmann::json::parse(stored);
      } catch (const nlohmann::json::exception&) {
        fail(path, "damaged progress file (its setup is not JSON): delete it and run again without --resume");
      }
      if (was != want) {
        std::string what = "other options";
        for (const char* k : {"units", "model"})
          if (was["setup"]["identity"].value(k, nlohmann::json()) != want["setup"]["identity"].value(k, nlohmann::json()))
            what = std::string("another ") + (std::string(k) == "units" ? "corpus or tokenization" : "model");
        fail(path, "holds a run of " + what + ": refusing to mix them (delete it, or use the inputs and options it "
                   "was made with)");
      }
    } else {  // nothing finished yet: (re)write the setup
      const std::string text = want.dump();
      if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('setup', ?)", -1, &st,
                             nullptr) != SQLITE_OK)
        fail_db();
      sqlite3_bind_text(st, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
      const int rc = sqlite3_step(st);
      sqlite3_finalize(st);
      if (rc != SQLITE_DONE) fail_db();
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

PassMemo::~PassMemo() {
  sqlite3_close(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::optional<std::vector<UnitSetScores>> PassMemo::find(const std::string& key) {
  const auto bytes = find_bytes(key);
  if (!bytes) return std::nullopt;
  std::vector<UnitSetScores> scores;
  if (!decode(bytes->data(), bytes->size(), scores))
    fail(path_, "damaged progress file (a pass of the wrong size): delete it and run again without --resume");
  return scores;
}

void PassMemo::put(const std::string& key, const std::vector<UnitSetScores>& scores) { put_bytes(key, encode(scores)); }

std::optional<std::string> PassMemo::find_bytes(const std::string& key) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT scores FROM passes WHERE key = ?", -1, &st, nullptr) != SQLITE_OK) fail_db();
  sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  std::optional<std::string> out;
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 0));
    out = std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, 0)));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail_db();
  return out;
}

void PassMemo::put_bytes(const std::string& key, const std::string& blob) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO passes (key, scores) VALUES (?, ?)", -1, &st, nullptr) != SQLITE_OK)
    fail_db();
  sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(st, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(st);  // one statement: its own transaction, whole or absent
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) fail_db();
}

void PassMemo::finish() {
  // Unlinked while still locked, so no other run picks the file up in between.
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  std::filesystem::remove(path_ + "-journal", ec);
  sqlite3_close(db_);
  db_ = nullptr;
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

}  // namespace lq::experiments
