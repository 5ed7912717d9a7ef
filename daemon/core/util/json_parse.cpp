#include "util/json_parse.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value_stack.hpp>
#include <memory>
#include <unordered_set>
#include <vector>

namespace indicatord {

namespace {

namespace json = boost::json;
using boost::system::error_code;

/// Boost.JSON's own value-building handler (detail::handler) plus a record of the keys of
/// every open object, so that a repeated key stops the parse.
class StrictHandler {
  public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    json::value_stack st;
    std::string duplicate;  ///< set when the parse stopped on a repeated key

    /// `temp`: the caller's buffer for the values being built (the heap past its end).
    StrictHandler(unsigned char* temp, std::size_t size) : st(json::storage_ptr(), temp, size) {
        frames_.reserve(8);  // a request's depth and keys, with no allocation as they grow
        keys_.reserve(16);
    }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) {
        frames_.emplace_back().keys_begin = keys_.size();
        return true;
    }
    bool on_object_end(std::size_t n, error_code&) {
        keys_.resize(frames_.back().keys_begin);
        frames_.pop_back();
        st.push_object(n);
        element_done();
        return true;
    }
    bool on_array_begin(error_code&) {
        frames_.emplace_back().array = true;
        return true;
    }
    bool on_array_end(std::size_t n, error_code&) {
        frames_.pop_back();
        st.push_array(n);
        element_done();
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, error_code&) {
        key_.append(s.data(), s.size());
        st.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, error_code& ec) {
        key_.append(s.data(), s.size());
        auto& frame = frames_.back();
        if (seen(frame)) {
            const auto at = path();
            duplicate = "duplicate key '" + key_ + "' in " +
                        (at.empty() ? std::string("the body") : at) +
                        ": each key may appear only once";
            ec = json::error::syntax;
            return false;
        }
        frame.key = std::move(key_);
        key_.clear();
        st.push_key(s);
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, error_code&) {
        st.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code&) {
        st.push_string(s);
        element_done();
        return true;
    }
    bool on_number_part(json::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, error_code&) {
        st.push_int64(i);
        element_done();
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, error_code&) {
        st.push_uint64(u);
        element_done();
        return true;
    }
    bool on_double(double d, json::string_view, error_code&) {
        st.push_double(d);
        element_done();
        return true;
    }
    bool on_bool(bool b, error_code&) {
        st.push_bool(b);
        element_done();
        return true;
    }
    bool on_null(error_code&) {
        st.push_null();
        element_done();
        return true;
    }
    bool on_comment_part(json::string_view, error_code&) { return true; }
    bool on_comment(json::string_view, error_code&) { return true; }

  private:
    struct Frame {
        bool array = false;
        std::size_t done = 0;        ///< array: elements completed (the index of the next)
        std::string key;             ///< object: the key whose value is being read
        std::size_t keys_begin = 0;  ///< object: its first keys seen are keys_[keys_begin...]
        std::unique_ptr<std::unordered_set<std::string>> more;  ///< object: and the rest
    };

    /// Whether the object already has key_; records it if not. An object of the API has a
    /// handful of keys: they are scanned in keys_, with no allocation per object; past
    /// kScanned keys (only a hostile body has that many) a hash set takes the rest, so that a
    /// huge object does not cost a quadratic scan.
    bool seen(Frame& frame) {
        static constexpr std::size_t kScanned = 16;
        const auto first = keys_.begin() + static_cast<std::ptrdiff_t>(frame.keys_begin);
        if (std::find(first, keys_.end(), key_) != keys_.end()) return true;
        if (keys_.size() - frame.keys_begin < kScanned) {
            keys_.push_back(key_);
            return false;
        }
        if (!frame.more) frame.more = std::make_unique<std::unordered_set<std::string>>();
        return !frame.more->insert(key_).second;
    }

    void element_done() {
        if (!frames_.empty() && frames_.back().array) ++frames_.back().done;
    }

    /// "values[1]" for the object being read; empty for the top level.
    std::string path() const {
        std::string out;
        for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
            if (frames_[i].array)
                out += "[" + std::to_string(frames_[i].done) + "]";
            else
                out += (out.empty() ? "" : ".") + frames_[i].key;
        }
        return out;
    }

    std::vector<Frame> frames_;
    std::vector<std::string> keys_;  ///< the keys seen so far of every open object, outer first
    std::string key_;                ///< parts of a key split across buffers
};

}  // namespace

std::optional<json::value> parse_json(std::string_view text, std::string& error) {
    // The document's values in a few large blocks freed together with it, instead of an
    // allocation per object and string (a batch of 1,000 values is thousands of them).
    return parse_json(text, error, json::make_shared_resource<json::monotonic_resource>());
}

std::optional<json::value> parse_json(std::string_view text, std::string& error,
                                      json::storage_ptr memory) {
    alignas(std::max_align_t) unsigned char temp[1024];
    json::basic_parser<StrictHandler> parser(json::parse_options{}, temp, sizeof temp);
    parser.handler().st.reset(std::move(memory));
    error_code ec;
    const auto used = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && used < text.size()) ec = json::error::extra_data;
    if (ec) {
        error = parser.handler().duplicate.empty() ? ec.message() : parser.handler().duplicate;
        return std::nullopt;
    }
    return parser.handler().st.release();
}

}  // namespace indicatord
