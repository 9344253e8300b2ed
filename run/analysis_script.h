#pragma once
// Starting the analysis scripts (analysis/*.py: plots and reports) with the Python that has
// their libraries (Debian's python3-matplotlib and python3-pandas). The scripts are found
// beside the binary when tiersim is installed (PREFIX/share/tiersim/analysis), else in the
// source tree it was built from.
#include <string>
#include <vector>

namespace tiersim {

// The folder holding the analysis scripts; throws InputError if there is none.
std::string analysis_dir();

// Runs analysis/NAME with `arguments`; returns its exit status.
int run_analysis_script(const std::string& name, const std::vector<std::string>& arguments);

}  // namespace tiersim
