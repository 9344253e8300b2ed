#pragma once
// The names under which link models are chosen ("model" on a link or a profile entry;
// "queueing" by default). A link model is one file that registers itself with
//   TIERSIM_REGISTER_LINK_MODEL(queueing, "queueing", "what it does", {"bandwidth", ...}, &make);
// naming the parameters of the link table (models/links/link_parameters.h) that
// `tiersim calibrate` measures for it. `tiersim list links` prints them.
#include <memory>
#include <string>
#include <vector>

#include "models/links/i_link.h"
#include "sim/containers/named_registry.h"

namespace tiersim::models {

using LinkMaker = std::unique_ptr<ILink> (*)(sim::Simulator& simulator, const LinkSpec& spec);

struct LinkModelEntry {
  std::string name;
  std::string description;
  std::vector<std::string> calibrated;  // table keys calibrate measures for this model
  LinkMaker make;
};

using LinkModelRegistry = sim::NamedRegistry<LinkModelEntry>;

// The link model `spec.model` names (registered: parse-time checks saw to it).
std::unique_ptr<ILink> make_modelled_link(sim::Simulator& simulator, const LinkSpec& spec);

}  // namespace tiersim::models

#define TIERSIM_REGISTER_LINK_MODEL(id, name, description, calibrated, maker)                          \
  [[maybe_unused]] static const bool tiersim_link_model_registered_##id =                              \
      ::tiersim::models::LinkModelRegistry::add({name, description, calibrated, maker})
