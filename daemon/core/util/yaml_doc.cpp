#include "util/yaml_doc.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>
#include <yaml.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "util/huge_pages.hpp"

namespace indicatord::yaml {

namespace detail {

enum class Kind : std::uint8_t { null, scalar, sequence, map };

// One node: a scalar's text is text[first, first + count); a container's children are
// children[first, first + count) (a mapping's alternate key, value). 16 bytes: the mark's line
// and column follow from its position (Storage::mark), 1.6 million nodes in the 16.7 MB bench
// plan (they were 28 bytes with both stored: 19 MB more at start-up and in the peak of a reload).
struct Item {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
    std::int32_t pos = -1;  // the mark's position; -1: none
    Kind kind = Kind::null;
};

struct Storage {
    std::vector<Item> items;
    std::vector<std::uint32_t> children;  // indexes into items; an alias repeats one
    std::string text;                     // every scalar, one after another
    std::uint32_t root = 0;
    std::vector<std::uint32_t> line_start;  // where each line of the parsed text starts
    // Marks that are not the line and column of their position in the text by line_start (none
    // seen so far; kept so that Mark() gives back exactly what the parser said).
    std::unordered_map<std::uint32_t, YAML::Mark> odd_marks;

    const Item& item(std::uint32_t i) const { return items[i]; }

    // The text's lines (a line ends at LF, as yaml-cpp counts).
    void find_lines(std::string_view source) {
        line_start.clear();
        line_start.reserve(
            static_cast<std::size_t>(std::count(source.begin(), source.end(), '\n')) + 1);
        line_start.push_back(0);
        for (std::size_t i = 0; i < source.size(); ++i)
            if (source[i] == '\n') line_start.push_back(static_cast<std::uint32_t>(i + 1));
    }

    // Records item i's mark; O(1) when the mark is where line_start puts its position.
    void set_mark(std::uint32_t i, const YAML::Mark& m) {
        items[i].pos = m.pos < 0 ? -1 : m.pos;
        const bool plain =
            m.pos < 0
                ? m.is_null()
                : m.line >= 0 && static_cast<std::size_t>(m.line) < line_start.size() &&
                      m.column >= 0 &&
                      static_cast<std::int64_t>(line_start[static_cast<std::size_t>(m.line)]) +
                              m.column ==
                          m.pos &&
                      (static_cast<std::size_t>(m.line) + 1 == line_start.size() ||
                       static_cast<std::int64_t>(line_start[static_cast<std::size_t>(m.line) + 1]) >
                           m.pos);
        if (plain)
            odd_marks.erase(i);
        else
            odd_marks[i] = m;
    }

    YAML::Mark mark(std::uint32_t i) const {
        if (!odd_marks.empty())
            if (auto it = odd_marks.find(i); it != odd_marks.end()) return it->second;
        YAML::Mark m = YAML::Mark::null_mark();
        const auto pos = items[i].pos;
        if (pos < 0 || line_start.empty()) return m;
        const auto next =
            std::upper_bound(line_start.begin(), line_start.end(), static_cast<std::uint32_t>(pos));
        const auto line = static_cast<std::size_t>(next - line_start.begin()) - 1;
        m.pos = pos;
        m.line = static_cast<int>(line);
        m.column = pos - static_cast<int>(line_start[line]);
        return m;
    }
};

}  // namespace detail

namespace {

using detail::Item;
using detail::Kind;
using detail::Storage;

std::uint32_t narrow(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("YAML document too large");
    return static_cast<std::uint32_t>(n);
}

// Appends yaml-cpp's parse events to a Storage. Containers' children are collected on one
// stack (`pending_`) and copied to `children` in one block when the container ends, so each
// container's children are contiguous.
class Builder final : public YAML::EventHandler {
  public:
    explicit Builder(Storage& s) : s_(s) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        add(mark, anchor, Kind::null, 0, 0);
    }

