#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace indicatord {

/// indicatorctl: runs one subcommand. Exit codes: 0 success, 1 rule/data errors (or a
/// failed check), 2 usage errors.
int ctl_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace indicatord
