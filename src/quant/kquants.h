// ggml's K-quant and IQ4 block writers, byte for byte (ggml/src/ggml-quants.c), one row at a
// time. Callers normally go through ggml_blocks.h (quantize_row / quantize_row_into), which
// checks lengths and picks the function ggml_quantize_chunk would call; these are the
// per-type entry points behind it. x[0..n) is one row, n a multiple of the type's block
// (256, or 32 for IQ4_NL); out receives n/block blocks.
//
// Two paths per type, as in ggml:
//   qw == nullptr  quantize_row_<type>_ref: fixed heuristic weights (|x|, x^2, sigma + |x|)
//   qw != nullptr  quantize_<type> with quant_weights = qw[0..n): the importance of each column
//                  (llama.cpp's imatrix), combined with the weight's own size as ggml does
//                  (qw * sqrt(sigma^2 + x^2) for Q2_K..Q5_K, IQ4; qw alone for Q6_K).
// For Q2_K..Q6_K and IQ4_XS, quantize_<type>(qw = null) is exactly quantize_row_<type>_ref, so
// the null path is also what llama-quantize writes without an imatrix. IQ4_NL is the exception:
// its _ref skips the scale search (ntry = -1) while quantize_iq4_nl always searches (ntry = 7),
// hence the `reference` flag.
#pragma once
#include <cstdint>

namespace lq::quant::ggml::kquants {

void q2_k(const float* x, int64_t n, uint8_t* out, const float* qw);
void q3_k(const float* x, int64_t n, uint8_t* out, const float* qw);
void q4_k(const float* x, int64_t n, uint8_t* out, const float* qw);
void q5_k(const float* x, int64_t n, uint8_t* out, const float* qw);
void q6_k(const float* x, int64_t n, uint8_t* out, const float* qw);
void iq4_nl(const float* x, int64_t n, uint8_t* out, const float* qw, bool reference);
void iq4_xs(const float* x, int64_t n, uint8_t* out, const float* qw);

// The 32-weight legacy types with importance (quantize_q4_0 etc. with quant_weights != null;
// with null they are the _ref writers of ggml_blocks.cpp). qw must not be null.
void q4_0_weighted(const float* x, int64_t n, uint8_t* out, const float* qw);
void q4_1_weighted(const float* x, int64_t n, uint8_t* out, const float* qw);
void q5_0_weighted(const float* x, int64_t n, uint8_t* out, const float* qw);
void q5_1_weighted(const float* x, int64_t n, uint8_t* out, const float* qw);

}  // namespace lq::quant::ggml::kquants