    void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
        // the parser rejects an unknown alias before this is called
        attach(anchors_.at(anchor));
    }

    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  const std::string& value) override {
        const auto at = narrow(s_.text.size());
        s_.text += value;
        add(mark, anchor, Kind::scalar, at, narrow(value.size()));
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(mark, anchor, Kind::sequence);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(mark, anchor, Kind::map);
    }
    void OnMapEnd() override { close(); }

  private:
    std::uint32_t add(const YAML::Mark& mark, YAML::anchor_t anchor, Kind kind, std::uint32_t first,
                      std::uint32_t count) {
        const auto index = narrow(s_.items.size());
        s_.items.push_back(Item{first, count, -1, kind});
        s_.set_mark(index, mark);
        if (anchor != YAML::NullAnchor) {
            if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
            anchors_[anchor] = index;
        }
        attach(index);
        return index;
    }

    void attach(std::uint32_t index) {
        if (open_.empty())
            s_.root = index;
        else
            pending_.push_back(index);
    }

    void open(const YAML::Mark& mark, YAML::anchor_t anchor, Kind kind) {
        const auto index = add(mark, anchor, kind, 0, 0);
        open_.push_back({index, pending_.size()});
    }

    void close() {
        const auto [index, from] = open_.back();
        open_.pop_back();
        auto& item = s_.items[index];
        item.first = narrow(s_.children.size());
        item.count = narrow(pending_.size() - from);
        s_.children.insert(s_.children.end(), pending_.begin() + static_cast<std::ptrdiff_t>(from),
                           pending_.end());
        pending_.resize(from);
    }

    struct Open {
        std::uint32_t index;
        std::size_t from;  // where its children start in pending_
    };

    Storage& s_;
    std::vector<Open> open_;
    std::vector<std::uint32_t> pending_;
    std::vector<std::uint32_t> anchors_;  // anchor id (1-based, per document) → item
};

// libyaml's event parser, the fast path: the 16.7 MB bench plan takes 0.5 s CPU to a document
// with it, about 2 s with yaml-cpp's parser (and 6 s to yaml-cpp's node tree). RAII over the C
// structs; one event at a time.
class LibyamlParser {
  public:
    explicit LibyamlParser(std::string_view text) {
        if (!yaml_parser_initialize(&parser_)) throw std::bad_alloc();
        yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                     text.size());
    }
    ~LibyamlParser() { yaml_parser_delete(&parser_); }
    LibyamlParser(const LibyamlParser&) = delete;
    LibyamlParser& operator=(const LibyamlParser&) = delete;

    class Event {
      public:
        Event() { std::memset(&event_, 0, sizeof event_); }
        ~Event() { yaml_event_delete(&event_); }
        Event(const Event&) = delete;
        Event& operator=(const Event&) = delete;
        const yaml_event_t& operator*() const { return event_; }
        const yaml_event_t* operator->() const { return &event_; }

      private:
        friend class LibyamlParser;
        yaml_event_t event_;
    };

    /// The next event into `e` (deleting the one it held); false on a syntax error.
    bool next(Event& e) {
        yaml_event_delete(&e.event_);
        return yaml_parser_parse(&parser_, &e.event_) != 0;
    }

  private:
    yaml_parser_t parser_;
};

// libyaml counts columns in characters and yaml-cpp in bytes (converted below); libyaml also
// breaks lines at a lone CR, NEL, LS and PS, yaml-cpp only at LF, and it skips a byte order
// mark that yaml-cpp counts. Such text goes to yaml-cpp alone.
bool lines_agree(std::string_view text) {
    // a byte order mark: yaml-cpp counts it in the first line's columns (and reads UTF-16)
    if (text.starts_with("\xEF\xBB\xBF") || text.starts_with("\xFE\xFF") ||
        text.starts_with("\xFF\xFE"))
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\r') return false;
        if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x85)
            return false;
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8)
            return false;
    }
    return true;
}

