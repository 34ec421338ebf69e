// The SQLite store: setup round trip, bit-exact results, atomic pieces, and resume checks.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "core/error.h"
#include "experiments/sweep_store.h"

namespace lq::experiments {
namespace {

std::string temp_db(const char* name) {
  const auto p = std::filesystem::temp_directory_path() / (std::string("lq-store-") + name + "-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(p);
  return p.string();
}

SweepSetup setup() {
  SweepSetup s;
  s.scoring = {{"model", "m"}, {"corpus", "c"}, {"batch", 2}};
  s.plans = nlohmann::json::array({{{"name", "a"}, {"plan", "base=int4"}, {"tags", {{"axis", "plans"}}}},
                                   {{"name", "b"}, {"plan", "base=int8"}, {"tags", {{"axis", "plans"}}}}});
  s.sweep = {{"experiment", "t"}};
  s.languages = {"en", "fi"};
  s.units = {{0, 10, 9}, {0, 20, 19}, {1, 30, 25}};
  s.pieces = {{0, 2}, {2, 3}};
  return s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(SweepStore, SetupRoundTripsAndResultsAreBitExact) {
  const std::string path = temp_db("roundtrip");
  const double awkward[] = {0.1, -1.5e-300, 1e-310, std::nextafter(1.0, 2.0), 12345.678901234567};
  {
    SweepStore s(path);
    EXPECT_FALSE(s.initialized());
    s.initialize(setup());
    s.write_piece(0, {0, 2}, {{{3, awkward[0], 0, 3}, {4, awkward[1], 0, 4}}, {{3, awkward[2], awkward[3], 1}, {4, awkward[4], 0.5, 2}}});
  }
  SweepStore s(path);  // reopened: everything was committed
  ASSERT_TRUE(s.initialized());
  const SweepSetup st = s.setup();
  EXPECT_EQ(st.scoring, setup().scoring);
  EXPECT_EQ(st.plans, setup().plans);
  EXPECT_EQ(st.languages, setup().languages);
  ASSERT_EQ(st.units.size(), 3u);
  EXPECT_EQ(st.units[2].lang, 1);
  EXPECT_EQ(st.units[2].chars, 25);
  ASSERT_EQ(st.pieces.size(), 2u);
  EXPECT_EQ(st.pieces[1].first, 2);
  EXPECT_EQ(s.done(), (std::set<std::pair<int, int>>{{0, 0}, {2, 0}}));
  s.write_piece(1, {0, 2}, {{{5, 1.5, 0, 5}}, {{5, 2.5, 0.25, 4}}});
  const auto r = s.results(2);
  EXPECT_EQ(std::memcmp(&r[0].nll, &awkward[2], 8), 0);
  EXPECT_EQ(std::memcmp(&r[0].kl, &awkward[3], 8), 0);
  EXPECT_EQ(std::memcmp(&r[1].nll, &awkward[4], 8), 0);
  EXPECT_EQ(r[1].top1, 2);
  EXPECT_EQ(r[2].tokens, 5);
  const auto f = s.results(0);
  EXPECT_EQ(std::memcmp(&f[1].nll, &awkward[1], 8), 0);
  // Set 1 was never written: reading it says the sweep is unfinished.
  EXPECT_NE(error_of([&] { s.results(1); }).find("not finished"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(SweepStore, AFailedPieceLeavesNothing) {
  const std::string path = temp_db("atomic");
  SweepStore s(path);
  s.initialize(setup());
  // The second set's rows have the wrong length: the first set's rows must not stay behind.
  EXPECT_THROW(s.write_piece(0, {0, 1}, {{{1, 1, 0, 1}, {1, 1, 0, 1}}, {{1, 1, 0, 1}}}), Error);
  EXPECT_TRUE(s.done().empty());
  s.write_piece(0, {0}, {{{1, 1, 0, 1}, {1, 1, 0, 1}}});
  // Writing a finished piece again is refused (primary key) and changes nothing.
  EXPECT_THROW(s.write_piece(0, {1, 0}, {{{1, 9, 0, 1}, {1, 9, 0, 1}}, {{1, 9, 0, 1}, {1, 9, 0, 1}}}), Error);
  EXPECT_EQ(s.done(), (std::set<std::pair<int, int>>{{0, 0}}));
  std::filesystem::remove(path);
}

TEST(SweepStore, ResumeRefusesAnotherSweep) {
  const std::string path = temp_db("check");
  SweepStore s(path);
  s.initialize(setup());
  s.check_same(setup());  // same: fine
  SweepSetup o = setup();
  o.scoring["model"] = "other";
  EXPECT_NE(error_of([&] { s.check_same(o); }).find("model was \"m\", now \"other\""), std::string::npos);
  o = setup();
  o.plans[1]["plan"] = "base=int2";
  EXPECT_NE(error_of([&] { s.check_same(o); }).find("plan 2 was 'b' (base=int8), now 'b' (base=int2)"), std::string::npos);
  o = setup();
  o.plans.erase(1);
  EXPECT_NE(error_of([&] { s.check_same(o); }).find("it has 2 plans, now 1"), std::string::npos);
  o = setup();
  o.units[0].bytes = 11;
  EXPECT_NE(error_of([&] { s.check_same(o); }).find("sentences differ"), std::string::npos);
  o = setup();
  o.pieces = {{0, 1}, {1, 3}};
  EXPECT_NE(error_of([&] { s.check_same(o); }).find("pieces"), std::string::npos);
  o = setup();
  o.plans[0]["tags"] = {{"axis", "x"}};  // tags do not identify a plan
  s.check_same(o);
  std::filesystem::remove(path);
}

TEST(SweepStore, ForeignFilesAreRejected) {
  const std::string path = temp_db("foreign");
  {
    std::ofstream f(path);
    f << "this is not a database, just some text that is long enough to be a header.................\n";
  }
  EXPECT_NE(error_of([&] { SweepStore s(path); }).find(path), std::string::npos);
  std::filesystem::remove(path);
}

// Issue 13 (outside tester): the regressions below.

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// A constructor that threw left its SQLite connection (and file descriptor) open.
TEST(SweepStore, AFailedOpenLeaksNoConnection) {
  const std::string path = temp_db("leak");
  std::ofstream(path) << "this is not a database, just some text that is long enough to be a header.................\n";
  const size_t before = open_descriptors();
  for (int i = 0; i < 20; ++i) EXPECT_THROW(SweepStore s(path), Error);
  EXPECT_EQ(open_descriptors(), before);
  EXPECT_TRUE(std::filesystem::exists(path));  // not ours to remove
  std::filesystem::remove(path);
}

// Two sweeps on one database: the second stops at once with a clear message (here from this
// process and from another one), and the first goes on undisturbed.
TEST(SweepStore, ASecondWriterIsRefused) {
  const std::string path = temp_db("writers");
  {
    SweepStore a(path);
    a.initialize(setup());
    a.write_piece(0, {0}, {{{1, 1, 0, 1}, {1, 1, 0, 1}}});
    EXPECT_NE(error_of([&] { SweepStore b(path); }).find("another sweep is writing this database"), std::string::npos);
    const pid_t child = ::fork();
    if (child == 0) {
      try {
        SweepStore b(path);
      } catch (const Error& e) {
        ::_exit(std::string(e.what()).find("another sweep is writing") != std::string::npos ? 3 : 4);
      }
      ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << status;
    a.write_piece(1, {0}, {{{2, 2, 0, 2}}});
  }
  SweepStore c(path);  // the lock went with the first store
  EXPECT_EQ(c.done(), (std::set<std::pair<int, int>>{{0, 0}, {0, 1}}));
  EXPECT_EQ(c.results(0)[2].tokens, 2);
  std::filesystem::remove(path);
}

// Sweeps started together on a new store: in every round each either finishes or gets the lock
// message, never another error, and the store is whole afterwards. CI once saw the sweep that
// created the file lose the lock and unlink it under the winner; the window is microseconds, so
// this is a stress test (it did not catch that bug in 1000 rounds here), and the rule it guards
// (only the lock holder unlinks) is stated in SweepStore's constructor.
TEST(SweepStore, SweepsStartedTogetherNeverBreakEachOther) {
  const std::string path = temp_db("together");
  for (int round = 0; round < 200; ++round) {
    std::filesystem::remove(path);
    std::vector<pid_t> children;
    for (int k = 0; k < 4; ++k) {
      const pid_t child = ::fork();
      if (child == 0) {
        try {
          SweepStore s(path);
          if (!s.initialized()) s.initialize(setup());
          if (s.done().empty()) s.write_piece(0, {0}, {{{1, 1, 0, 1}, {1, 1, 0, 1}}});
        } catch (const Error& e) {
          if (std::string(e.what()).find("another sweep is writing") != std::string::npos) ::_exit(3);
          std::fprintf(stderr, "%s\n", e.what());
          ::_exit(4);
        }
        ::_exit(0);
      }
      children.push_back(child);
    }
    int finished = 0;
    for (const pid_t child : children) {
      int status = 0;
      ASSERT_EQ(::waitpid(child, &status, 0), child);
      ASSERT_TRUE(WIFEXITED(status)) << status;
      EXPECT_NE(WEXITSTATUS(status), 4) << "round " << round;
      finished += WEXITSTATUS(status) == 0;
    }
    EXPECT_GE(finished, 1) << "round " << round;
    SweepStore s(path);
    ASSERT_TRUE(s.initialized()) << "round " << round;
    EXPECT_EQ(s.done(), (std::set<std::pair<int, int>>{{0, 0}})) << "round " << round;
  }
  std::filesystem::remove(path);
}

// A store that never got its setup (the run failed or stopped first) leaves no empty file.
TEST(SweepStore, ANewStoreNeverInitializedLeavesNoFile) {
  const std::string path = temp_db("unused");
  { SweepStore s(path); }
  EXPECT_FALSE(std::filesystem::exists(path));
  {
    SweepStore s(path);
    s.initialize(setup());
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  { SweepStore s(path); }  // an existing store is never removed
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove(path);
}

// An empty file found when taking the lock (another sweep created it, then lost the lock) holds
// nothing of the user's: a run that fails before its setup removes it, as it would its own.
TEST(SweepStore, AnEmptyFileIsRemovedIfSetupNeverHappens) {
  const std::string path = temp_db("empty");
  std::ofstream(path).close();
  ASSERT_TRUE(std::filesystem::exists(path));
  { SweepStore s(path); }
  EXPECT_FALSE(std::filesystem::exists(path));
}

// A truncated database: the error says it is damaged and what to do, not only SQLite's words.
TEST(SweepStore, ATruncatedStoreSaysWhatToDo) {
  const std::string path = temp_db("truncated");
  SweepSetup big = setup();
  big.units.clear();
  big.pieces.clear();
  for (int u = 0; u < 4000; ++u) big.units.push_back({u % 2, 10 + u, 9 + u});
  for (int p = 0; p < 40; ++p) big.pieces.push_back({p * 100, p * 100 + 100});
  {
    SweepStore s(path);
    s.initialize(big);
    for (int p = 0; p < 40; ++p) {
      std::vector<UnitResult> r(100, UnitResult{5, 1.25 + p, 0.5, 3});
      s.write_piece(p, {0, 1, 2}, {r, r, r});
    }
  }
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 64u * 1024);
  std::filesystem::resize_file(path, size / 2);
  const std::string msg = error_of([&] {
    SweepStore s(path);
    if (s.initialized()) s.check_same(big);
    s.done();
    for (int set = 0; set < 3; ++set) s.results(set);
  });
  EXPECT_NE(msg.find("damaged sweep database"), std::string::npos) << msg;
  EXPECT_NE(msg.find("delete it"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  std::filesystem::remove(path);
}

// Found by tests/fuzz/fuzz_sweep_store: a database whose setup was damaged or edited by hand
// gave nlohmann's raw "key 'plan' not found" / type errors, or units and pieces indexing
// outside the setup. Each is now one line naming the file.
TEST(SweepStore, ADamagedSetupIsOneLineNamingTheFile) {
  const char* damage[] = {
      "UPDATE meta SET value = '[{\"name\": \"a\"}]' WHERE key = 'plans'",
      "UPDATE meta SET value = '{\"a\": 1}' WHERE key = 'plans'",
      "UPDATE meta SET value = '{}' WHERE key = 'languages'",
      "UPDATE meta SET value = '[\"en\", 2]' WHERE key = 'languages'",
      "UPDATE meta SET value = '3' WHERE key = 'scoring'",
      "UPDATE units SET lang = 7 WHERE unit = 0",
      "UPDATE units SET bytes = -1 WHERE unit = 2",
      "UPDATE pieces SET end = 99 WHERE piece = 1",
      "UPDATE pieces SET first = 2, end = 1 WHERE piece = 1",
  };
  for (const char* sql : damage) {
    const std::string path = temp_db("damaged");
    {
      SweepStore s(path);
      s.initialize(setup());
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
    sqlite3_close(db);
    SweepStore s(path);
    for (const std::string& msg : {error_of([&] { s.setup(); }), error_of([&] { s.check_same(setup()); })}) {
      EXPECT_NE(msg.find(path + ": damaged sweep database ("), std::string::npos) << sql << ": " << msg;
      EXPECT_EQ(msg.find("json.exception"), std::string::npos) << msg;
    }
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace lq::experiments
