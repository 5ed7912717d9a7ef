// The compact YAML document (util/yaml_doc) that the loaders read instead of yaml-cpp's node
// tree: its read API, its marks and errors, and node-by-node agreement with yaml-cpp on every
// YAML file of the repository.
#include "util/yaml_doc.hpp"

#include <malloc.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "util/errors.hpp"
#include "util/yaml_util.hpp"

using namespace indicatord;
namespace fs = std::filesystem;

namespace {

yaml::Document doc(const std::string& text) {
    return yaml::parse("t.yaml", text);
}

std::string at(const yaml::Node& n) {
    return yaml::where("t.yaml", n);
}

std::string error_of(const std::string& text) {
    try {
        doc(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The same node as yaml-cpp's: kind, text, mark, children in order.
void same(const YAML::Node& y, const yaml::Node& d, const std::string& file) {
    INFO(file << " at " << y.Mark().line + 1 << ":" << y.Mark().column + 1);
    REQUIRE(d.IsDefined());
    CHECK(d.Mark().line == y.Mark().line);
    CHECK(d.Mark().column == y.Mark().column);
    CHECK(d.Mark().pos == y.Mark().pos);
    CHECK(d.Type() == y.Type());
    switch (y.Type()) {
        case YAML::NodeType::Null:
            CHECK(d.IsNull());
            break;
        case YAML::NodeType::Scalar:
            REQUIRE(d.IsScalar());
            CHECK(d.Scalar() == y.Scalar());
            break;
        case YAML::NodeType::Sequence: {
            REQUIRE(d.IsSequence());
            REQUIRE(d.size() == y.size());
            auto di = d.begin();
            for (auto yi = y.begin(); yi != y.end(); ++yi, ++di) same(*yi, *di, file);
            break;
        }
        case YAML::NodeType::Map: {
            REQUIRE(d.IsMap());
            REQUIRE(d.size() == y.size());
            auto di = d.begin();
            for (auto yi = y.begin(); yi != y.end(); ++yi, ++di) {
                same(yi->first, di->first, file);
                same(yi->second, di->second, file);
            }
            break;
        }
        case YAML::NodeType::Undefined:
            FAIL("yaml-cpp gave an undefined node");
    }
}

}  // namespace

TEST_CASE("yaml doc: mappings, sequences, scalars and their 0-based marks", "[yaml]") {
    const auto d = doc("plan:\n  id: x\n  list: [a, b]\n  seq:\n    - 1\n    - two\n");
    REQUIRE(d.IsMap());
    CHECK(d.size() == 1);
    const auto plan = d["plan"];
    REQUIRE(plan.IsMap());
    CHECK(plan.size() == 3);
    CHECK(plan.Mark().line == 1);
    CHECK(plan.Mark().column == 2);
    CHECK(plan["id"].Scalar() == "x");
    CHECK(plan["id"].scalar_view() == "x");
    CHECK(at(plan["id"]) == "t.yaml:2:7");
    CHECK(plan["list"].IsSequence());
    CHECK(plan["list"].size() == 2);
    CHECK(plan["list"][1].Scalar() == "b");
    CHECK(at(plan["list"]) == "t.yaml:3:9");
    CHECK(at(plan["seq"]) == "t.yaml:5:5");
    std::vector<std::string> seq;
    for (const auto& x : plan["seq"]) seq.push_back(x.Scalar());
    CHECK(seq == std::vector<std::string>{"1", "two"});
    std::vector<std::string> keys;
    for (auto it = plan.begin(); it != plan.end(); ++it) keys.push_back(it->first.Scalar());
    CHECK(keys == std::vector<std::string>{"id", "list", "seq"});
    for (const auto& kv : plan) CHECK(kv.second.IsDefined());

    // missing: undefined, falsy, empty, no mark; so is a key looked up in a non-mapping
    const auto missing = plan["nope"];
    CHECK_FALSE(missing);
    CHECK(!missing);
    CHECK_FALSE(missing.IsDefined());
    CHECK_FALSE(missing.IsMap());
    CHECK_FALSE(missing.IsScalar());
    CHECK(missing.Scalar().empty());
    CHECK(missing.size() == 0);
    CHECK(missing.Mark().is_null());
    CHECK(missing.Type() == YAML::NodeType::Undefined);
    CHECK(missing.begin() == missing.end());
    CHECK(at(missing) == "t.yaml");
    CHECK_FALSE(plan["id"]["x"]);
    CHECK_FALSE(plan["list"]["a"]);
    CHECK_FALSE(plan["list"][2]);
    CHECK_FALSE(plan["list"][-1]);
    CHECK_FALSE(plan["id"][0]);
    // a mapping is not a scalar: its Scalar() is empty like yaml-cpp's
    CHECK(plan.Scalar().empty());
}

TEST_CASE("yaml doc: nulls are null, a quoted null is a string", "[yaml]") {
    const auto d = doc("a: ~\nb:\nc: null\nd: \"null\"\ne: ''\nf: NULL\n");
    CHECK(d["a"].IsNull());
    CHECK(d["b"].IsNull());
    CHECK(d["c"].IsNull());
    CHECK(d["f"].IsNull());
    CHECK(d["d"].IsScalar());
    CHECK(d["d"].Scalar() == "null");
    CHECK(d["e"].IsScalar());
    CHECK(d["e"].Scalar().empty());
    CHECK(at(d["b"]) == "t.yaml:3:1");  // an empty value: where the next token is, like yaml-cpp
    CHECK(d["a"].IsDefined());
    CHECK_FALSE(d["a"].IsScalar());
}

TEST_CASE("yaml doc: an alias is the anchored node, mark and all", "[yaml]") {
    const auto d =
        doc("defaults: &d\n  cadence: quarter\n  due: 20d\nname: &n 名称\n"
            "a: *d\nb: [*n, *n]\n");
    const auto a = d["a"];
    REQUIRE(a.IsMap());
    CHECK(a["cadence"].Scalar() == "quarter");
    CHECK(at(a) == "t.yaml:1:11");  // the anchored mapping, marked at its anchor like yaml-cpp
    CHECK(at(a["due"]) == at(d["defaults"]["due"]));
    const auto b = d["b"];
    REQUIRE(b.size() == 2);
    CHECK(b[0].Scalar() == "名称");
    CHECK(b[1].Scalar() == "名称");
    CHECK(at(b[1]) == at(d["name"]));
    // the alias does not copy the node
    CHECK(d.node_count() == 12);
    CHECK(error_of("a: *nowhere\n").rfind("t.yaml:1:4: YAML syntax error: ", 0) == 0);
}

TEST_CASE("yaml doc: duplicate keys stay, in order, for check_map to name both places", "[yaml]") {
    const auto d = doc("plan:\n  id: a\n  name: x\n  id: b\n");
    const auto plan = d["plan"];
    CHECK(plan.size() == 3);
    CHECK(plan["id"].Scalar() == "a");  // the first, like yaml-cpp
    CHECK_THROWS_WITH(yaml::check_map("t.yaml", plan, "plan", {"id", "name"}),
                      "t.yaml:4:3: duplicate key 'id' in plan (first at t.yaml:2:3)");
    CHECK_THROWS_WITH(yaml::check_map("t.yaml", plan, "plan", {"name"}),
                      "t.yaml:2:3: unknown key 'id' in plan (allowed: name)");
    CHECK_THROWS_WITH(yaml::check_map("t.yaml", plan["id"], "plan id", {"x"}),
                      "t.yaml:2:7: plan id must be a mapping");

    // a large mapping (the hash set path) reports the same
    std::string big = "m:\n";
    std::vector<std::string> allowed;
    for (int i = 0; i < 100; ++i) {
        big += "  k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
        allowed.push_back("k" + std::to_string(i));
    }
    big += "  k7: again\n";
    std::vector<std::string_view> views(allowed.begin(), allowed.end());
    const auto m = doc(big);
    CHECK_THROWS_WITH(yaml::check_map("t.yaml", m["m"], "m", views),
                      "t.yaml:102:3: duplicate key 'k7' in m (first at t.yaml:9:3)");
}

TEST_CASE("yaml doc: empty documents and files of comments are null with no mark", "[yaml]") {
    for (const std::string text : {"", "\n\n", "# only\n# comments\n", "---\n", "   \n"}) {
        INFO(text);
        const auto d = doc(text);
        CHECK(d.IsDefined());
        CHECK(d.IsNull());
        CHECK_FALSE(d.IsMap());
        CHECK_FALSE(d["plan"]);
        CHECK(d.size() == 0);
    }
    CHECK(doc("").Mark().is_null());
    CHECK(doc("# only comments\n").Mark().is_null());
    const yaml::Document none;
    CHECK(none.IsNull());
    // only the first document is read, like YAML::Load
    const auto two = doc("a: 1\n---\nb: [\n");
    CHECK(two["a"].Scalar() == "1");
    CHECK_FALSE(two["b"]);
}

TEST_CASE("yaml doc: multi-line and quoted scalars", "[yaml]") {
    const auto d =
        doc("lit: |\n  line one\n  line two\nfold: >\n  one\n  two\n"
            "dq: \"tab\\there \\u4e2d \\\"q\\\"\"\nsq: 'it''s'\n"
            "plain: a\n  continued\nkeep: |+\n  x\n\nstrip: |-\n  y\n");
    CHECK(d["lit"].Scalar() == "line one\nline two\n");
    CHECK(d["fold"].Scalar() == "one two\n");
    CHECK(d["dq"].Scalar() == "tab\there 中 \"q\"");
    CHECK(d["sq"].Scalar() == "it's");
    CHECK(d["plain"].Scalar() == "a continued");
    CHECK(d["keep"].Scalar() == "x\n\n");
    CHECK(d["strip"].Scalar() == "y");
    CHECK(at(d["dq"]) == "t.yaml:7:5");
    CHECK(at(d["sq"]) == "t.yaml:8:5");
}

TEST_CASE("yaml doc: a syntax error is file:line:col with yaml-cpp's message", "[yaml]") {
    CHECK(error_of("a: [1, 2\nb: 3\n") ==
          "t.yaml:2:2: YAML syntax error: end of sequence flow not found");
    CHECK(error_of("a:\n\t- b\n").rfind("t.yaml:", 0) == 0);
    CHECK(error_of("a: 1\n\tb: 2\n") == error_of("a: 1\n\tb: 2\n"));
    // the exact place and text, whatever the parser says about a tab
    std::string yaml_cpp;
    try {
        YAML::Load("a:\n\t- b\n");
    } catch (const YAML::ParserException& e) {
        yaml_cpp = "t.yaml:" + std::to_string(e.mark.line + 1) + ":" +
                   std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg;
    }
    CHECK(error_of("a:\n\t- b\n") == yaml_cpp);
}

TEST_CASE("yaml doc: bytes that are not UTF-8 are kept, and marks count bytes", "[yaml]") {
    // The document does not judge the encoding: the loaders check UTF-8 where it matters (a
    // template names its key, tests/data/templates/not_utf8.yaml), as with yaml-cpp.
    const auto d = doc("a: caf\xe9\nb: \xff\xfe x\nc: 名称 \xe4\xb8\nd: ok\n");
    CHECK(d["a"].Scalar() == "caf\xe9");
    CHECK(d["b"].Scalar() == "\xff\xfe x");
    CHECK(d["d"].Scalar() == "ok");
    CHECK(at(d["d"]) == "t.yaml:4:4");
    const auto flow = doc("{名称: 值, k: v}\n");
    CHECK(at(flow["k"]) == "t.yaml:1:18");  // columns count bytes, like yaml-cpp
}

TEST_CASE("yaml doc: moving a document keeps its nodes", "[yaml]") {
    auto d = doc("a: [x, y]\n");
    const auto a = d["a"];
    yaml::Document moved = std::move(d);
    CHECK(a[1].Scalar() == "y");
    CHECK(moved["a"][0].Scalar() == "x");
    yaml::Document assigned;
    assigned = std::move(moved);
    CHECK(assigned["a"].size() == 2);
    CHECK(a.size() == 2);
}

TEST_CASE("yaml doc: every YAML file of the repository reads as yaml-cpp reads it", "[yaml]") {
    // The guard that the loaders see the same nodes, texts and marks as with YAML::Node: the
    // Lishui plan, the config, the calendars, every test file, the bad ones (same error) too.
    const fs::path root = fs::path(INDICATORD_TEST_DATA) / ".." / "..";
    std::size_t files = 0;
    for (const auto* dir : {"rules", "config", "tests/data"}) {
        for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
            const auto ext = e.path().extension();
            if (!e.is_regular_file() || (ext != ".yaml" && ext != ".yml")) continue;
            ++files;
            const auto text = read(e.path());
            std::string y_error, d_error;
            YAML::Node y;
            try {
                y = YAML::Load(text);
            } catch (const YAML::ParserException& ex) {
                y_error = yaml::where(e.path(), ex.mark) + ": YAML syntax error: " + ex.msg;
            }
            try {
                const auto d = yaml::parse(e.path(), text);
                if (y_error.empty()) same(y, d, e.path().string());
            } catch (const ConfigError& ex) {
                d_error = ex.what();
            }
            INFO(e.path().string());
            // The same error, which the loader may follow with a hint (an unquoted `op: >=`).
            CHECK(d_error.substr(0, y_error.size()) == y_error);
            CHECK(d_error.empty() == y_error.empty());
        }
    }
    CHECK(files > 50);
}

TEST_CASE("yaml doc: the cases where libyaml and yaml-cpp could differ read as yaml-cpp reads them",
          "[yaml]") {
    // libyaml is the fast path; where its marks or rules differ from yaml-cpp's (empty values,
    // anchors and tags, a byte order mark, CR line ends, an empty value at the end of a file
    // without a last newline, syntax errors) the document must still say what yaml-cpp says.
    const std::vector<std::string> cases = {
        "a: ~\nb:\nc: null\nd: \"null\"\n",
        "---\n",
        "a: 1\n---\nb: [\n",
        "x: &a [1]\ny: *a\n",
        "k:\n- a\n- b: c\n  d:\n",
        "{名称: 值, k: v}\n",
        "a: |\n  x\nb: >-\n  y\n",
        "? [a]\n: b\n",
        "a:\n\t- b\n",
        "a: !!str 1\nb: !x y\n",
        "- \n- x\n-\n",
        "a: 1\r\nb: 2\r\n",
        "a: 1\rb: 2\r",
        "a: [b, c: d]\n",
        "a: b: c\n",
        "a: \"x\n  y\"\nb: z\n",
        "名称: 值\n键: [甲, 乙]\n  # 注释\n",
        "a:\n  - x\n  -\n    - y\nb: {}\nc: []\n",
        "a: caf\xe9\n",
        "%YAML 1.2\n---\na: 1\n...\n",
        "a: 1\na: 2\n",
        "a: 1 # c\n  # d\nb: 2\n",
        "\xef\xbb\xbf"
        "a: 1\n",
        "a:\n  b:\n  c:\nd:\n",
        "a: {x: , y: 1}\n",
        "a:\n  - {b: }\n",
        "? a\n:\nb: 1\n",
        "a: 1\nb:",
        "a:   # c\n\n  # d\nb: 1\n",
        "a: \xe2\x80\xa8 b\n",
        "- [a, {b: c}]\n- &x {d: e}\n- *x\n",
        "a: 'x\n\n  y'\n",
        "a: @b\n",
        "a: [1, 2\n",
        "",
        "# only\n",
    };
    for (const auto& text : cases) {
        INFO(text);
        std::string y_error, d_error;
        YAML::Node y;
        try {
            y = YAML::Load(text);
        } catch (const YAML::ParserException& ex) {
            y_error = yaml::where("t.yaml", ex.mark) + ": YAML syntax error: " + ex.msg;
        }
        try {
            const auto d = doc(text);
            if (y_error.empty()) same(y, d, "t.yaml");
        } catch (const ConfigError& ex) {
            d_error = ex.what();
        }
        CHECK(d_error == y_error);
    }
}

TEST_CASE("yaml doc: a large rules file takes a few bytes of heap per byte of YAML", "[yaml]") {
    // Issue 10: yaml-cpp's node tree took about 50 bytes of heap per byte of a rules file (835 MB
    // peak for the 16.7 MB bench plan). The same kind of file here, 10,000 indicators.
    std::string text = "plan: {id: bench, name: Bench, year: 2023}\nunits:\n  - {id: u, name: U}\n";
    text += "tasks:\n";
    for (int i = 0; i < 10000; ++i) {
        if (i % 10 == 0)
            text += "  - number: " + std::to_string(i / 10 + 1) +
                    "\n    text: Task.\n    lead: u\n    indicators:\n";
        text += "      - key: bench_" + std::to_string(i) + "\n        name: Bench " +
                std::to_string(i) +
                "\n        kind: threshold\n        measure: \"%\"\n        op: \">=\"\n"
                "        target: 50\n        cadence: quarter\n";
    }
    const auto heap = [] {  // in use: small blocks and mmap()ed large ones
        const auto m = ::mallinfo2();
        return m.uordblks + m.hblkhd;
    };
    const auto before = heap();
    const auto d = doc(text);
    const auto doc_bytes = heap() - before;
    // yaml-cpp's tree of the same text, for comparison (what the loaders read before)
    const auto before_tree = heap();
    const auto tree = YAML::Load(text);
    const auto tree_bytes = heap() - before_tree;
    INFO(doc_bytes << " bytes for the document, " << tree_bytes << " for yaml-cpp's tree, of "
                   << text.size() << " bytes of YAML");
    CHECK(d.node_count() > 150000);
    CHECK(d["tasks"].size() == 1000);
    CHECK(tree["tasks"].size() == 1000);
    CHECK(doc_bytes < text.size() * 8);
    if (before > 0) CHECK(tree_bytes > doc_bytes * 5);  // mallinfo2 says 0 under sanitizers
}