// Feeds libyaml's events of the first document to `builder` with yaml-cpp's marks (bytes).
// Returns false, having built nothing usable, where yaml-cpp must decide: a syntax error (its
// message and place are yaml-cpp's), an anchor, an alias or a tag (yaml-cpp marks such a node
// after its properties, libyaml at them), an empty value other than a block mapping's value. An
// empty value (a null without a token: `key:`) is marked, as yaml-cpp does, where the next
// token starts: in a block mapping, the start of the next event (the next key or the end).
bool parse_libyaml(std::string_view text, Builder& builder, Storage& storage) {
    if (!lines_agree(text)) return false;
    const auto& line_start = storage.line_start;
    auto mark_of = [&](const yaml_mark_t& m) {
        YAML::Mark out = YAML::Mark::null_mark();
        if (m.line >= line_start.size()) return out;
        std::size_t at = line_start[m.line];
        for (std::size_t c = 0; c < m.column && at < text.size(); ++c) {
            const auto b = static_cast<unsigned char>(text[at]);
            at += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        }
        out.pos = static_cast<int>(at);
        out.line = static_cast<int>(m.line);
        out.column = static_cast<int>(at - line_start[m.line]);
        return out;
    };
    static const std::string no_tag;
    LibyamlParser parser(text);
    LibyamlParser::Event e;
    std::string value;
    struct Level {
        bool block_map;
        std::size_t entries;
    };
    std::vector<Level> levels;         // the open collections
    std::vector<std::uint32_t> empty;  // items of empty values waiting for the next event's mark
    for (;;) {
        if (!parser.next(e)) return false;
        if (!empty.empty()) {
            const auto mark = mark_of(e->start_mark);
            if (mark.is_null()) return false;  // the end of a file without a last newline
            for (auto i : empty) storage.set_mark(i, mark);
            empty.clear();
        }
        switch (e->type) {
            case YAML_STREAM_START_EVENT:
            case YAML_DOCUMENT_START_EVENT:
                break;
            case YAML_STREAM_END_EVENT:
            case YAML_DOCUMENT_END_EVENT:
                return true;
            case YAML_ALIAS_EVENT:
                return false;
            case YAML_SCALAR_EVENT: {
                const auto& sc = e->data.scalar;
                if (sc.anchor || sc.tag) return false;
                const auto mark = mark_of(e->start_mark);
                const std::string_view v(reinterpret_cast<const char*>(sc.value), sc.length);
                const bool map_value =
                    !levels.empty() && levels.back().block_map && levels.back().entries % 2 == 1;
                if (!levels.empty()) ++levels.back().entries;
                if (sc.style == YAML_PLAIN_SCALAR_STYLE && v.empty()) {
                    if (!map_value) return false;
                    empty.push_back(narrow(storage.items.size()));
                    builder.OnNull(mark, YAML::NullAnchor);
                } else if (sc.style == YAML_PLAIN_SCALAR_STYLE &&
                           (v == "~" || v == "null" || v == "Null" || v == "NULL")) {
                    builder.OnNull(mark, YAML::NullAnchor);
                } else {
                    value.assign(v);
                    builder.OnScalar(mark, no_tag, YAML::NullAnchor, value);
                }
                break;
            }
            case YAML_SEQUENCE_START_EVENT:
                if (e->data.sequence_start.anchor || e->data.sequence_start.tag) return false;
                if (!levels.empty()) ++levels.back().entries;
                levels.push_back({false, 0});
                builder.OnSequenceStart(mark_of(e->start_mark), no_tag, YAML::NullAnchor,
                                        YAML::EmitterStyle::Default);
                break;
            case YAML_SEQUENCE_END_EVENT:
                levels.pop_back();
                builder.OnSequenceEnd();
                break;
            case YAML_MAPPING_START_EVENT:
                if (e->data.mapping_start.anchor || e->data.mapping_start.tag) return false;
                if (!levels.empty()) ++levels.back().entries;
                levels.push_back({e->data.mapping_start.style != YAML_FLOW_MAPPING_STYLE, 0});
                builder.OnMapStart(mark_of(e->start_mark), no_tag, YAML::NullAnchor,
                                   YAML::EmitterStyle::Default);
                break;
            case YAML_MAPPING_END_EVENT:
                levels.pop_back();
                builder.OnMapEnd();
                break;
            case YAML_NO_EVENT:
                return false;
        }
    }
}

}  // namespace

bool Node::IsNull() const {
    return doc_ && doc_->item(index_).kind == Kind::null;
}
bool Node::IsScalar() const {
    return doc_ && doc_->item(index_).kind == Kind::scalar;
}
bool Node::IsSequence() const {
    return doc_ && doc_->item(index_).kind == Kind::sequence;
}
bool Node::IsMap() const {
    return doc_ && doc_->item(index_).kind == Kind::map;
}

YAML::NodeType::value Node::Type() const {
    if (!doc_) return YAML::NodeType::Undefined;
    switch (doc_->item(index_).kind) {
        case Kind::scalar:
            return YAML::NodeType::Scalar;
        case Kind::sequence:
            return YAML::NodeType::Sequence;
        case Kind::map:
            return YAML::NodeType::Map;
        case Kind::null:
            break;
    }
    return YAML::NodeType::Null;
}

