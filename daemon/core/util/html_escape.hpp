#pragma once

#include <string>
#include <string_view>

namespace indicatord {

/// Appends `text` to `out` escaped for HTML text and quoted attribute values (& < > " ').
/// The one HTML escaper: the web console's pages and the HTML part of emails use it for every
/// piece of plan or user text (names, notes, comments, reasons).
void put_escaped(std::string& out, std::string_view text);
/// `text` escaped (put_escaped into a new string).
std::string escaped(std::string_view text);

}  // namespace indicatord
