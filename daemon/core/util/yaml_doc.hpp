#pragma once

// A compact, read-only YAML document: what the loaders read instead of yaml-cpp's YAML::Node
// tree. Built from parse events: libyaml's (fast), or yaml-cpp's wherever the two could differ
// (a syntax error, anchors and aliases, tags, a byte order mark, CR line ends, a few places of
// empty values; see yaml_doc.cpp), so that marks (0-based, columns in bytes) and syntax error
// messages are yaml-cpp's exactly. Every node sits in one vector (kind, mark, child range), the
// child lists in a second one and every scalar's text in one buffer: ~30 bytes a node and three
// allocations a document, instead of ~500 bytes and ~5 heap blocks a node.
//
// The read API keeps yaml-cpp's member names (IsDefined, IsNull, IsMap, IsSequence, IsScalar, Type,
// Scalar, size, Mark, operator[], iteration with `it->first`/`it->second` over mappings), so code
// written against YAML::Node converts by renaming the type. Differences: a missing key, or a key
// looked up in a node that is not a mapping, gives an undefined node whose Is* are false, whose
// Scalar() is "" and whose Mark() is null (yaml-cpp throws on most of these); Scalar() returns a
// copy (`const auto&` binds it, `auto&` does not; scalar_view() copies nothing); there is no
// as<T> (util/yaml_util.hpp converts and names the place of an error); nothing can be assigned.
//
// A Node points into its Document: it stays valid while the Document lives (moving the Document
// keeps it valid). Thread safety: a Document is immutable once built; any thread may read it.

#include <yaml-cpp/mark.h>
#include <yaml-cpp/node/type.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

namespace indicatord::yaml {

class Document;
struct Element;

namespace detail {
struct Storage;
}

/// One node of a Document, or an undefined node (a missing key).
class Node {
  public:
    class const_iterator;
    using iterator = const_iterator;

    /// An undefined node.
    Node() = default;
    /// A Node taken from a temporary Document would point into freed memory.
    Node(Document&&) = delete;

    bool IsDefined() const { return doc_ != nullptr; }
    bool IsNull() const;  ///< `~`, `null`, an empty value, an empty document
    bool IsScalar() const;
    bool IsSequence() const;
    bool IsMap() const;
    /// Undefined, Null, Scalar, Sequence or Map, as yaml-cpp's Type() says.
    YAML::NodeType::value Type() const;
    explicit operator bool() const { return IsDefined(); }
    bool operator!() const { return !IsDefined(); }

    /// A scalar's text ("" for any other node), a copy like yaml-cpp's.
    std::string Scalar() const { return std::string(scalar_view()); }
    /// A scalar's text without a copy; valid while the Document lives.
    std::string_view scalar_view() const;
    /// Entries of a sequence, pairs of a mapping, 0 otherwise.
    std::size_t size() const;
    /// Where the node starts, 0-based like yaml-cpp's; null for an undefined node and for the
    /// root of an empty document.
    YAML::Mark Mark() const;

    /// The value of the first pair of a mapping whose key is the scalar `key` (a mapping keeps
    /// duplicate keys, in order, for yaml::check_map to report); undefined when there is none or
    /// this is not a mapping.
    Node operator[](std::string_view key) const;
    Node operator[](const char* key) const { return (*this)[std::string_view(key)]; }
    Node operator[](const std::string& key) const { return (*this)[std::string_view(key)]; }
    /// The entry `index` of a sequence; undefined past its end or for another node.
    template <std::integral I>
    Node operator[](I index) const {
        if constexpr (std::signed_integral<I>)
            if (index < 0) return {};
        return entry(static_cast<std::size_t>(index));
    }

    /// Over a sequence: its entries (each an Element, a Node); over a mapping: its pairs
    /// (`->first`, `->second`); empty for any other node.
    const_iterator begin() const;
    const_iterator end() const;

  private:
    friend class Document;
    friend struct detail::Storage;
    Node(const detail::Storage* doc, std::uint32_t index) : doc_(doc), index_(index) {}
    Node entry(std::size_t index) const;

    const detail::Storage* doc_ = nullptr;
    std::uint32_t index_ = 0;
};

/// What iterating yields: an entry of a sequence (the Element itself) or a pair of a mapping
/// (`first`, `second`), like yaml-cpp's iterator value.
struct Element : Node {
    Node first;
    Node second;
};

class Node::const_iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Element;
    using difference_type = std::ptrdiff_t;
    using pointer = const Element*;
    using reference = const Element&;

    const_iterator() = default;
    reference operator*() const { return current_; }
    pointer operator->() const { return &current_; }
    const_iterator& operator++() {
        at_ += step_;
        load();
        return *this;
    }
    const_iterator operator++(int) {
        auto old = *this;
        ++*this;
        return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
        return a.at_ == b.at_;
    }

  private:
    friend class Node;
    const_iterator(const detail::Storage* doc, std::uint32_t at, std::uint32_t end,
                   std::uint32_t step)
        : doc_(doc), at_(at), end_(end), step_(step) {
        load();
    }
    void load();

    const detail::Storage* doc_ = nullptr;
    std::uint32_t at_ = 0;    ///< position in the document's child lists
    std::uint32_t end_ = 0;   ///< one past this node's children
    std::uint32_t step_ = 1;  ///< 2 over a mapping: key, value
    Element current_;
};

/// A parsed document; also its root Node. Move-only; moving keeps its Nodes valid.
class Document : public Node {
  public:
    /// An empty document: its root is null.
    Document();
    ~Document();
    Document(Document&& other) noexcept;
    Document& operator=(Document&& other) noexcept;
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;

    /// Parses the first document of `text` (later ones are ignored, like YAML::Load). Throws
    /// YAML::ParserException, with its mark, on a syntax error; util/yaml_util.hpp's load_file
    /// and parse turn it into "file:line:col: YAML syntax error: ...".
    static Document parse(std::string_view text);

    /// Nodes in the document, aliases not counted twice (for tests and benchmarks).
    std::size_t node_count() const;

  private:
    explicit Document(std::unique_ptr<detail::Storage> storage);
    std::unique_ptr<detail::Storage> storage_;
};

}  // namespace indicatord::yaml
