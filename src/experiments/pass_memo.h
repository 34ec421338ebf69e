// The scoring passes of a search (or recommend) kept in a progress file as they finish, so that
// a run killed at any moment and started again with --resume replays the finished passes from
// the file and computes only the rest. A search is deterministic given its passes' results, so
// the replayed run takes the same path and writes byte-identical outputs; the results read back
// bit for bit (raw IEEE doubles). A run loses at most the pass in flight.
//
// Each pass is stored under a key naming what it scored (its candidates' plan lines and unit
// range). The file records the model's and the units' identity (run_identity.h) and the
// options that change numbers; another one is refused with one line. An exclusive flock
// held for the run's lifetime refuses a second run on the same outputs.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "experiments/plan_scoring.h"

struct sqlite3;

namespace lq::experiments {

class PassMemo {
 public:
  // Opens (creating) the file at `path` and locks it. Without resume, a file holding passes is
  // refused (it is an interrupted run the user may want to continue). `setup` is what must
  // match to resume: identity and options.
  PassMemo(const std::string& path, bool resume, const std::string& command, const nlohmann::json& setup);
  ~PassMemo();
  PassMemo(const PassMemo&) = delete;
  PassMemo& operator=(const PassMemo&) = delete;

  std::optional<std::vector<UnitSetScores>> find(const std::string& key);
  void put(const std::string& key, const std::vector<UnitSetScores>& scores);
  // Any other finished work as bytes (e.g. imatrix's running sums), under its own key; one put
  // is one SQLite statement, so a kill leaves the previous bytes or the new ones, never a mix.
  std::optional<std::string> find_bytes(const std::string& key);
  void put_bytes(const std::string& key, const std::string& bytes);
  // Removes the file (after the outputs are committed).
  void finish();

 private:
  void exec(const char* sql);
  [[noreturn]] void fail_db();
  std::string path_;
  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
};

}  // namespace lq::experiments
