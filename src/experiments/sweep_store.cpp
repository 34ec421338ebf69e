#include "experiments/sweep_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace lq::experiments {
namespace {

constexpr const char* kFormat = "langquant-sweep-1";

// SQLite's message plus what the user can do about it.
[[noreturn]] void fail_sqlite(sqlite3* db, const std::string& path) {
  const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
  switch (db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM) {
    case SQLITE_CORRUPT:
      fail(path, "damaged sweep database (" + msg + "; was it truncated or copied while a sweep wrote it?): "
                 "delete it, or use another --db, and run the sweep again");
    case SQLITE_NOTADB:
      fail(path, "not a langquant sweep database (" + msg + ")");
    case SQLITE_FULL:
      fail(path, msg + ": free some space, then run the same command again to resume (finished pieces are kept)");
    case SQLITE_IOERR: {
      // SQLite says only "disk I/O error"; the system's reason is what the user can act on
      // (EFBIG: a file size limit, ulimit -f; EIO: a failing disk). SQLite often no longer
      // knows the errno by the time it reports a failed write.
      const int err = sqlite3_system_errno(db);
      const std::string why = err ? std::string(" (") + std::strerror(err) + ")"
                              : sqlite3_extended_errcode(db) == SQLITE_IOERR_WRITE
                                  ? " while writing (a full disk, a file size limit, or a failing disk)"
                                  : "";
      fail(path, msg + why + ": fix that, then run the same command again to resume (finished pieces are kept)");
    }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      fail(path, msg + ": another process is using this sweep database");
    default:
      fail(path, msg);
  }
}

// A prepared statement that finalizes itself; errors name the database file.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& path, const char* sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail_sqlite(db, path);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, int64_t v) { check(sqlite3_bind_int64(s_, i, v)); return *this; }
  Stmt& bind(int i, double v) { check(sqlite3_bind_double(s_, i, v)); return *this; }
  Stmt& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail_sqlite(db_, path_);
    return false;
  }
  void reset() { sqlite3_reset(s_); sqlite3_clear_bindings(s_); }
  int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  double f64(int c) { return sqlite3_column_double(s_, c); }
  std::string text(int c) {
    const auto* p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, c))) : "";
  }

 private:
  void check(int rc) { if (rc != SQLITE_OK) fail_sqlite(db_, path_); }
  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* s_ = nullptr;
};

