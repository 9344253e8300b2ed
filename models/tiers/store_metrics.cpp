#include "models/tiers/store_metrics.h"

#include "models/links/link_metrics.h"
#include "models/tiers/topology.h"
#include "sim/output/metrics.h"

namespace tiersim::models {

void add_store_request_metrics(Metrics& m, const Topology& topology) {
  const ObjectStoreGate& store = topology.object_store();
  m.add("store_get_requests", store.gets());
  m.add("store_put_requests", store.puts());
  m.add("store_throttled", store.throttled());
  m.add("store_backoff_s", sim::to_seconds(store.backoff_total()));
}

void add_codec_metrics(Metrics& m, const Topology& topology, sim::Time horizon, const std::vector<LinkTotals>* at_horizon) {
  size_t i = 0;
  for (const QueueingLink* codec : {topology.encoder(), topology.decoder()}) {
    if (!codec) continue;
    const LinkStats stats = at_horizon && i < at_horizon->size() ? over_window(codec->stats(), {(*at_horizon)[i]}) : codec->stats();
    add_link_metrics(m, codec->spec().name, stats, horizon);
    ++i;
  }
}

std::vector<LinkTotals> codec_totals(const Topology& topology) {
  std::vector<LinkTotals> totals;
  for (const QueueingLink* codec : {topology.encoder(), topology.decoder()})
    if (codec) totals.push_back(codec->totals());
  return totals;
}

}  // namespace tiersim::models
