#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace it {

inline const std::string kData = INDICATORD_TEST_DATA;
inline const std::string kDaemon = INDICATORD_BINARY;
inline const std::string kCtl = INDICATORCTL_BINARY;

/// A fresh temporary directory, removed when the object goes.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

/// A child process with its stdout and stderr captured to files.
class Process {
  public:
    Process(const std::vector<std::string>& argv, const std::filesystem::path& log_dir,
            const std::map<std::string, std::string>& env = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    /// Waits up to `timeout` for exit; returns the exit code (128+signal if killed).
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    std::string out() const;
    std::string err() const;

  private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path out_, err_;
};

/// The real indicatord on 127.0.0.1:0 with a database in `dir`.
class Daemon {
  public:
    /// Starts it and waits (polling, with a deadline) for its "listening on" line.
    Daemon(const std::filesystem::path& dir, const std::string& config = kData + "/minimal.yaml",
           std::vector<std::string> extra_args = {});
    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path) const;
    Process& process() { return *proc_; }
    std::filesystem::path database() const { return db_; }

  private:
    std::filesystem::path db_;
    std::unique_ptr<Process> proc_;
    std::uint16_t port_ = 0;
    std::string scheme_ = "http";
};

/// Moves the clock of a daemon started with --test-clock (POST /-/clock); fails the test unless
/// it answers 200, which it does once the evaluation, alerts and bulletins at `now` are done.
void set_clock(const Daemon& d, const std::string& now);

struct Response {
    long status = 0;
    std::string body;
    std::string content_type;
    std::map<std::string, std::string> headers;
};

/// One HTTP request with libcurl; status 0 when the connection failed.
Response http(const std::string& method, const std::string& url, const std::string& body = {},
              const std::string& content_type = "application/json",
              const std::vector<std::string>& headers = {});

/// Polls `ok` every 20 ms until it is true or `timeout` passes; returns its last answer.
bool eventually(const std::function<bool()>& ok,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// A TCP port that was free a moment ago (for peers that cannot report their own port).
std::uint16_t free_port();

/// Runs a command, returns exit code and combined output.
std::pair<int, std::string> run(const std::string& command);

/// A raw TCP client on 127.0.0.1 for HTTP framing tests: sends exactly the bytes it is given,
/// reads what comes back, tells when the server closes. Every wait has a deadline.
class RawClient {
  public:
    /// `receive_buffer` > 0 sets SO_RCVBUF before connecting (a small window, for clients that
    /// do not read their answers).
    explicit RawClient(std::uint16_t port, int receive_buffer = 0);
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    /// false when the peer has closed or reset the connection.
    bool send(std::string_view data);
    /// The next response's head (status line to blank line), nullopt on close or timeout.
    std::optional<std::string> head(std::chrono::milliseconds timeout);
    /// The next response: its head and a Content-Length body (none for an interim 1xx).
    std::optional<std::string> response(std::chrono::milliseconds timeout);
    /// Reads until the peer closes (FIN or reset) or `timeout` passes; whether it closed.
    bool wait_closed(std::chrono::milliseconds timeout);
    /// Received and not yet taken by head() or response().
    const std::string& pending() const { return buffer_; }
    /// Whether the peer has closed or reset the connection (as far as seen so far).
    bool closed() const { return closed_; }
    /// This end's port (to find the connection in the server's socket table).
    std::uint16_t local_port() const;

  private:
    bool receive(std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    bool closed_ = false;
    std::string buffer_;
};

/// The status code of "HTTP/1.1 200 OK..."; 0 if it is not a status line.
int status_of(const std::string& response);
/// What follows the head; the value of a header (case-insensitive name; empty if absent).
std::string body_of(const std::string& response);
std::string header_of(const std::string& response, const std::string& name);

/// A small file system of its own mounted at `dir`: a 2 MiB tmpfs, else an 8 MiB ext4 image on a
/// loop device (unmounted when the object goes). Root is needed, and a sandbox may forbid both;
/// `error()` then says what failed.
class SmallFilesystem {
  public:
    explicit SmallFilesystem(const std::filesystem::path& dir);
    ~SmallFilesystem();
    SmallFilesystem(const SmallFilesystem&) = delete;
    SmallFilesystem& operator=(const SmallFilesystem&) = delete;

    bool mounted() const { return mounted_; }
    const std::string& error() const { return error_; }

  private:
    std::filesystem::path dir_;
    bool mounted_ = false;
    std::string error_;
};

/// The JSON body of POST /api/v1/values with one value.
std::string one_value(const std::string& indicator, const std::string& period, double value);

/// One stored revision, as GET /api/v1/indicators/{key}/values lists it.
struct StoredValue {
    std::string period;
    double value = 0;
    int revision = 0;
};
/// Every stored revision of `key`, read page by page through the API (throws unless 200).
std::vector<StoredValue> history(const Daemon& d, const std::string& key,
                                 const std::vector<std::string>& headers = {});

}  // namespace it
