// Attention-sink statistics of one sentence on a hand-written attention matrix.
#include "analysis/attention_sinks.h"

#include <gtest/gtest.h>

namespace lq::analysis {
namespace {

// Rows are queries i, columns keys j (causal: zero above the diagonal).
const float kP[16] = {1.0f, 0,    0,    0,     //
                      0.5f, 0.5f, 0,    0,     //
                      0.2f, 0.6f, 0.2f, 0,     //
                      0.1f, 0.5f, 0.1f, 0.3f};

TEST(AttentionSinks, FirstAndSecondaryShares) {
  HeadSinks s;
  add_sentence_sinks(kP, 4, 0.3, s);
  // Queries 1..3 count; position 0 gets 0.5, 0.2 and 0.1.
  EXPECT_EQ(s.queries, 3);
  EXPECT_NEAR(s.first(), 0.8 / 3, 1e-7);
  // Key 1 receives (0.6 + 0.5) / 2 = 0.55 from the later queries: a sink; key 2 only 0.1;
  // key 3 has no later query. Other = (0 + 0.6 + 0.5) / 3.
  EXPECT_NEAR(s.other(), 1.1 / 3, 1e-7);
  // Above 0.55 key 1 is no sink; sums accumulate across sentences.
  HeadSinks t;
  add_sentence_sinks(kP, 4, 0.6, t);
  EXPECT_EQ(t.other(), 0.0);
  add_sentence_sinks(kP, 4, 0.6, t);
  EXPECT_EQ(t.queries, 6);
  EXPECT_NEAR(t.first(), 0.8 / 3, 1e-7);
  // A one-token sentence has no counted query.
  HeadSinks u;
  add_sentence_sinks(kP, 1, 0.3, u);
  EXPECT_EQ(u.queries, 0);
  EXPECT_EQ(u.first(), 0.0);
}

}  // namespace
}  // namespace lq::analysis
