#pragma once
// The bundled Lishui 2023 plan on the real daemon, on a driven clock, with the bundled test values
// (rules/tests/lishui-2023-values.csv) reported up to a date through `indicatorctl import`, and
// its email receivers delivering to a real SMTP sink: what the Prometheus tests scrape.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "harness.hpp"
#include "model/clock.hpp"
#include "receivers.hpp"

namespace it {

inline const std::string kRoot = it::kData + "/../..";

/// The daemon on the Lishui plan at `as_of`, with the values reported by then.
class LishuiDaemon {
  public:
    LishuiDaemon(const TempDir& dir, const std::string& as_of) : smtp_(dir) {
        config_ = dir.path() / "lishui.yaml";
        std::ofstream(config_) << "rules: " << kRoot << "/rules/lishui-2023\ncalendars: " << kRoot
                               << "/config/calendars\nevaluation_interval: 1h\n"
                                  "alerting:\n  external_url: http://indicatord.example.org\n"
                                  "  smtp:\n    url: "
                               << smtp_.url() << "\n    from: indicatord@example.org\n";
        daemon_ = std::make_unique<Daemon>(
            dir.path(), config_.string(), std::vector<std::string>{"--test-clock", "--now", as_of});
        // the values reported by then, in the file's own header
        std::istringstream in(slurp(kRoot + "/rules/tests/lishui-2023-values.csv"));
        std::string header, line;
        std::getline(in, header);
        const auto values = dir.path() / "values.csv";
        std::ofstream out(values);
        out << header << "\n";
        const auto until = *indicatord::parse_instant(as_of);
        while (std::getline(in, line))
            if (!line.empty() &&
                *indicatord::parse_instant(line.substr(line.rfind(',') + 1)) <= until)
                out << line << "\n";
        out.close();
        auto [code, text] = run(kCtl + " import " + config_.string() + " " + values.string() +
                                " --url " + daemon_->url(""));
        INFO(text);
        REQUIRE(code == 0);
    }
    Daemon& daemon() { return *daemon_; }
    const SmtpSink& smtp() const { return smtp_; }

  private:
    SmtpSink smtp_;
    std::filesystem::path config_;
    std::unique_ptr<Daemon> daemon_;
};

}  // namespace it
