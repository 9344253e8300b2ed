#pragma once
// The figures of the backing store's own machinery, for every workload: its GET and PUT
// requests (store_get_requests, store_put_requests, store_throttled, store_backoff_s)
// and, when it stores objects compressed, its encoder and decoder as links
// (<store>_encode_*, <store>_decode_*).
#include "sim/engine/time.h"

namespace tiersim {
class Metrics;
}

namespace tiersim::models {

class Topology;

void add_store_request_metrics(Metrics& metrics, const Topology& topology);
void add_codec_metrics(Metrics& metrics, const Topology& topology, sim::Time horizon);

}  // namespace tiersim::models
