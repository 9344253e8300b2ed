#include "real_backend/cpu_placement.h"

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "sim/errors.h"
#include "sim/config/excerpt.h"

namespace tiersim::real {

namespace {

unsigned parse_cpu(const std::string& flag, const std::string& list, std::string_view text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    throw InputError(flag + " \"" + excerpt(list) + "\": expected CPU numbers and ranges such as \"1\" or \"0-3,8\", got \"" + excerpt(text) + "\"");
  }
  const unsigned cpu = static_cast<unsigned>(std::stoul(std::string(text)));
  if (cpu >= CPU_SETSIZE) throw InputError(flag + " \"" + list + "\": CPU " + std::string(text) + " is beyond what the kernel can name");
  return cpu;
}

std::string describe(const cpu_set_t& set) {
  std::string out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "-" + string.
    if (!out.empty()) out += ',';
    out += std::to_string(cpu);
    if (last > cpu) {
      out += '-';
      out += std::to_string(last);
    }
    cpu = last;
  }
  return out;
}

}  // namespace

std::string pin_to_cpus(const std::string& flag, const std::string& list) {
  cpu_set_t wanted;
  CPU_ZERO(&wanted);
  std::string_view rest = list;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const size_t dash = item.find('-');
    const unsigned first = parse_cpu(flag, list, item.substr(0, dash));
    const unsigned last = dash == std::string_view::npos ? first : parse_cpu(flag, list, item.substr(dash + 1));
    if (last < first) throw InputError(flag + " \"" + list + "\": the range " + std::string(item) + " runs backwards");
    for (unsigned cpu = first; cpu <= last; ++cpu) CPU_SET(cpu, &wanted);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) throw InputError(flag + ": sched_getaffinity failed: " + std::strerror(errno));
  cpu_set_t usable;
  CPU_AND(&usable, &wanted, &allowed);
  if (!CPU_EQUAL(&usable, &wanted)) {
    cpu_set_t missing;
    CPU_XOR(&missing, &wanted, &usable);
    throw InputError(flag + " \"" + list + "\": this process may not run on CPU " + describe(missing) + "; it may use " + describe(allowed));
  }
  if (sched_setaffinity(0, sizeof wanted, &wanted) != 0) {
    throw InputError(flag + " \"" + list + "\": sched_setaffinity failed: " + std::strerror(errno));
  }
  return describe(wanted);
}

}  // namespace tiersim::real
