#!/usr/bin/env bash
# Benchmarks (reported, never asserted): the event core, in-memory replay, and tiersim as a
# whole process on 10-million-access traces (generated once into bench-data/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh --tests >/dev/null
mkdir -p bench-data
T=./build/tiersim
episode=bench-data/episode_10M_v2.oracleGeneral
zipf=bench-data/zipf_10M_1M.oracleGeneral
episode_bin=bench-data/episode_10M_v2.bin
# Episode trace: 2048 experts, 4 picks per step (about 3.3 distinct), episodes of 50 steps: ~10M accesses.
[ -f "$episode" ] || $T trace gen --sampler episode --n-experts 2048 --experts-per-step 4 --episode-len 50 \
    --steps 3020000 --seed 1 --format oracleGeneral -o "$episode"
[ -f "$episode_bin" ] || $T trace gen --sampler episode --n-experts 2048 --experts-per-step 4 --episode-len 50 \
    --steps 3020000 --seed 1 --format bin -o "$episode_bin"
# Zipf(0.9) over a million objects, one access per step: exactly 10M accesses.
[ -f "$zipf" ] || $T trace gen --sampler zipf --n-experts 1000000 --experts-per-step 1 --zipf-alpha 0.9 \
    --steps 10000000 --seed 1 --format oracleGeneral -o "$zipf"

timed() {  # prints wall seconds and peak RSS of one command
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{' '.join(sys.argv[1:]):<100} {wall:6.3f} s  {rss:8d} KiB max RSS")
PY
}

echo "== whole-process timings (best of 3)"
for policy in lru fifo clock lfu arc 2q s3fifo priority ttl belady; do
  for i in 1 2 3; do timed $T cache "$episode" --policy $policy --size 64 --format oracleGeneral; done
  for i in 1 2 3; do timed $T cache "$zipf" --policy $policy --size 10000 --format oracleGeneral; done
done
for i in 1 2 3; do timed $T mrc "$zipf" --format oracleGeneral --out bench-data/mrc; done
for i in 1 2 3; do timed $T mrc "$episode" --format oracleGeneral --l1 16,64 --out bench-data/mrc; done
for i in 1 2 3; do timed $T bench-cache --trace "$episode_bin" --n-experts 2048 --gpu_slots 16 --cpu_cache 64 \
    --mode training --out bench-data/bench-cache --quiet; done
grep -o '"accesses_per_s": [0-9.e+]*' bench-data/bench-cache/summary.json
echo "== tiersim train: 10M expert uses, Adam beside the experts, evict-safe backward"
for i in 1 2 3; do timed $T train --n_experts 2048 --gpu_slots 64 --cpu_cache 256 --episode_len 50 --envs_per_batch 4 \
    --steps 2500000 --optimizer adam --evict-safe recompute --out bench-data/train --quiet; done
grep -o '"accesses_per_s": [0-9.e+]*' bench-data/train/summary.json
# The same with a first tier far too small for a step (8 experts a step, 6 slots: 80 % misses, reloads every step).
for i in 1 2 3; do timed $T train --n_experts 2048 --gpu_slots 6 --cpu_cache 256 --episode_len 50 --envs_per_batch 8 \
    --steps 1250000 --optimizer adam --evict-safe recompute --out bench-data/train-thrash --quiet; done
grep -o '"accesses_per_s": [0-9.e+]*' bench-data/train-thrash/summary.json
echo "== KV-cache serving: Mooncake's conversation trace through four tiers; 10M synthetic block lookups"
for i in 1 2 3; do timed $T run configs/kv_mooncake_4tier.json --out bench-data/kv-mooncake --quiet; done
grep -o '"wall_s": [0-9.e+-]*' bench-data/kv-mooncake/summary.json
for i in 1 2 3; do timed $T run configs/kv_synthetic_chat.json --set workload.generator.requests=33400 \
    --out bench-data/kv-synthetic-10M --quiet; done
python3 -c "import csv; r = next(csv.DictReader(open('bench-data/kv-synthetic-10M/results.csv'))); print('block_lookups', r['block_lookups'])"
grep -o '"wall_s": [0-9.e+-]*' bench-data/kv-synthetic-10M/summary.json
for i in 1 2 3; do timed $T run configs/kv_pooled_pd.json --out bench-data/kv-pooled-pd --quiet; done
grep -o '"wall_s": [0-9.e+-]*' bench-data/kv-pooled-pd/summary.json
echo "== a 64-node KV cluster: about 17M block lookups"
for i in 1 2 3; do timed $T run tests/bench/configs/kv_cluster_64.json --out bench-data/kv-cluster-64 --quiet; done
python3 -c "import csv; r = next(csv.DictReader(open('bench-data/kv-cluster-64/results.csv'))); print('block_lookups', r['block_lookups'], 'pool objects', r['pool_objects_end'] if 'pool_objects_end' in r else r['pool_inserts'])"
echo "== the KV store's API: Mooncake's conversation trace with a promotion daemon"
for i in 1 2 3; do timed $T run configs/kvss_store_daemon.json --out bench-data/kvss-store --quiet; done
echo "== event core and in-memory replay"
./build/tests/bench/tiersim_bench
