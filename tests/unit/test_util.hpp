#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "model/clock.hpp"
#include "model/plan.hpp"

namespace test {

inline const std::string kData = INDICATORD_TEST_DATA;

/// Polls `ok` until it holds or 10 s pass (no fixed sleeps in tests); true if it held.
template <class F>
bool eventually(F ok) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!ok()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

/// First line of a bad file: "# expect: MESSAGE"; FILE in it stands for the file's path.
inline std::string expected_error(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    const std::string tag = "# expect: ";
    REQUIRE(line.rfind(tag, 0) == 0);
    auto msg = line.substr(tag.size());
    for (auto at = msg.find("FILE"); at != std::string::npos;
         at = msg.find("FILE", at + path.size()))
        msg.replace(at, 4, path);
    return msg;
}

/// A fresh temporary directory, removed when the object goes.
class TempDir {
  public:
    TempDir() {
        std::random_device rd;
        path_ =
            std::filesystem::temp_directory_path() / ("indicatord-test-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

/// An instant written as ISO 8601 with its offset ("2023-04-26T09:00:00+08:00").
inline indicatord::TimePoint at(const std::string& text) {
    const auto t = indicatord::parse_instant(text);
    REQUIRE(t);
    return *t;
}

/// tests/data/lifecycle: the plan of the alert lifecycle and outbox tests, loaded once.
inline std::shared_ptr<const indicatord::Plan> lifecycle_plan() {
    static const auto plan =
        std::make_shared<const indicatord::Plan>(indicatord::load_plan({kData + "/lifecycle"}));
    return plan;
}

}  // namespace test
