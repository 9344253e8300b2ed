#pragma once
// The figures of the backing store's own machinery, for every workload: its GET and PUT
// requests (store_get_requests, store_put_requests, store_throttled, store_backoff_s)
// and, when it stores objects compressed, its encoder and decoder as links
// (<store>_encode_*, <store>_decode_*).
#include <vector>

#include "models/links/i_link.h"
#include "sim/engine/time.h"

namespace tiersim {
class Metrics;
}

namespace tiersim::models {

class Topology;

void add_store_request_metrics(Metrics& metrics, const Topology& topology);
// `at_horizon`, when given, holds the encoder's and decoder's totals at `horizon` (from
// codec_totals()), so the codec is reported over the same window as the other links.
void add_codec_metrics(Metrics& metrics, const Topology& topology, sim::Time horizon,
                       const std::vector<LinkTotals>* at_horizon = nullptr);
// The encoder's and decoder's totals now (those that exist, in that order).
std::vector<LinkTotals> codec_totals(const Topology& topology);

}  // namespace tiersim::models
