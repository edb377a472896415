#include <llmio/sqlite_cache_store.hpp>

#include <llmio/metrics.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <vector>
#include <utility>

namespace llmio {

namespace asio = boost::asio;

namespace {

// Runs `work` where it is co_spawned. The work is a coroutine parameter, so it lives in this
// coroutine's frame for as long as it runs (never in a temporary that dies first).
template <class R>
asio::awaitable<R> perform(std::function<R()> work)
{
    if constexpr (std::is_void_v<R>) {
        work();
        co_return;
    } else {
        R result = work();
        co_return result;
    }
}

// One prepared statement, reset after each use.
class Statement {
public:
    Statement(sqlite3* db, char const* sql)
    {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("SQLite cache: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(Statement const&) = delete;
    Statement& operator=(Statement const&) = delete;

    sqlite3_stmt* get() const noexcept { return stmt_; }

private:
    sqlite3_stmt* stmt_ = nullptr;
};

} // namespace

class SqliteCacheStore::Database {
public:
    explicit Database(SqliteCacheOptions options) : options_(std::move(options))
    {
        if (options_.path.empty())
            throw std::runtime_error("SQLite cache: no path");
        if (sqlite3_open_v2(options_.path.c_str(), &db_,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
            std::string const message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw std::runtime_error("SQLite cache: cannot open " + options_.path + ": " + message);
        }
        try {
            sqlite3_busy_timeout(db_, static_cast<int>(options_.busy_timeout.count()));
            exec("PRAGMA journal_mode=WAL");
            exec("PRAGMA synchronous=NORMAL");
            exec("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB NOT NULL, "
                 "size INTEGER NOT NULL, expires INTEGER, used INTEGER NOT NULL)");
            exec("CREATE INDEX IF NOT EXISTS entries_used ON entries (used)");
            exec("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            exec("INSERT OR IGNORE INTO counters VALUES ('hits', 0), ('misses', 0), ('evictions', 0), "
                 "('expirations', 0), ('bytes', 0), ('entries', 0)");
            select_ = std::make_unique<Statement>(db_, "SELECT value, expires, size FROM entries WHERE key = ?1");
            touch_ = std::make_unique<Statement>(
                db_, "UPDATE entries SET used = (SELECT COALESCE(MAX(used), 0) + 1 FROM entries) WHERE key = ?1");
            remove_ = std::make_unique<Statement>(db_, "DELETE FROM entries WHERE key = ?1 RETURNING size");
            insert_ = std::make_unique<Statement>(
                db_, "INSERT INTO entries (key, value, size, expires, used) "
                     "VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(used), 0) + 1 FROM entries))");
            oldest_ = std::make_unique<Statement>(db_, "SELECT key FROM entries ORDER BY used LIMIT 1");
            bump_ = std::make_unique<Statement>(db_, "UPDATE counters SET value = value + ?2 WHERE name = ?1");
            counter_ = std::make_unique<Statement>(db_, "SELECT value FROM counters WHERE name = ?1");
        } catch (...) {
            close();
            throw;
        }
    }

    ~Database()
    {
        try {
            flush(); // a later process sees this one's counts
        } catch (std::exception const&) {
            // the file is busy or gone: the last counts are lost, the entries are not
        }
        close();
    }

    // A plain read: the hit's recency and the counts wait in `pending_` (a write transaction per
    // hit would cost more than the read).
    std::optional<std::string> get(std::string const& key)
    {
        auto* s = select_->get();
        bind_text(s, 1, key);
        std::optional<std::string> value;
        bool expired = false;
        if (step(s) == SQLITE_ROW) {
            if (sqlite3_column_type(s, 1) != SQLITE_NULL && sqlite3_column_int64(s, 1) <= now_ms())
                expired = true;
            else
                value.emplace(static_cast<char const*>(sqlite3_column_blob(s, 0)),
                              static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
        }
        sqlite3_reset(s);
        if (expired) {
            Transaction t(*this);
            remove(key);
            bump("expirations", 1);
            t.commit();
        }
        if (value) {
            if (pending_.touched.size() < kMaxPendingTouches)
                pending_.touched.push_back(key);
            ++pending_.hits;
        } else {
            ++pending_.misses;
        }
        if (static_cast<std::size_t>(pending_.hits + pending_.misses) >= options_.flush_every ||
            std::chrono::steady_clock::now() - pending_.since >= options_.flush_interval) {
            try {
                flush();
            } catch (std::exception const&) {
                // busy: kept for the next flush (the answer stands)
            }
        }
        return value;
    }

    // Writes the pending recency and counts in one transaction.
    void flush()
    {
        if (pending_.empty())
            return;
        Transaction t(*this);
        apply_pending();
        t.commit();
        pending_.reset();
    }

    void put(std::string const& key, std::string const& value, std::chrono::seconds ttl)
    {
        auto const size = static_cast<std::int64_t>(key.size() + value.size());
        Transaction t(*this);
        apply_pending(); // the eviction below must see the recent hits
        remove(key);
        if (static_cast<std::size_t>(size) <= options_.max_bytes) {
            auto* s = insert_->get();
            bind_text(s, 1, key);
            sqlite3_bind_blob(s, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
            sqlite3_bind_int64(s, 3, size);
            if (ttl > std::chrono::seconds::zero())
                sqlite3_bind_int64(s, 4, now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count());
            else
                sqlite3_bind_null(s, 4);
            step_done(s);
            bump("bytes", size);
            bump("entries", 1);
            // Least recently used first, until the total fits.
            while (static_cast<std::size_t>(counter("bytes")) > options_.max_bytes) {
                auto* o = oldest_->get();
                if (step(o) != SQLITE_ROW) {
                    sqlite3_reset(o);
                    break;
                }
                std::string victim(reinterpret_cast<char const*>(sqlite3_column_text(o, 0)),
                                   static_cast<std::size_t>(sqlite3_column_bytes(o, 0)));
                sqlite3_reset(o);
                remove(victim);
                bump("evictions", 1);
            }
        }
        t.commit();
        pending_.reset();
    }

    void clear()
    {
        Transaction t(*this);
        apply_pending();
        exec("DELETE FROM entries");
        exec("UPDATE counters SET value = 0 WHERE name IN ('bytes', 'entries')");
        t.commit();
        pending_.reset();
    }

    CacheStoreStats stats()
    {
        flush();
        CacheStoreStats s;
        s.entries = static_cast<std::uint64_t>(counter("entries"));
        s.bytes = static_cast<std::uint64_t>(counter("bytes"));
        s.hits = static_cast<std::uint64_t>(counter("hits"));
        s.misses = static_cast<std::uint64_t>(counter("misses"));
        s.evictions = static_cast<std::uint64_t>(counter("evictions"));
        s.expirations = static_cast<std::uint64_t>(counter("expirations"));
        return s;
    }

private:
    // Reads since the last flush (see SqliteCacheOptions::flush_every).
    struct Pending {
        std::vector<std::string> touched; ///< Keys hit, in order (bounded: beyond, recency is lost).
        std::int64_t hits = 0;
        std::int64_t misses = 0;
        std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
        bool empty() const noexcept { return hits == 0 && misses == 0; }
        void reset()
        {
            touched.clear();
            hits = misses = 0;
            since = std::chrono::steady_clock::now();
        }
    };
    static constexpr std::size_t kMaxPendingTouches = 4096;

    // Inside a transaction: each key hit becomes the most recent, in the order of its last hit.
    void apply_pending()
    {
        std::unordered_set<std::string_view> seen;
        std::vector<std::string_view> order;
        for (auto it = pending_.touched.rbegin(); it != pending_.touched.rend(); ++it)
            if (seen.insert(*it).second)
                order.push_back(*it);
        for (auto it = order.rbegin(); it != order.rend(); ++it) {
            auto* u = touch_->get();
            sqlite3_bind_text(u, 1, it->data(), static_cast<int>(it->size()), SQLITE_STATIC);
            step_done(u);
        }
        if (pending_.hits > 0)
            bump("hits", pending_.hits);
        if (pending_.misses > 0)
            bump("misses", pending_.misses);
    }

    // BEGIN IMMEDIATE takes the write lock at once (so a busy file waits in busy_timeout, not in
    // the middle); rolled back unless committed.
    class Transaction {
    public:
        explicit Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
        ~Transaction()
        {
            if (!committed_)
                sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
        }
        Transaction(Transaction const&) = delete;
        Transaction& operator=(Transaction const&) = delete;
        void commit()
        {
            db_.exec("COMMIT");
            committed_ = true;
        }

    private:
        Database& db_;
        bool committed_ = false;
    };

    [[noreturn]] void fail() const { throw std::runtime_error(std::string("SQLite cache: ") + sqlite3_errmsg(db_)); }

    void exec(char const* sql)
    {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            fail();
    }

    int step(sqlite3_stmt* s)
    {
        int const rc = sqlite3_step(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            sqlite3_reset(s);
            fail();
        }
        return rc;
    }

    void step_done(sqlite3_stmt* s)
    {
        while (step(s) == SQLITE_ROW) {
        }
        sqlite3_reset(s);
    }

    static void bind_text(sqlite3_stmt* s, int index, std::string const& text)
    {
        sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    }

    void remove(std::string const& key)
    {
        auto* s = remove_->get();
        bind_text(s, 1, key);
        std::int64_t removed = 0;
        std::int64_t count = 0;
        while (step(s) == SQLITE_ROW) {
            removed += sqlite3_column_int64(s, 0);
            ++count;
        }
        sqlite3_reset(s);
        if (count > 0) {
            bump("bytes", -removed);
            bump("entries", -count);
        }
    }

    void bump(char const* name, std::int64_t by)
    {
        auto* s = bump_->get();
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, by);
        step_done(s);
    }

    std::int64_t counter(char const* name)
    {
        auto* s = counter_->get();
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        std::int64_t value = 0;
        if (step(s) == SQLITE_ROW)
            value = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        return value;
    }

    std::int64_t now_ms() const
    {
        auto const now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
        return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    }

    void close() noexcept
    {
        select_.reset();
        touch_.reset();
        remove_.reset();
        insert_.reset();
        oldest_.reset();
        bump_.reset();
        counter_.reset();
        if (db_)
            sqlite3_close(db_);
        db_ = nullptr;
    }

    SqliteCacheOptions options_;
    sqlite3* db_ = nullptr;
    std::unique_ptr<Statement> select_, touch_, remove_, insert_, oldest_, bump_, counter_;
    Pending pending_;
};

SqliteCacheStore::SqliteCacheStore(SqliteCacheOptions options)
    : db_(std::make_unique<Database>(std::move(options)))
{
}

SqliteCacheStore::~SqliteCacheStore()
{
    thread_.join(); // what was handed to the thread finishes before the database closes
}

asio::awaitable<std::optional<std::string>> SqliteCacheStore::get(std::string key)
{
    std::function<std::optional<std::string>()> work = [db = db_.get(), k = std::move(key)] { return db->get(k); };
    std::optional<std::string> result;
    std::exception_ptr error;
    try {
        result = co_await asio::co_spawn(thread_.get_executor(), perform(std::move(work)), asio::use_awaitable);
    } catch (...) {
        error = std::current_exception();
    }
    if (error) {
        count(CacheEvent::error);
        std::rethrow_exception(error);
    }
    count(result ? CacheEvent::hit : CacheEvent::miss);
    co_return result;
}

asio::awaitable<void> SqliteCacheStore::put(std::string key, std::string value, std::chrono::seconds ttl)
{
    std::function<void()> work = [db = db_.get(), k = std::move(key), v = std::move(value), ttl] { db->put(k, v, ttl); };
    std::exception_ptr error;
    try {
        co_await asio::co_spawn(thread_.get_executor(), perform(std::move(work)), asio::use_awaitable);
    } catch (...) {
        error = std::current_exception();
    }
    count(error ? CacheEvent::error : CacheEvent::stored);
    if (error)
        std::rethrow_exception(error);
}

asio::awaitable<void> SqliteCacheStore::clear()
{
    std::function<void()> work = [db = db_.get()] { db->clear(); };
    co_await asio::co_spawn(thread_.get_executor(), perform(std::move(work)), asio::use_awaitable);
}

asio::awaitable<CacheStoreStats> SqliteCacheStore::stats()
{
    std::function<CacheStoreStats()> work = [db = db_.get()] { return db->stats(); };
    auto result = co_await asio::co_spawn(thread_.get_executor(), perform(std::move(work)), asio::use_awaitable);
    co_return result;
}

} // namespace llmio
