// tiersim_bench: Google Benchmark's main, after registering the per-policy benchmarks.
#include <benchmark/benchmark.h>

void register_counting_benchmarks();

int main(int argc, char** argv) {
  register_counting_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
