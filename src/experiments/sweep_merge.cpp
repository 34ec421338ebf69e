#include "experiments/sweep_merge.h"

#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "core/error.h"
#include "experiments/sweep_shard.h"
#include "experiments/sweep_store.h"

namespace lq::experiments {
namespace {

struct Input {
  std::string path;
  std::unique_ptr<SweepStore> store;
  SweepSetup setup;
  std::set<std::pair<int, int>> done;
};

bool same_bits(const std::vector<UnitResult>& a, const std::vector<UnitResult>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].tokens != b[i].tokens || a[i].top1 != b[i].top1 || std::memcmp(&a[i].nll, &b[i].nll, sizeof(double)) ||
        std::memcmp(&a[i].kl, &b[i].kl, sizeof(double)))
      return false;
  return true;
}

std::string cell_name(const SweepSetup& st, int set, int piece) {
  const std::string what = set == 0 ? "full precision" : "plan '" + st.plans[static_cast<size_t>(set - 1)]["name"].get<std::string>() + "'";
  return what + " on piece " + std::to_string(piece);
}

// One line for a cell no input holds: the unfinished store that owns it, else the shards
// that no input is.
[[noreturn]] void fail_missing(const std::vector<Input>& in, const std::string& out, int set, int piece) {
  const SweepSetup& st = in[0].setup;
  const int S = static_cast<int>(st.plans.size()) + 1;
  const std::string what = cell_name(st, set, piece);
  std::set<int> counts, given;
  for (const auto& x : in) {
    if (x.setup.shard.is_null() || cells_of(x.setup.shard).owns(set, piece, S))
      fail(x.path, "holds " + share_name(x.setup.shard) + ", unfinished (it lacks " + what +
                       "): run it again to resume, then merge");
    counts.insert(x.setup.shard["count"].get<int>());
    given.insert(x.setup.shard["index"].get<int>());
  }
  std::string absent;
  if (counts.size() == 1)
    for (int k = 1; k <= *counts.begin(); ++k)
      if (!given.count(k)) absent += (absent.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(*counts.begin());
  fail(out, "cannot merge: no store given holds " + (absent.empty() ? what : "shard " + absent + " (" + what + ")") +
                "; add its store, or run that shard");
}

}  // namespace

MergeSummary merge_sweep_stores(const std::vector<std::string>& paths, const std::string& out) {
  namespace fs = std::filesystem;
  if (paths.empty()) fail("sweep merge", "give the stores to merge");
  if (out.empty()) fail("sweep merge", "--out is required (the merged store)");
  std::error_code ec;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!fs::exists(paths[i])) fail(paths[i], "no such sweep database");
    if (fs::equivalent(paths[i], out, ec)) fail(out, "is one of the stores being merged: merge into a new file");
    for (size_t k = 0; k < i; ++k)
      if (fs::equivalent(paths[i], paths[k], ec)) fail(paths[i], "is given twice");
  }
  const StoreLabels labels{"sweep", "wait for it to finish, then merge", "merge only the stores of one sweep"};
  std::vector<Input> in(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    in[i].path = paths[i];
    in[i].store = std::make_unique<SweepStore>(paths[i], labels);
    if (!in[i].store->initialized()) fail(paths[i], "not a langquant sweep database");
    in[i].setup = in[i].store->setup();
    in[i].done = in[i].store->done();
  }
  // The merged setup is the first store's without its share; every other must equal it.
  SweepSetup whole = in[0].setup;
  whole.shard = nullptr;
  for (size_t i = 1; i < in.size(); ++i) {
    in[i].store->check_same(whole, false);
    if (in[i].setup.plans != whole.plans || in[i].setup.sweep != whole.sweep)
      fail(paths[i], "holds another sweep than " + paths[0] + ": its experiment or plan costs differ");
  }

  const int S = static_cast<int>(whole.plans.size()) + 1, M = static_cast<int>(whole.pieces.size());
  // holder[piece * S + set]: the first input holding the cell; a cell held twice must agree.
  std::vector<int> holder(static_cast<size_t>(S) * static_cast<size_t>(M), -1);
  for (int p = 0; p < M; ++p)
    for (int s = 0; s < S; ++s) {
      int& h = holder[static_cast<size_t>(p) * S + s];
      for (size_t i = 0; i < in.size(); ++i) {
        if (!in[i].done.count({s, p})) continue;
        if (h < 0) {
          h = static_cast<int>(i);
        } else if (!same_bits(in[static_cast<size_t>(h)].store->piece_results(s, p), in[i].store->piece_results(s, p))) {
          fail(paths[i], "holds other numbers than " + paths[static_cast<size_t>(h)] + " for " + cell_name(whole, s, p) +
                             " (another build or --threads?): refusing to merge them");
        }
      }
      if (h < 0) fail_missing(in, out, s, p);
    }

  SweepStore dst(out);
  if (dst.initialized()) dst.check_same(whole);
  else dst.initialize(whole);
  const auto have = dst.done();
  MergeSummary sum;
  sum.stores = static_cast<int>(in.size());
  sum.cells = static_cast<int64_t>(holder.size());
  for (int p = 0; p < M; ++p) {
    std::vector<int> sets;
    std::vector<std::vector<UnitResult>> results;
    for (int s = 0; s < S; ++s) {
      if (have.count({s, p})) continue;
      sets.push_back(s);
      results.push_back(in[static_cast<size_t>(holder[static_cast<size_t>(p) * S + s])].store->piece_results(s, p));
    }
    if (sets.empty()) continue;
    dst.write_piece(p, sets, results);
    sum.written += static_cast<int64_t>(sets.size());
  }
  return sum;
}

}  // namespace lq::experiments