// A transaction rolled back unless committed (an exception leaves the store as it was). A
// BEGIN that fails throws: the statements must never run one by one in autocommit mode.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path) : db_(db) {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      done_ = true;
      fail_sqlite(db_, path);
    }
  }
  ~Transaction() { if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
  void commit(const std::string& path) {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) fail_sqlite(db_, path);
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

std::string get_meta(sqlite3* db, const std::string& path, const std::string& key) {
  Stmt s(db, path, "SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  if (!s.step()) fail(path, "not a langquant sweep database (no '" + key + "')");
  return s.text(0);
}

nlohmann::json parse_meta(sqlite3* db, const std::string& path, const std::string& key) {
  try {
    return nlohmann::json::parse(get_meta(db, path, key));
  } catch (const nlohmann::json::exception&) {
    fail(path, "damaged sweep database ('" + key + "' is not JSON)");
  }
}

// Plans are compared by name and rules; costs and tags follow from those.
nlohmann::json plan_identity(const nlohmann::json& plans) {
  nlohmann::json r = nlohmann::json::array();
  for (const auto& p : plans) r.push_back({p.at("name"), p.at("plan")});
  return r;
}

}  // namespace

SweepStore::SweepStore(const std::string& path, StoreLabels labels) : path_(path), labels_(std::move(labels)) {
  // The lock comes first: a second sweep must not even create tables under a running one.
  for (;;) {
    lock_fd_ = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    created_ = lock_fd_ >= 0;
    if (lock_fd_ < 0 && errno == EEXIST) lock_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (lock_fd_ < 0) fail(path, std::string("cannot open the sweep database: ") + std::strerror(errno));
    struct stat locked {};
    if (::fstat(lock_fd_, &locked) == 0 && S_ISDIR(locked.st_mode)) {
      release_lock();
      fail(path, "is a folder, expected a sweep database file");
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      // Even a file this process created is not removed here: another sweep opened it and took
      // the lock first, and it is now that sweep's store. Only the lock holder ever unlinks.
      const int err = errno;
      created_ = false;
      release_lock();
      if (err == EWOULDBLOCK)
        fail(path, "another " + labels_.writer + " is writing this database: " + labels_.advice);
      fail(path, std::string("cannot lock the sweep database: ") + std::strerror(err));
    }
    // A failed start of another sweep may have removed the file between our open and flock:
    // the lock must be on the file the path names now.
    struct stat now {};
    if (::stat(path.c_str(), &now) == 0 && now.st_ino == locked.st_ino && now.st_dev == locked.st_dev) {
      // An empty file holds nothing of the user's (another sweep created it and lost the lock
      // to us): ours to remove if this run fails before writing its setup.
      created_ = created_ || now.st_size == 0;
      break;
    }
    release_lock();
  }
  try {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open";
      fail(path, "cannot open the sweep database: " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
    // The rollback journal keeps a committed transaction whole even if the process is killed
    // mid-write; synchronous=NORMAL also survives a power cut in WAL-less mode at little cost.
    exec("PRAGMA synchronous=NORMAL");
    // Reads the header: a foreign or damaged file fails here. Nothing is written before
    // initialize(), whose one transaction creates the tables and the setup together.
    exec("SELECT count(*) FROM sqlite_master");
  } catch (...) {
    close_db();
    remove_if_created();
    release_lock();
    throw;
  }
}

SweepStore::~SweepStore() {
  close_db();
  remove_if_created();  // created but never initialized: no empty database is left behind
  release_lock();
}

void SweepStore::close_db() {
  sqlite3_close(db_);  // every statement is finalized by its Stmt
  db_ = nullptr;
}

// Closed only after the connection: closing any descriptor of the file drops the POSIX locks
// SQLite holds on it.
void SweepStore::release_lock() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

void SweepStore::remove_if_created() {
  if (!created_) return;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  std::filesystem::remove(path_ + "-journal", ec);
  created_ = false;
}

void SweepStore::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail_sqlite(db_, path_);
}

bool SweepStore::initialized() {
  Stmt t(db_, path_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  t.step();
  if (t.i64(0) == 0) return false;
  Stmt s(db_, path_, "SELECT count(*) FROM meta WHERE key = 'format'");
  s.step();
  return s.i64(0) > 0;
}

void SweepStore::initialize(const SweepSetup& st) {
  try {
    write_setup(st);
  } catch (...) {
    // A store this run created holds nothing worth keeping (e.g. the disk was full): remove it.
    if (created_) {
      close_db();
      remove_if_created();
    }
    throw;
  }
  created_ = false;  // committed: from now on the file is the user's
}

void SweepStore::write_setup(const SweepSetup& st) {
  Transaction t(db_, path_);
  exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS units (unit INTEGER PRIMARY KEY, lang INTEGER NOT NULL, bytes INTEGER NOT NULL, "
       "chars INTEGER NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS pieces (piece INTEGER PRIMARY KEY, first INTEGER NOT NULL, end INTEGER NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS results (sett INTEGER NOT NULL, unit INTEGER NOT NULL, tokens INTEGER NOT NULL, "
       "nll REAL NOT NULL, kl REAL NOT NULL, top1 INTEGER NOT NULL, PRIMARY KEY (sett, unit)) WITHOUT ROWID");
  exec("CREATE TABLE IF NOT EXISTS done (sett INTEGER NOT NULL, piece INTEGER NOT NULL, PRIMARY KEY (sett, piece)) "
       "WITHOUT ROWID");
  Stmt m(db_, path_, "INSERT INTO meta (key, value) VALUES (?, ?)");
  auto put = [&](const std::string& k, const std::string& v) {
    m.bind(1, k).bind(2, v);
    m.step();
    m.reset();
  };
  put("format", kFormat);
  put("scoring", st.scoring.dump());
  put("plans", st.plans.dump());
  put("sweep", st.sweep.dump());
  put("languages", nlohmann::json(st.languages).dump());
  if (!st.identity.is_null()) put("identity", st.identity.dump());
  if (!st.shard.is_null()) put("shard", st.shard.dump());
  Stmt u(db_, path_, "INSERT INTO units (unit, lang, bytes, chars) VALUES (?, ?, ?, ?)");
  for (size_t i = 0; i < st.units.size(); ++i) {
    u.bind(1, static_cast<int64_t>(i)).bind(2, static_cast<int64_t>(st.units[i].lang)).bind(3, st.units[i].bytes)
        .bind(4, st.units[i].chars);
    u.step();
    u.reset();
  }
  Stmt p(db_, path_, "INSERT INTO pieces (piece, first, end) VALUES (?, ?, ?)");
  for (size_t i = 0; i < st.pieces.size(); ++i) {
    p.bind(1, static_cast<int64_t>(i)).bind(2, static_cast<int64_t>(st.pieces[i].first))
        .bind(3, static_cast<int64_t>(st.pieces[i].end));
    p.step();
    p.reset();
  }
  t.commit(path_);
}

SweepSetup SweepStore::setup() {
  if (get_meta(db_, path_, "format") != kFormat) fail(path_, "sweep database of another format version");
  // Everything read is checked before the runner indexes with it: a file damaged or edited by
  // hand ends in one line, never in a library exception or an index outside the setup (found
  // by tests/fuzz/fuzz_sweep_store).
  const auto damaged = [&](const std::string& what) -> void {
    fail(path_, "damaged sweep database (" + what + "): delete it, or use another --db, and run the sweep again");
  };
  SweepSetup st;
  st.scoring = parse_meta(db_, path_, "scoring");
  st.plans = parse_meta(db_, path_, "plans");
  st.sweep = parse_meta(db_, path_, "sweep");
  {
    Stmt id(db_, path_, "SELECT value FROM meta WHERE key = 'identity'");
    if (id.step()) {
      try {
        st.identity = nlohmann::json::parse(id.text(0));
      } catch (const nlohmann::json::exception&) {
        damaged("'identity' is not JSON");
      }
      if (!st.identity.is_object()) damaged("'identity' is not a JSON object");
    }
  }
  {
    Stmt sh(db_, path_, "SELECT value FROM meta WHERE key = 'shard'");
    if (sh.step()) {
      try {
        st.shard = nlohmann::json::parse(sh.text(0));
      } catch (const nlohmann::json::exception&) {
        damaged("'shard' is not JSON");
      }
      const auto& j = st.shard;
      const auto is_int = [](const nlohmann::json& x) { return x.is_number_integer() && x.get<int64_t>() >= 0; };
      if (!j.is_object() || !is_int(j.value("index", nlohmann::json())) || !is_int(j.value("count", nlohmann::json())) ||
          j["index"].get<int64_t>() < 1 || j["index"].get<int64_t>() > j["count"].get<int64_t>() ||
          !j.value("cells", nlohmann::json()).is_array() || j["cells"].size() != 2 || !is_int(j["cells"][0]) ||
          !is_int(j["cells"][1]) || j["cells"][0].get<int64_t>() > j["cells"][1].get<int64_t>())
        damaged("'shard' is not {index, count, cells}");
    }
  }
  const nlohmann::json languages = parse_meta(db_, path_, "languages");
  if (!st.scoring.is_object() || !st.sweep.is_object()) damaged("'scoring' or 'sweep' is not a JSON object");
  if (!st.plans.is_array()) damaged("'plans' is not a JSON array");
  for (const auto& plan : st.plans)
    if (!plan.is_object() || !plan.contains("name") || !plan["name"].is_string() || !plan.contains("plan") ||
        !plan["plan"].is_string())
      damaged("a plan without a name or plan text");
  if (!languages.is_array()) damaged("'languages' is not a JSON array");
  for (const auto& l : languages) {
    if (!l.is_string()) damaged("a language that is not a string");
    st.languages.push_back(l.get<std::string>());
  }
  Stmt u(db_, path_, "SELECT lang, bytes, chars FROM units ORDER BY unit");
  while (u.step()) {
    const int64_t lang = u.i64(0), bytes = u.i64(1), chars = u.i64(2);
    if (lang < 0 || lang >= static_cast<int64_t>(st.languages.size()) || bytes < 0 || chars < 0)
      damaged("unit " + std::to_string(st.units.size()) + " has language " + std::to_string(lang) + ", " +
              std::to_string(bytes) + " bytes, " + std::to_string(chars) + " characters");
    st.units.push_back({static_cast<int>(lang), bytes, chars});
  }
  Stmt p(db_, path_, "SELECT first, end FROM pieces ORDER BY piece");
  while (p.step()) {
    const int64_t first = p.i64(0), end = p.i64(1);
    if (first < 0 || first > end || end > static_cast<int64_t>(st.units.size()))
      damaged("piece " + std::to_string(st.pieces.size()) + " covers units " + std::to_string(first) + ".." +
              std::to_string(end) + " of " + std::to_string(st.units.size()));
    st.pieces.push_back({static_cast<int>(first), static_cast<int>(end)});
  }
  return st;
}

// "shard 2/3" or "the whole sweep", for messages.
std::string share_name(const nlohmann::json& shard) {
  if (shard.is_null()) return "the whole sweep";
  return "shard " + std::to_string(shard["index"].get<int64_t>()) + "/" + std::to_string(shard["count"].get<int64_t>());
}

void SweepStore::check_same(const SweepSetup& now, bool compare_shard) {
  const SweepSetup was = setup();
  // The inputs first: another model or corpus is the mistake that matters most, and its hash
  // says so even when every option matches.
  if (!now.identity.is_null()) {
    if (was.identity.is_null())
      fail(path_, "was written without the model's and corpus's hashes (an older langquant), so resuming "
                  "could mix two models: use a new --db");
    const struct { const char* key; const char* what; } parts[] = {
        {"model", "another model (its weights or tensor table differ)"},
        {"corpus", "another corpus (its text differs)"},
        {"units", "the same corpus tokenized otherwise (tokenizer, --mode, --ctx or --no-bos differ)"}};
    for (const auto& p : parts) {
      const nlohmann::json a = was.identity.value(p.key, nlohmann::json()), b = now.identity.value(p.key, nlohmann::json());
      if (a != b)
        fail(path_, std::string("holds results of ") + p.what + ": " + p.key + " hash " +
                        (a.is_string() ? a.get<std::string>() : a.dump()) + " in the store, " +
                        (b.is_string() ? b.get<std::string>() : b.dump()) +
                        " now; refusing to mix them (" + labels_.elsewhere + ", or the inputs it was made with)");
    }
  }
  for (const auto& [k, v] : now.scoring.items()) {
    const nlohmann::json old = was.scoring.value(k, nlohmann::json());
    if (old != v)
      fail(path_, "holds another " + labels_.writer + ": " + k + " was " + old.dump() + ", now " + v.dump() +
                      " (" + labels_.elsewhere + ", or the same options to resume)");
  }
  if (was.scoring.size() != now.scoring.size()) fail(path_, "holds another " + labels_.writer + " (its options differ)");
  if (plan_identity(was.plans) != plan_identity(now.plans)) {
    std::string what = "its plan list differs";
    const size_t n = std::min(was.plans.size(), now.plans.size());
    for (size_t i = 0; i < n; ++i)
      if (plan_identity(nlohmann::json::array({was.plans[i]})) != plan_identity(nlohmann::json::array({now.plans[i]}))) {
        what = "plan " + std::to_string(i + 1) + " was '" + was.plans[i]["name"].get<std::string>() + "' (" +
               was.plans[i]["plan"].get<std::string>() + "), now '" + now.plans[i]["name"].get<std::string>() +
               "' (" + now.plans[i]["plan"].get<std::string>() + ")";
        break;
      }
    if (what == "its plan list differs")
      what = "it has " + std::to_string(was.plans.size()) + " plans, now " + std::to_string(now.plans.size());
    fail(path_, "holds another " + labels_.writer + ": " + what);
  }
  if (was.languages != now.languages) fail(path_, "holds another " + labels_.writer + ": its languages differ");
  bool same_units = was.units.size() == now.units.size();
  for (size_t i = 0; same_units && i < was.units.size(); ++i)
    same_units = was.units[i].lang == now.units[i].lang && was.units[i].bytes == now.units[i].bytes &&
                 was.units[i].chars == now.units[i].chars;
  if (!same_units) fail(path_, "holds another " + labels_.writer + ": the corpus's sentences differ");
  bool same_pieces = was.pieces.size() == now.pieces.size();
  for (size_t i = 0; same_pieces && i < was.pieces.size(); ++i)
    same_pieces = was.pieces[i].first == now.pieces[i].first && was.pieces[i].end == now.pieces[i].end;
  if (!same_pieces) fail(path_, "holds another " + labels_.writer + ": its pieces (--batch) differ");
  // Same sweep, another share of it (or a share where the whole was asked): resuming would
  // score cells this store does not own.
  if (compare_shard && was.shard != now.shard)
    fail(path_, "holds " + share_name(was.shard) + " of this sweep, now " + share_name(now.shard) + " (" +
                    labels_.elsewhere + ", or the same --shard to resume)");
}

std::set<std::pair<int, int>> SweepStore::done() {
  std::set<std::pair<int, int>> r;
  Stmt s(db_, path_, "SELECT sett, piece FROM done");
  while (s.step()) r.insert({static_cast<int>(s.i64(0)), static_cast<int>(s.i64(1))});
  return r;
}

void SweepStore::write_piece(int piece, const std::vector<int>& sets,
                             const std::vector<std::vector<UnitResult>>& results) {
  int64_t first = 0, end = 0;
  {
    Stmt p(db_, path_, "SELECT first, end FROM pieces WHERE piece = ?");
    p.bind(1, static_cast<int64_t>(piece));
    if (!p.step()) fail(path_, "no piece " + std::to_string(piece));
    first = p.i64(0);
    end = p.i64(1);
  }
  Transaction t(db_, path_);
  Stmt r(db_, path_, "INSERT INTO results (sett, unit, tokens, nll, kl, top1) VALUES (?, ?, ?, ?, ?, ?)");
  Stmt d(db_, path_, "INSERT INTO done (sett, piece) VALUES (?, ?)");
  for (size_t k = 0; k < sets.size(); ++k) {
    if (static_cast<int64_t>(results[k].size()) != end - first) fail(path_, "piece result of the wrong length");
    for (size_t u = 0; u < results[k].size(); ++u) {
      const UnitResult& x = results[k][u];
      r.bind(1, static_cast<int64_t>(sets[k])).bind(2, first + static_cast<int64_t>(u)).bind(3, x.tokens)
          .bind(4, x.nll).bind(5, x.kl).bind(6, x.top1);
      r.step();
      r.reset();
    }
    d.bind(1, static_cast<int64_t>(sets[k])).bind(2, static_cast<int64_t>(piece));
    d.step();
    d.reset();
  }
  t.commit(path_);
}

std::vector<UnitResult> SweepStore::piece_results(int set, int piece) {
  {
    Stmt d(db_, path_, "SELECT count(*) FROM done WHERE sett = ? AND piece = ?");
    d.bind(1, static_cast<int64_t>(set)).bind(2, static_cast<int64_t>(piece));
    d.step();
    if (d.i64(0) == 0)
      fail(path_, "lacks set " + std::to_string(set) + " on piece " + std::to_string(piece));
  }
  Stmt p(db_, path_, "SELECT first, end FROM pieces WHERE piece = ?");
  p.bind(1, static_cast<int64_t>(piece));
  if (!p.step()) fail(path_, "no piece " + std::to_string(piece));
  const int64_t first = p.i64(0), end = p.i64(1);
  std::vector<UnitResult> out;
  Stmt s(db_, path_, "SELECT unit, tokens, nll, kl, top1 FROM results WHERE sett = ? AND unit >= ? AND unit < ? ORDER BY unit");
  s.bind(1, static_cast<int64_t>(set)).bind(2, first).bind(3, end);
  while (s.step()) {
    if (s.i64(0) != first + static_cast<int64_t>(out.size()))
      fail(path_, "damaged sweep database (piece " + std::to_string(piece) + " lacks unit " +
                      std::to_string(first + static_cast<int64_t>(out.size())) + ")");
    out.push_back({s.i64(1), s.f64(2), s.f64(3), s.i64(4)});
  }
  if (static_cast<int64_t>(out.size()) != end - first)
    fail(path_, "damaged sweep database (piece " + std::to_string(piece) + " is incomplete)");
  return out;
}

std::vector<UnitResult> SweepStore::results(int set) {
  Stmt n(db_, path_, "SELECT count(*) FROM units");
  n.step();
  std::vector<UnitResult> out(static_cast<size_t>(n.i64(0)));
  std::vector<bool> seen(out.size(), false);
  Stmt s(db_, path_, "SELECT unit, tokens, nll, kl, top1 FROM results WHERE sett = ? ORDER BY unit");
  s.bind(1, static_cast<int64_t>(set));
  while (s.step()) {
    const auto u = static_cast<size_t>(s.i64(0));
    if (u >= out.size()) fail(path_, "damaged sweep database (result for unit " + std::to_string(u) + ")");
    out[u] = {s.i64(1), s.f64(2), s.f64(3), s.i64(4)};
    seen[u] = true;
  }
  for (size_t u = 0; u < out.size(); ++u)
    if (!seen[u]) fail(path_, "the sweep is not finished (set " + std::to_string(set) + " lacks unit " + std::to_string(u) + "): run it again to resume");
  return out;
}

}  // namespace lq::experiments
