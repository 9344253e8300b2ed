#include "real_backend/calibration_fit.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tiersim::real {

namespace {

void score(LineFit& fit, const std::vector<Sample>& samples) {
  double mean = 0;
  for (const Sample& s : samples) mean += s.seconds;
  mean /= static_cast<double>(samples.size());
  double residual = 0, total = 0;
  fit.worst_relative = 0;
  fit.squared_relative = 0;
  for (const Sample& s : samples) {
    const double p = fit.predict(s.bytes);
    residual += (p - s.seconds) * (p - s.seconds);
    total += (s.seconds - mean) * (s.seconds - mean);
    fit.worst_relative = std::max(fit.worst_relative, std::abs(p - s.seconds) / s.seconds);
    fit.squared_relative += (p - s.seconds) * (p - s.seconds) / (s.seconds * s.seconds);
  }
  fit.r2 = total > 0 ? 1.0 - residual / total : 1.0;
  fit.samples = samples.size();
}

}  // namespace

LineFit fit_line(const std::vector<Sample>& samples) {
  if (samples.size() < 2) throw std::invalid_argument("a line needs at least two samples");
  // Weighted least squares: each row divided by its measured time, so the residuals
  // minimised are relative ones.
  const Eigen::Index n = static_cast<Eigen::Index>(samples.size());
  Eigen::MatrixXd a(n, 2);
  Eigen::VectorXd b = Eigen::VectorXd::Ones(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Sample& s = samples[static_cast<size_t>(i)];
    a(i, 0) = 1.0 / s.seconds;
    a(i, 1) = s.bytes / s.seconds;
  }
  Eigen::Vector2d x = a.colPivHouseholderQr().solve(b);
  LineFit fit;
  if (x(0) < 0) {  // no negative latency: the best line through the origin
    x(0) = 0;
    x(1) = a.col(1).dot(b) / a.col(1).squaredNorm();
  }
  if (x(1) < 0) {  // no negative slope: a constant
    x(1) = 0;
    x(0) = a.col(0).dot(b) / a.col(0).squaredNorm();
  }
  fit.latency_s = x(0);
  fit.seconds_per_byte = x(1);
  score(fit, samples);
  return fit;
}

LinkFit fit_link(std::vector<Sample> samples) {
  std::sort(samples.begin(), samples.end(), [](const Sample& x, const Sample& y) { return x.bytes < y.bytes; });
  LinkFit best;
  best.large = fit_line(samples);
  best.r2 = best.large.r2;
  best.worst_relative = best.large.worst_relative;
  if (best.worst_relative <= 0.10) return best;
  std::vector<double> sizes;
  for (const Sample& s : samples)
    if (sizes.empty() || s.bytes != sizes.back()) sizes.push_back(s.bytes);
  std::optional<LinkFit> split;
  double split_error = 0;
  // Each piece keeps at least three sizes: a line through two always fits. Splits are
  // compared by their squared relative error without the worst point: one noisy size
  // (a preempted thread) must not decide whether or where the pieces meet.
  for (size_t k = 3; k + 3 <= sizes.size(); ++k) {
    std::vector<Sample> below, above;
    for (const Sample& s : samples) (s.bytes < sizes[k] ? below : above).push_back(s);
    LinkFit candidate;
    candidate.small = fit_line(below);
    candidate.large = fit_line(above);
    candidate.small_below = sizes[k];
    candidate.worst_relative = std::max(candidate.small->worst_relative, candidate.large.worst_relative);
    const double error = candidate.small->squared_relative + candidate.large.squared_relative -
                         candidate.worst_relative * candidate.worst_relative;
    if (!split || error < split_error) {
      split = candidate;
      split_error = error;
    }
  }
  // Two lines only where they are much better than one.
  const double one_line_error = best.large.squared_relative - best.worst_relative * best.worst_relative;
  if (!split || split_error * 1.5 >= one_line_error) return best;
  best = *split;
  double mean = 0, residual = 0, total = 0;
  for (const Sample& s : samples) mean += s.seconds;
  mean /= static_cast<double>(samples.size());
  for (const Sample& s : samples) {
    const double p = best.predict(s.bytes);
    residual += (p - s.seconds) * (p - s.seconds);
    total += (s.seconds - mean) * (s.seconds - mean);
  }
  best.r2 = total > 0 ? 1.0 - residual / total : 1.0;
  return best;
}

std::optional<WakeFit> fit_wake(double back_to_back_s, const std::vector<WakeSample>& after_idle) {
  if (after_idle.empty()) return std::nullopt;
  std::vector<double> extra;
  for (const WakeSample& w : after_idle) extra.push_back(w.seconds - back_to_back_s);
  const double longest = extra.back();
  if (longest < 2e-6 || longest < 0.1 * back_to_back_s) return std::nullopt;
  size_t from = extra.size() - 1;
  while (from > 0 && extra[from - 1] >= longest / 2) --from;
  std::vector<double> woken(extra.begin() + static_cast<std::ptrdiff_t>(from), extra.end());
  std::sort(woken.begin(), woken.end());
  WakeFit fit;
  fit.latency_s = woken.size() % 2 ? woken[woken.size() / 2] : (woken[woken.size() / 2 - 1] + woken[woken.size() / 2]) / 2;
  fit.after_s = from == 0 ? after_idle[0].idle_s : (after_idle[from - 1].idle_s + after_idle[from].idle_s) / 2;
  return fit;
}

}  // namespace tiersim::real
