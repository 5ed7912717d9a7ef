#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace indicatord {

/// One part of a multipart/form-data body (RFC 7578).
struct FormPart {
    std::string name;      ///< the form field's name
    std::string filename;  ///< set for a file (filename*= UTF-8 or filename="..."), else empty
    bool is_file = false;
    std::string content_type;  ///< as sent (informative only: files are judged by their bytes)
    std::string body;
};

/// Splits a multipart/form-data `body` with `boundary` into its parts; the Content-Disposition
/// parameters are read with Beast's `http::param_list`, `filename*` (RFC 5987, UTF-8) decoded
/// with Boost.URL. An error text naming what is wrong instead.
std::variant<std::vector<FormPart>, std::string> parse_multipart(std::string_view body,
                                                                 std::string_view boundary);

}  // namespace indicatord
