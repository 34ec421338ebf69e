// The training forward and backward of Gpt2Trainable: mean next-token NLL over packed
// sequences and its gradient with respect to every parameter (see gpt2_trainable.h for the
// memory policy). Derivations follow the forward line by line; the chain is checked against
// PyTorch autograd on GPT2LMHeadModel in tests/oracle/test_backward.py.
#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "train/gpt2_trainable.h"
#include "train/gpt2_workspace.h"
#include "train/train_ops.h"

namespace lq::train {
namespace {

int64_t block_act_floats(int64_t M, int64_t D, int64_t F, int64_t n_probs) {
  return 8 * M * D + 2 * M * F + 2 * M + n_probs;
}

}  // namespace


Gpt2Trainable::~Gpt2Trainable() = default;
Gpt2Trainable::Gpt2Trainable(Gpt2Trainable&&) noexcept = default;
Gpt2Trainable& Gpt2Trainable::operator=(Gpt2Trainable&&) noexcept = default;

bool Gpt2Trainable::recomputes(const std::vector<int64_t>& lens) const {
  if (recompute_ != Recompute::Auto) return recompute_ == Recompute::Always;
  int64_t M = 0, n_probs = 0;
  for (int64_t T : lens) M += T, n_probs += shape_.n_head * T * T;
  const int64_t bytes = 4 * shape_.n_layer * block_act_floats(M, shape_.n_embd, shape_.ff(), n_probs);
  return bytes > activation_budget_bytes_;
}

std::pair<double, int64_t> Gpt2Trainable::forward_backward(const std::vector<std::vector<int32_t>>& seqs,
                                                           std::vector<double>* seq_nll) {
  const int64_t D = shape_.n_embd, F = shape_.ff(), V = shape_.n_vocab, L = shape_.n_layer;
  AttentionLayout al;
  al.n_head = shape_.n_head;
  al.head_dim = shape_.head_dim();
  al.scale = 1.0f / std::sqrt(static_cast<float>(al.head_dim));
  int64_t M = 0, n_pred = 0;
  for (const auto& s : seqs) {
    const auto T = static_cast<int64_t>(s.size());
    if (T > shape_.n_ctx)
      fail("training batch", "sequence of " + std::to_string(T) + " tokens exceeds n_positions " +
                                 std::to_string(shape_.n_ctx));
    for (int32_t id : s)
      if (id < 0 || id >= V) fail("training batch", "token id " + std::to_string(id) + " outside the vocabulary");
    al.starts.push_back(M);
    al.lens.push_back(T);
    M += T;
    n_pred += std::max<int64_t>(T - 1, 0);
  }
  if (seq_nll) seq_nll->assign(seqs.size(), 0.0);
  if (n_pred == 0) return {0.0, 0};
  const std::vector<int64_t> prob_off = attention_prob_offsets(al);
  const bool recompute = recomputes(al.lens);

  if (!ws_) ws_ = std::make_unique<Workspace>();
  Workspace& w = *ws_;
  w.acts.resize(recompute ? 1 : static_cast<size_t>(L));
  for (BlockActs& a : w.acts) a.reserve(M, D, F, prob_off.back());
  float* xs = grow(w.xs, (L + 1) * M * D);  // block inputs; xs + L*M*D is the last output
  float* tmp = grow(w.tmp, M * D);
  float* dbig = grow(w.dbig, M * F);
  float* dmid = grow(w.dmid, M * D);
  float* dqkv = grow(w.dqkv, 3 * M * D);
  float* scratch = grow(w.scratch, M * D);

  // ---- forward ----
  std::vector<int32_t> ids(static_cast<size_t>(M));
  std::vector<int64_t> pos(static_cast<size_t>(M));
  for (size_t s = 0; s < seqs.size(); ++s)
    for (int64_t t = 0; t < al.lens[s]; ++t) {
      ids[al.starts[s] + t] = seqs[s][t];
      pos[al.starts[s] + t] = t;
    }
  const float* wte = P("transformer.wte.weight");
  const float* wpe = P("transformer.wpe.weight");
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < M; ++r)
    for (int64_t j = 0; j < D; ++j) xs[r * D + j] = wte[ids[r] * D + j] + wpe[pos[r] * D + j];