std::string_view Node::scalar_view() const {
    if (!IsScalar()) return {};
    const auto& i = doc_->item(index_);
    return std::string_view(doc_->text).substr(i.first, i.count);
}

std::size_t Node::size() const {
    if (!doc_) return 0;
    const auto& i = doc_->item(index_);
    switch (i.kind) {
        case Kind::sequence:
            return i.count;
        case Kind::map:
            return i.count / 2;
        default:
            return 0;
    }
}

YAML::Mark Node::Mark() const {
    if (!doc_) return YAML::Mark::null_mark();
    return doc_->mark(index_);
}

Node Node::operator[](std::string_view key) const {
    if (!IsMap()) return {};
    const auto& i = doc_->item(index_);
    for (std::uint32_t c = i.first; c < i.first + i.count; c += 2) {
        const auto& k = doc_->item(doc_->children[c]);
        if (k.kind == Kind::scalar && std::string_view(doc_->text).substr(k.first, k.count) == key)
            return Node(doc_, doc_->children[c + 1]);
    }
    return {};
}

Node Node::entry(std::size_t index) const {
    if (!IsSequence() || index >= doc_->item(index_).count) return {};
    return Node(doc_, doc_->children[doc_->item(index_).first + index]);
}

Node::const_iterator Node::begin() const {
    if (!IsSequence() && !IsMap()) return {};
    const auto& i = doc_->item(index_);
    return const_iterator(doc_, i.first, i.first + i.count, i.kind == Kind::map ? 2 : 1);
}

Node::const_iterator Node::end() const {
    if (!IsSequence() && !IsMap()) return {};
    const auto& i = doc_->item(index_);
    return const_iterator(doc_, i.first + i.count, i.first + i.count, 1);
}

void Node::const_iterator::load() {
    if (at_ >= end_) {
        current_ = Element{};
        return;
    }
    if (step_ == 2) {
        current_.first = Node(doc_, doc_->children[at_]);
        current_.second = Node(doc_, doc_->children[at_ + 1]);
    } else {
        static_cast<Node&>(current_) = Node(doc_, doc_->children[at_]);
    }
}

Document::Document() : Document(std::make_unique<Storage>()) {}

Document::Document(std::unique_ptr<Storage> storage) : storage_(std::move(storage)) {
    if (storage_->items.empty()) storage_->items.push_back(Item{});  // the empty document
    static_cast<Node&>(*this) = Node(storage_.get(), storage_->root);
}

Document::~Document() = default;

Document::Document(Document&& other) noexcept
    : Node(static_cast<const Node&>(other)), storage_(std::move(other.storage_)) {
    static_cast<Node&>(other) = Node();
}

Document& Document::operator=(Document&& other) noexcept {
    if (this != &other) {
        storage_ = std::move(other.storage_);
        static_cast<Node&>(*this) = static_cast<const Node&>(other);
        static_cast<Node&>(other) = Node();
    }
    return *this;
}

Document Document::parse(std::string_view text) {
    auto storage = std::make_unique<Storage>();
    // About one node per 8-10 bytes of YAML in the rules files (the 16.7 MB bench plan has 1.8
    // million): reserved so that the vectors do not copy themselves while growing.
    storage->items.reserve(text.size() / 8 + 1);
    storage->children.reserve(text.size() / 8 + 1);
    storage->text.reserve(text.size() / 2 + 1);
    storage->find_lines(text);
    advise_huge_pages(storage->items.data(), storage->items.capacity() * sizeof(Item));
    advise_huge_pages(storage->children.data(),
                      storage->children.capacity() * sizeof(std::uint32_t));
    advise_huge_pages(storage->text.data(), storage->text.capacity());
    bool parsed = false;
    {
        Builder builder(*storage);
        parsed = parse_libyaml(text, builder, *storage);
    }
    if (!parsed) {
        *storage = Storage{};
        storage->find_lines(text);
        std::istringstream in{std::string(text)};
        YAML::Parser parser(in);
        Builder builder(*storage);
        parser.HandleNextDocument(builder);
    }
    return Document(std::move(storage));
}

std::size_t Document::node_count() const {
    return storage_ ? storage_->items.size() : 0;
}

}  // namespace indicatord::yaml
