#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace indicatord::sqlite {

/// Owns one sqlite3 connection. Move-only.
class Database {
  public:
    Database(const std::filesystem::path& file, int flags);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database(Database&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }

    /// Runs one or more statements without results; throws StorageError.
    void exec(std::string_view sql);
    sqlite3* get() const { return db_; }
    std::string error() const { return sqlite3_errmsg(db_); }

  private:
    sqlite3* db_ = nullptr;
};

/// A prepared statement, prepared once and reset after each use. Move-only.
class Statement {
  public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }

    Statement& bind(int index, std::int64_t v);
    Statement& bind(int index, double v);
    Statement& bind(int index, std::string_view v);
    Statement& bind_null(int index);
    /// Binds text without copying it: the bytes must stay alive and unchanged until the statement
    /// is reset (a Reset in the same scope as the bound string).
    Statement& bind_static(int index, std::string_view v);
    /// Binds bytes as a BLOB (copied by SQLite).
    Statement& bind_blob(int index, std::string_view bytes);
    /// true while a row is available; throws StorageError on failure.
    bool step();
    void reset();

    std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
    double real(int col) const { return sqlite3_column_double(stmt_, col); }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string_view text(int col) const;
    /// A BLOB column's bytes, valid until the next step or reset.
    std::string_view blob(int col) const;

  private:
    Database* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when the scope ends, whatever happened.
class Reset {
  public:
    explicit Reset(Statement& s) : s_(s) {}
    ~Reset() { s_.reset(); }
    Reset(const Reset&) = delete;
    Reset& operator=(const Reset&) = delete;

  private:
    Statement& s_;
};

}  // namespace indicatord::sqlite
