// The daemon's log lines in the journal: sd-daemon priorities when stderr is the journal
// (JOURNAL_STREAM), plain lines otherwise; "listening on" said once.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "harness.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Runs the daemon with stdout and stderr both going to one file, as a service's output goes to
// the journal; with `journal`, JOURNAL_STREAM names that file's device and inode, as systemd sets
// it. A reload of a broken plan logs an error, SIGTERM stops it; returns the file's lines.
std::vector<std::string> run_daemon(bool journal) {
    it::TempDir dir;
    fs::create_directories(dir.path() / "rules");
    fs::copy_file(it::kData + "/minimal/plan.yaml", dir.path() / "rules" / "plan.yaml");
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData
                          << "/../../config/calendars\nlog_level: debug\n";
    const auto log = dir.path() / "journal.txt";
    const std::string script =
        std::string("exec >\"$1\" 2>&1; shift; ") +
        (journal ? "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); export JOURNAL_STREAM; "
                 : "unset JOURNAL_STREAM; ") +
        "exec \"$@\"";
    it::Process p(
        {"/bin/sh", "-c", script, "sh", log.string(), it::kDaemon, "--config", config.string(),
         "--listen", "127.0.0.1:0", "--database", (dir.path() / "db.sqlite").string()},
        dir.path());
    const auto text = [&] {
        std::ifstream in(log);
        return std::string((std::istreambuf_iterator<char>(in)), {});
    };
    REQUIRE(it::eventually([&] { return text().find("listening on") != std::string::npos; }));
    std::ofstream(dir.path() / "rules" / "plan.yaml") << "plan: [broken\n";
    p.signal(SIGHUP);
    REQUIRE(it::eventually([&] { return text().find("reload failed") != std::string::npos; }));
    p.signal(SIGTERM);
    REQUIRE(p.wait(10s) == 0);
    std::vector<std::string> lines;
    std::istringstream in(text());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string line_with(const std::vector<std::string>& lines, const std::string& what) {
    for (const auto& l : lines)
        if (l.find(what) != std::string::npos) return l;
    return "";
}

}  // namespace

TEST_CASE("journal: with JOURNAL_STREAM on stderr each log line starts with its sd-daemon priority",
          "[journal]") {
    const auto lines = run_daemon(true);
    INFO([&] {
        std::string all;
        for (const auto& l : lines) all += l + "\n";
        return all;
    }());
    CHECK(line_with(lines, "loaded ").starts_with("<6>info loaded "));
    CHECK(line_with(lines, "no auth.tokens_file configured")
              .starts_with("<4>warning no auth.tokens_file configured"));
    CHECK(line_with(lines, "reload failed").starts_with("<3>error reload failed"));
    CHECK(line_with(lines, "received SIGTERM").starts_with("<6>info received SIGTERM"));
    // every line of the log has a priority; the listening line is stdout's, at the default (info)
    for (const auto& l : lines)
        if (l.find("listening on") == std::string::npos && !l.empty())
            CHECK(std::regex_search(l, std::regex("^<[2-7]>")));
}

TEST_CASE("journal: without JOURNAL_STREAM log lines are plain, with a timestamp", "[journal]") {
    const auto lines = run_daemon(false);
    const auto loaded = line_with(lines, "loaded ");
    CHECK(std::regex_search(
        loaded, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d info loaded )")));
    for (const auto& l : lines) CHECK(!l.starts_with("<"));
}

TEST_CASE("journal: \"listening on\" is said once when stdout and stderr share the journal",
          "[journal]") {
    for (const bool journal : {true, false}) {
        const auto lines = run_daemon(journal);
        int n = 0;
        for (const auto& l : lines) n += l.find("listening on") != std::string::npos;
        CHECK(n == 1);
    }
}
