#include "models/links/link_model_registry.h"

#include <stdexcept>

namespace tiersim::models {

std::unique_ptr<ILink> make_modelled_link(sim::Simulator& simulator, const LinkSpec& spec) {
  const LinkModelEntry* entry = LinkModelRegistry::find(spec.model);
  if (!entry) throw std::logic_error("link \"" + spec.name + "\" names the unregistered link model \"" + spec.model + "\"");
  return entry->make(simulator, spec);
}

}  // namespace tiersim::models
