#pragma once

// The WeCom group robot: its markdown message.

#include <cstddef>
#include <string>

#include "model/notification.hpp"

namespace indicatord {

/// Byte limit of the markdown content (WeCom documents 4096).
inline constexpr std::size_t kWecomContentLimit = 4096;

/// WeCom group robot: {"msgtype":"markdown","markdown":{"content":...}}; content is at most
/// kWecomContentLimit bytes, cut between alerts (or, for a single huge alert, at a UTF-8
/// boundary) with a "…(另有 N 项未列出)" line.
std::string render_wecom(const Digest& d);

}  // namespace indicatord
