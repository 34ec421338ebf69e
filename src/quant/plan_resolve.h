// A plan resolved against a model: per tensor the format it gets, and the elements that
// element selectors (top=, random=) keep at another format.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"
#include "quant/imatrix.h"
#include "quant/plan.h"

namespace lq::quant {

// Elements of one tensor kept at `format`, as sorted flat indices in logical order ([out, in]
// for matrices, storage order for 1-D tensors). Groups of one tensor are disjoint.
struct ElementGroup {
  Format format;
  std::vector<int64_t> indices;
  int rule = -1;  // index into Plan::rules
};

struct ResolvedTensor {
  int index = -1;      // into Model::tensors()
  Format format;       // whole-tensor format, after the ggml fallback
  int rule = -1;       // the rule that set `format`; -1 = base
  bool fallback = false;  // a ggml format did not fit the row length (see plan_help)
  // With a llama.cpp mixture base: why the tensor has its format ("default", "more bits: ...",
  // "...; fallback: 640 % 256 != 0 -> q5_0"), and the format the mixture alone gives it.
  std::string reason;
  Format mixture_format;
  std::vector<ElementGroup> groups;
  // With a mixture base: llama-quantize leaves this tensor as stored (1-D, or not a weight).
  bool as_stored = false;
  // With Plan::imatrix: the importance weights llama-quantize passes to ggml for this tensor
  // (one per input column; set only for matrices in a ggml block format that the imatrix
  // covers), and a hash of their bits, which cache keys carry so that two importance matrices
  // never share a quantized copy.
  std::shared_ptr<const std::vector<float>> quant_weights;
  uint64_t quant_weights_hash = 0;

  int64_t kept_elements() const;
};

struct ResolvedPlan {
  Plan plan;
  std::vector<ResolvedTensor> tensors;  // one per Model::tensors() entry, same order
  std::shared_ptr<const Imatrix> imatrix;  // plan.imatrix, loaded (null without one)
};

// With plan.imatrix set, loads it (load_imatrix_spec) and sets each tensor's quant_weights:
// throws when a covered matrix's entry has another column count than the tensor (llama-quantize
// refuses too, except for token_embd, which then quantizes without weights).
ResolvedPlan resolve_plan(const Plan& plan, const Model& model);

// Logical [rows, cols] of a tensor: matrices [out, in], 1-D tensors one row.
int64_t logical_rows(const TensorInfo& t);
int64_t logical_cols(const TensorInfo& t);
// The tensor's values as F32 in logical order (in-major storage transposed).
std::vector<float> logical_values(const TensorInfo& t);

// Format a tensor of this shape actually gets for `f`: a ggml block format whose block does not
// divide the row length falls back as llama-quantize does (q4_k -> q5_0, q5_k -> q5_1,
// q6_k -> q8_0, q2_k/q3_k -> q4_0, iq4_xs -> iq4_nl), and to fp16 (matrices) or fp32 (1-D)
// when that does not fit either (or the format has 32-weight blocks).
Format fit_format(const Format& f, const TensorInfo& t, bool* fell_back = nullptr);

}  // namespace lq::quant
