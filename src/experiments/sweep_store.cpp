#include "experiments/sweep_store.h"

#include <sqlite3.h>

#include "core/error.h"

namespace lq::experiments {
namespace {

constexpr const char* kFormat = "langquant-sweep-1";

// A prepared statement that finalizes itself; errors name the database file.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& path, const char* sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail(path, sqlite3_errmsg(db));
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
    if (rc != SQLITE_DONE) fail(path_, sqlite3_errmsg(db_));
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
  void check(int rc) { if (rc != SQLITE_OK) fail(path_, sqlite3_errmsg(db_)); }
  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* s_ = nullptr;
};

// A transaction rolled back unless committed (an exception leaves the store as it was).
class Transaction {
 public:
  explicit Transaction(SweepStore& s, sqlite3* db) : db_(db) { (void)s; sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr); }
  ~Transaction() { if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
  void commit(const std::string& path) {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) fail(path, sqlite3_errmsg(db_));
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
  } catch (const nlohmann::json::parse_error&) {
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

SweepStore::SweepStore(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open";
    sqlite3_close(db_);
    db_ = nullptr;
    fail(path, "cannot open the sweep database: " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  // The rollback journal keeps a committed transaction whole even if the process is killed
  // mid-write; synchronous=NORMAL also survives a power cut in WAL-less mode at little cost.
  exec("PRAGMA synchronous=NORMAL");
  exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS units (unit INTEGER PRIMARY KEY, lang INTEGER NOT NULL, bytes INTEGER NOT NULL, "
       "chars INTEGER NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS pieces (piece INTEGER PRIMARY KEY, first INTEGER NOT NULL, end INTEGER NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS results (sett INTEGER NOT NULL, unit INTEGER NOT NULL, tokens INTEGER NOT NULL, "
       "nll REAL NOT NULL, kl REAL NOT NULL, top1 INTEGER NOT NULL, PRIMARY KEY (sett, unit)) WITHOUT ROWID");
  exec("CREATE TABLE IF NOT EXISTS done (sett INTEGER NOT NULL, piece INTEGER NOT NULL, PRIMARY KEY (sett, piece)) "
       "WITHOUT ROWID");
}

SweepStore::~SweepStore() { sqlite3_close(db_); }

void SweepStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "error";
    sqlite3_free(err);
    fail(path_, msg.find("not a database") != std::string::npos ? "not a langquant sweep database (" + msg + ")" : msg);
  }
}

bool SweepStore::initialized() {
  Stmt s(db_, path_, "SELECT count(*) FROM meta WHERE key = 'format'");
  s.step();
  return s.i64(0) > 0;
}

void SweepStore::initialize(const SweepSetup& st) {
  Transaction t(*this, db_);
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
  SweepSetup st;
  st.scoring = parse_meta(db_, path_, "scoring");
  st.plans = parse_meta(db_, path_, "plans");
  st.sweep = parse_meta(db_, path_, "sweep");
  st.languages = parse_meta(db_, path_, "languages").get<std::vector<std::string>>();
  Stmt u(db_, path_, "SELECT lang, bytes, chars FROM units ORDER BY unit");
  while (u.step()) st.units.push_back({static_cast<int>(u.i64(0)), u.i64(1), u.i64(2)});
  Stmt p(db_, path_, "SELECT first, end FROM pieces ORDER BY piece");
  while (p.step()) st.pieces.push_back({static_cast<int>(p.i64(0)), static_cast<int>(p.i64(1))});
  return st;
}

void SweepStore::check_same(const SweepSetup& now) {
  const SweepSetup was = setup();
  for (const auto& [k, v] : now.scoring.items()) {
    const nlohmann::json old = was.scoring.value(k, nlohmann::json());
    if (old != v)
      fail(path_, "holds another sweep: " + k + " was " + old.dump() + ", now " + v.dump() +
                      " (use another --db, or the same options to resume)");
  }
  if (was.scoring.size() != now.scoring.size()) fail(path_, "holds another sweep (its options differ)");
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
    fail(path_, "holds another sweep: " + what);
  }
  if (was.languages != now.languages) fail(path_, "holds another sweep: its languages differ");
  bool same_units = was.units.size() == now.units.size();
  for (size_t i = 0; same_units && i < was.units.size(); ++i)
    same_units = was.units[i].lang == now.units[i].lang && was.units[i].bytes == now.units[i].bytes &&
                 was.units[i].chars == now.units[i].chars;
  if (!same_units) fail(path_, "holds another sweep: the corpus's sentences differ");
  bool same_pieces = was.pieces.size() == now.pieces.size();
  for (size_t i = 0; same_pieces && i < was.pieces.size(); ++i)
    same_pieces = was.pieces[i].first == now.pieces[i].first && was.pieces[i].end == now.pieces[i].end;
  if (!same_pieces) fail(path_, "holds another sweep: its pieces (--batch) differ");
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
  Transaction t(*this, db_);
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
