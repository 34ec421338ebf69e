// The SQLite file a sweep writes its results into as they complete, so a sweep killed at any
// moment resumes where it stopped. It holds the sweep's setup (model, corpus, scoring options,
// the plan list, the units and how they are cut into pieces), and per (set, piece) the
// per-unit totals: scored tokens, summed NLL, summed KL(FP || set), top-1 agreements. Set 0 is
// full precision; set i > 0 is plans[i - 1]. A piece's results and its "done" mark are written
// in one transaction, so a piece is either wholly stored or absent. Doubles are stored as
// SQLite REALs (IEEE binary64), so they read back bit for bit (except -0.0, which SQLite
// stores as integer 0; sums that start at +0.0 never become -0.0).
//
// One writer at a time: a SweepStore holds an exclusive flock on the database file for its
// lifetime (released by the kernel even when the process is killed), so a second sweep on the
// same file stops at once with a clear message instead of racing the first. A store this
// process created is removed again unless initialize() committed (creating or initializing
// it failed, e.g. on a full disk, or the run stopped before), so no empty database is left;
// so is an empty file found when taking the lock. Only the lock holder ever removes the file.
// SQLite errors carry what to do (a damaged file, a full disk).
//
// The setup includes the identity of the model and the corpus (hashes, see
// experiments/run_identity.h); check_same refuses another model or corpus with one line
// before anything is scored.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

struct sqlite3;

namespace lq::experiments {

struct UnitMeta {
  int lang = 0;  // index into SweepSetup::languages
  int64_t bytes = 0, chars = 0;
};

struct Piece {
  int first = 0, end = 0;  // units [first, end)
};

struct SweepSetup {
  nlohmann::json scoring;  // model, corpus and every option that changes a number: must match to resume
  nlohmann::json plans;    // array of {name, plan, description, tags, overhead, size_bytes, bits_per_weight}
  nlohmann::json sweep;    // the experiment (name, description, axes, length_buckets)
  // {"model": hash, "corpus": hash, "units": hash} (experiments/run_identity.h): a store never
  // mixes results of two models or corpora. Null in a store written before hashes were kept.
  nlohmann::json identity;
  // A sharded run's share (experiments/sweep_shard.h): {"index": K, "count": N, "cells": [first,
  // end]}. Null: the whole sweep. A store is resumed only with the same share; merged stores
  // must agree on everything else.
  nlohmann::json shard;
  std::vector<std::string> languages;
  std::vector<UnitMeta> units;
  std::vector<Piece> pieces;
};

struct UnitResult {
  int64_t tokens = 0;
  double nll = 0, kl = 0;
  int64_t top1 = 0;
};

// How the lock message names the other writer and what to do: "another <writer> is writing
// this database: <advice>".
struct StoreLabels {
  std::string writer = "sweep";
  std::string advice = "wait for it to finish, or use another --db";
  std::string elsewhere = "use another --db";  // how to start afresh instead of resuming
};

// "shard 2/3", or "the whole sweep" for a null share (for messages).
std::string share_name(const nlohmann::json& shard);

class SweepStore {
 public:
  // Opens or creates; fails when another store holds it.
  explicit SweepStore(const std::string& path, StoreLabels labels = {});
  ~SweepStore();
  SweepStore(const SweepStore&) = delete;
  SweepStore& operator=(const SweepStore&) = delete;

  const std::string& path() const { return path_; }
  bool initialized();
  // Writes the setup into a fresh store (one transaction).
  void initialize(const SweepSetup& s);
  // Fails with a one-line error naming what differs when the stored setup is another sweep's
  // (with compare_shard, also when it holds another share of the same sweep).
  void check_same(const SweepSetup& s, bool compare_shard = true);
  SweepSetup setup();

  // (set, piece) pairs already stored.
  std::set<std::pair<int, int>> done();
  // Stores the results of `sets` on one piece in one transaction; results[k][u] is set
  // sets[k] on unit piece.first + u.
  void write_piece(int piece, const std::vector<int>& sets, const std::vector<std::vector<UnitResult>>& results);
  // Every unit's result for one set (all pieces must be stored).
  std::vector<UnitResult> results(int set);
  // One set's results on one piece, in unit order (the piece must be stored for that set).
  std::vector<UnitResult> piece_results(int set, int piece);

 private:
  void exec(const char* sql);
  void write_setup(const SweepSetup& s);
  void close_db();
  void release_lock();
  void remove_if_created();  // after a failed start: the file this store created, and its journal
  std::string path_;
  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
  bool created_ = false;  // the file did not exist before this store
  StoreLabels labels_;
};

}  // namespace lq::experiments
