// Properties of the warmup + cosine schedule: linear ramp to the peak, the peak right after
// warmup, the cosine's midpoint at the mean of peak and floor, the floor at the last step,
// monotone decay in between.
#include <gtest/gtest.h>

#include "train/lr_schedule.h"

using lq::train::LrSchedule;

TEST(LrSchedule, WarmupIsLinearFromLrOverWarmup) {
  const LrSchedule s{1e-3, 1e-4, 10, 101};
  for (int i = 0; i < 10; ++i) EXPECT_DOUBLE_EQ(s.at(i), 1e-3 * (i + 1) / 10.0);
}

TEST(LrSchedule, CosineFromPeakToFloor) {
  const LrSchedule s{1e-3, 1e-4, 10, 111};  // decay over steps 10..110
  EXPECT_DOUBLE_EQ(s.at(10), 1e-3);
  EXPECT_NEAR(s.at(60), (1e-3 + 1e-4) / 2, 1e-15);
  EXPECT_NEAR(s.at(110), 1e-4, 1e-15);
  EXPECT_NEAR(s.at(500), 1e-4, 1e-15);
  for (int i = 11; i <= 110; ++i) EXPECT_LT(s.at(i), s.at(i - 1));
}

TEST(LrSchedule, NoWarmupAndSingleStep) {
  EXPECT_DOUBLE_EQ((LrSchedule{2e-3, 0, 0, 1}.at(0)), 2e-3);
  EXPECT_DOUBLE_EQ((LrSchedule{2e-3, 0, 1, 1}.at(0)), 2e-3);
}