  auto block_forward = [&](int l, BlockActs& a) {
    const float* x = xs + l * M * D;
    float* out = xs + (l + 1) * M * D;
    auto p = [&](const char* s) { return P(block_param(l, s)); };
    layer_norm_forward(x, M, D, p("ln_1.weight"), p("ln_1.bias"), shape_.norm_eps, a.xhat1.data(),
                       a.rstd1.data(), a.y1.data());
    conv1d_forward(a.y1.data(), M, D, 3 * D, p("attn.c_attn.weight"), p("attn.c_attn.bias"), a.qkv.data());
    attention_forward(a.qkv.data(), al, prob_off, a.probs.data(), a.att.data());
    conv1d_forward(a.att.data(), M, D, D, p("attn.c_proj.weight"), p("attn.c_proj.bias"), out);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < M * D; ++i) out[i] += x[i];  // out now holds the mid-block residual
    layer_norm_forward(out, M, D, p("ln_2.weight"), p("ln_2.bias"), shape_.norm_eps, a.xhat2.data(),
                       a.rstd2.data(), a.y2.data());
    conv1d_forward(a.y2.data(), M, D, F, p("mlp.c_fc.weight"), p("mlp.c_fc.bias"), a.fc_pre.data());
    gelu_new_forward(a.fc_pre.data(), a.fc_act.data(), M * F);
    conv1d_forward(a.fc_act.data(), M, F, D, p("mlp.c_proj.weight"), p("mlp.c_proj.bias"), tmp);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < M * D; ++i) out[i] += tmp[i];
  };
  for (int l = 0; l < L; ++l) block_forward(l, w.acts[recompute ? 0 : l]);

  float* xhatf = grow(w.xhatf, M * D);
  float* rstdf = grow(w.rstdf, M);
  float* hf = grow(w.hf, M * D);
  layer_norm_forward(xs + L * M * D, M, D, P("transformer.ln_f.weight"), P("transformer.ln_f.bias"),
                     shape_.norm_eps, xhatf, rstdf, hf);

  // ---- output head (tied to wte), a chunk of predicted rows at a time ----
  std::vector<int64_t> rows, seq_of;  // predicted rows, their sequence
  for (size_t s = 0; s < seqs.size(); ++s)
    for (int64_t t = 0; t + 1 < al.lens[s]; ++t) rows.push_back(al.starts[s] + t), seq_of.push_back(s);
  float* dhf = grow(w.dhf, M * D);
  std::fill(dhf, dhf + M * D, 0.0f);
  float* dwte = G("transformer.wte.weight");
  const int64_t C = std::min<int64_t>(n_pred, std::max<int64_t>(64, (int64_t{16} << 20) / V));
  float* logits = grow(w.logits, C * V);
  float* hc = grow(w.hc, C * D);
  float* dhc = grow(w.dhc, C * D);
  std::vector<double> row_nll(static_cast<size_t>(n_pred));
  const float inv_n = 1.0f / static_cast<float>(n_pred);
  for (int64_t c0 = 0; c0 < n_pred; c0 += C) {
    const int64_t n = std::min(C, n_pred - c0);
    for (int64_t i = 0; i < n; ++i) std::copy_n(hf + rows[c0 + i] * D, D, hc + i * D);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(V),
                static_cast<int>(D), 1.0f, hc, static_cast<int>(D), wte, static_cast<int>(D), 0.0f, logits,
                static_cast<int>(V));
    // d(mean NLL)/d logit = (softmax - onehot(target)) / n_pred, written over the logits.
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      float* z = logits + i * V;
      const int32_t target = ids[rows[c0 + i] + 1];
      const float zt = z[target];
      float mx = z[0];
      for (int64_t j = 1; j < V; ++j) mx = std::max(mx, z[j]);
      double sum = 0.0;
      for (int64_t j = 0; j < V; ++j) {
        z[j] = std::exp(z[j] - mx);
        sum += z[j];
      }
      row_nll[c0 + i] = std::log(sum) + mx - zt;
      const float scale = static_cast<float>(1.0 / sum) * inv_n;
      for (int64_t j = 0; j < V; ++j) z[j] *= scale;
      z[target] -= inv_n;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n), static_cast<int>(D),
                static_cast<int>(V), 1.0f, logits, static_cast<int>(V), wte, static_cast<int>(D), 0.0f, dhc,
                static_cast<int>(D));
    for (int64_t i = 0; i < n; ++i) std::copy_n(dhc + i * D, D, dhf + rows[c0 + i] * D);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(V), static_cast<int>(D),
                static_cast<int>(n), 1.0f, logits, static_cast<int>(V), hc, static_cast<int>(D), 1.0f, dwte,
                static_cast<int>(D));
  }
  double total = 0.0;
  for (int64_t i = 0; i < n_pred; ++i) {
    total += row_nll[i];
    if (seq_nll) (*seq_nll)[seq_of[i]] += row_nll[i];
  }

  // ---- backward through ln_f, the blocks (last first), the embeddings ----
  float* dx = grow(w.dx, M * D);  // gradient at the current residual stream
  std::fill(dx, dx + M * D, 0.0f);
  layer_norm_backward(dhf, xhatf, rstdf, M, D, P("transformer.ln_f.weight"), G("transformer.ln_f.weight"),
                      G("transformer.ln_f.bias"), dx, scratch);
  for (int l = static_cast<int>(L) - 1; l >= 0; --l) {
    BlockActs& a = w.acts[recompute ? 0 : l];
    if (recompute) block_forward(l, a);  // rewrites xs[l + 1] with the same values
    auto p = [&](const char* s) { return P(block_param(l, s)); };
    auto g = [&](const char* s) { return G(block_param(l, s)); };
    // MLP: out = mid + c_proj(gelu(c_fc(ln_2(mid)))).
    conv1d_backward(a.fc_act.data(), dx, M, F, D, p("mlp.c_proj.weight"), g("mlp.c_proj.weight"),
                    g("mlp.c_proj.bias"), dbig);
    gelu_new_backward(a.fc_pre.data(), dbig, dbig, M * F);
    conv1d_backward(a.y2.data(), dbig, M, D, F, p("mlp.c_fc.weight"), g("mlp.c_fc.weight"), g("mlp.c_fc.bias"),
                    dmid);
    layer_norm_backward(dmid, a.xhat2.data(), a.rstd2.data(), M, D, p("ln_2.weight"), g("ln_2.weight"),
                        g("ln_2.bias"), dx, scratch);
    // Attention: mid = x + c_proj(attn(c_attn(ln_1(x)))).
    conv1d_backward(a.att.data(), dx, M, D, D, p("attn.c_proj.weight"), g("attn.c_proj.weight"),
                    g("attn.c_proj.bias"), dmid);
    attention_backward(a.qkv.data(), a.probs.data(), dmid, al, prob_off, dqkv);
    conv1d_backward(a.y1.data(), dqkv, M, D, 3 * D, p("attn.c_attn.weight"), g("attn.c_attn.weight"),
                    g("attn.c_attn.bias"), dmid);
    layer_norm_backward(dmid, a.xhat1.data(), a.rstd1.data(), M, D, p("ln_1.weight"), g("ln_1.weight"),
                        g("ln_1.bias"), dx, scratch);
  }
  // Repeated ids and positions add into the same rows, so this runs in row order.
  float* dwpe = G("transformer.wpe.weight");
  for (int64_t r = 0; r < M; ++r) {
    const float* d = dx + r * D;
    float* e = dwte + ids[r] * D;
    float* q = dwpe + pos[r] * D;
    for (int64_t j = 0; j < D; ++j) e[j] += d[j], q[j] += d[j];
  }
  return {total, n_pred};
}

}  // namespace lq::train
