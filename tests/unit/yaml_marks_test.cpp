// The YAML document keeps a node's position only and finds its line and column through a table
// of line starts (issue 10, start-up: 16-byte nodes); a mark that does not fit that table (text
// yaml-cpp decodes first, UTF-16) is kept apart. Either way Mark() is yaml-cpp's mark exactly.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "util/yaml_doc.hpp"

using namespace indicatord;

namespace {

void same_marks(const YAML::Node& y, const yaml::Node& d) {
    INFO("yaml-cpp mark " << y.Mark().pos << " " << y.Mark().line << ":" << y.Mark().column);
    REQUIRE(d.IsDefined());
    CHECK(d.Mark().pos == y.Mark().pos);
    CHECK(d.Mark().line == y.Mark().line);
    CHECK(d.Mark().column == y.Mark().column);
    REQUIRE(d.Type() == y.Type());
    if (y.IsSequence()) {
        auto di = d.begin();
        for (auto yi = y.begin(); yi != y.end(); ++yi, ++di) same_marks(*yi, *di);
    } else if (y.IsMap()) {
        auto di = d.begin();
        for (auto yi = y.begin(); yi != y.end(); ++yi, ++di) {
            same_marks(yi->first, di->first);
            same_marks(yi->second, di->second);
        }
    }
}

std::string utf16le(const std::string& ascii) {
    std::string out = "\xff\xfe";
    for (char c : ascii) out += std::string{c, '\0'};
    return out;
}

std::string utf16be(const std::string& ascii) {
    std::string out = "\xfe\xff";
    for (char c : ascii) out += std::string{'\0', c};
    return out;
}

}  // namespace

TEST_CASE("yaml doc: marks from positions are yaml-cpp's, also where lines do not count bytes",
          "[yaml]") {
    const std::string text = "a: 1\nb:\n  - x\n  - {c: d}\ne: |\n  f\n  g\nh: end";
    const std::vector<std::string> cases = {text, "\n\n\n" + text + "\n",
                                            "k: v\n# last line without a newline: x", utf16le(text),
                                            utf16be(text + "\n")};
    for (const auto& t : cases) {
        INFO(t);
        const auto y = YAML::Load(t);
        const auto d = yaml::Document::parse(t);
        same_marks(y, d);
    }
}
