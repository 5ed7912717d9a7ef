#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace test {

inline const std::string kData = INDICATORD_TEST_DATA;

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

}  // namespace test
