// ACIQ (Banner, Nahshan, Soudry 2019, "Post training 4-bit quantization of convolutional
// networks for rapid-deployment"): the clip value alpha that minimises the analytic
// expected squared error of clipping a distribution to [-alpha, alpha] and quantizing that
// range uniformly into 2^M bins:
//   Laplace(b):     E(alpha) = 2 b^2 exp(-alpha/b) + alpha^2 / (3 * 4^M)
//   Gaussian(sigma): E(alpha) = (alpha^2 + sigma^2) (1 - erf(alpha / (sqrt(2) sigma)))
//                               - sqrt(2/pi) alpha sigma exp(-alpha^2 / (2 sigma^2))
//                               + alpha^2 / (3 * 4^M)
// (the first terms are the clipping error 2*integral_alpha^inf (x-alpha)^2 p(x) dx, the last
// the rounding error Delta^2/12 with Delta = 2 alpha / 2^M). Both are convex in alpha, and
// alpha scales with b or sigma, so the optimum is a multiplier of b or sigma per bit width.
#pragma once

namespace lq::quant {

// Analytic MSE above for unit b (Laplace) or unit sigma (Gaussian).
double aciq_mse_laplace(double alpha, int bits);
double aciq_mse_gauss(double alpha, int bits);

// alpha*/b and alpha*/sigma for M = bits (1..16), by golden-section search to ~1e-10.
// The paper's tables: Laplace 2.83, 3.89, 5.03, 6.2, 7.41, 8.64, 9.89 and Gaussian 1.71,
// 2.15, 2.55, 2.94, 3.29, 3.62, 3.92 for M = 2..8.
double aciq_alpha_laplace(int bits);
double aciq_alpha_gauss(int bits);

}  // namespace lq::quant
