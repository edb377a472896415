#ifndef LLMIO_DETAIL_JSON_READ_HPP
#define LLMIO_DETAIL_JSON_READ_HPP

// Non-throwing helpers for reading received JSON and writing request bodies.
// Shared by every provider's wire mapping.
//
// Reading rules: an absent key and a null value both mean "not given"; a value of the wrong
// type is a shape error, recorded once (the first one) with its path for the error message.
// Integers are accepted as int64, as uint64 that fits, or as a double with an integral value
// (servers write `12.0`); floating fields accept any number.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::detail {

/// The first shape mismatch found while reading, as a message and a Boost.JSON error code.
class ShapeError {
public:
    bool failed() const noexcept { return ec_.failed(); }
    explicit operator bool() const noexcept { return failed(); }
    boost::system::error_code code() const noexcept { return ec_; }
    std::string const& message() const noexcept { return message_; }

    /// Records "<where>.<key>: expected <what>, got <kind of got>" unless an error is recorded.
    void expected(std::string_view where, std::string_view key, std::string_view what,
                  boost::json::value const& got, boost::json::error ec);
    /// Records a free-form message unless an error is recorded.
    void fail(std::string message,
              boost::system::error_code ec = boost::json::error::not_object);

private:
    boost::system::error_code ec_;
    std::string message_;
};

/// "object", "array", "string", "number", "bool", "null".
std::string_view kind_name(boost::json::kind k) noexcept;

/// `o[key]`, or nullptr when the key is absent or its value is null.
boost::json::value const* field(boost::json::object const& o, std::string_view key) noexcept;

/// An integral number (see the reading rules), or nullopt.
std::optional<std::int64_t> as_integer(boost::json::value const& v) noexcept;
/// Any number as double, or nullopt.
std::optional<double> as_double(boost::json::value const& v) noexcept;

/// The string at `key` ("" when absent or null).
std::string_view string_field(boost::json::object const& o, std::string_view key,
                              ShapeError& err, std::string_view where = {});
/// Like `string_field`, but also accepts an integer and writes its decimal text (ids that some
/// servers send as numbers). Appends nothing when absent.
void id_field(boost::json::object const& o, std::string_view key, std::string& out,
              ShapeError& err, std::string_view where = {});
/// `id_field` on a value already found under `key` (`key` only names it in errors).
void read_id(boost::json::value const& v, std::string_view key, std::string& out,
             ShapeError& err, std::string_view where = {});
std::optional<std::int64_t> integer_field(boost::json::object const& o, std::string_view key,
                                          ShapeError& err, std::string_view where = {});
std::optional<double> double_field(boost::json::object const& o, std::string_view key,
                                   ShapeError& err, std::string_view where = {});
std::optional<bool> bool_field(boost::json::object const& o, std::string_view key,
                               ShapeError& err, std::string_view where = {});
boost::json::object const* object_field(boost::json::object const& o, std::string_view key,
                                        ShapeError& err, std::string_view where = {});
boost::json::array const* array_field(boost::json::object const& o, std::string_view key,
                                      ShapeError& err, std::string_view where = {});

/// Writes `value` under `key` when it is set.
template <class T>
void put_if(boost::json::object& o, std::string_view key, std::optional<T> const& value)
{
    if (value)
        o[key] = boost::json::value_from(*value, o.storage());
}

/// Writes `values` under `key` as an array when non-empty.
template <class T>
void put_list(boost::json::object& o, std::string_view key, std::vector<T> const& values)
{
    if (!values.empty())
        o[key] = boost::json::value_from(values, o.storage());
}

/// Merges `extra` into `body` key by key; `extra`'s values win and a null value removes the key.
void merge_extra(boost::json::object& body, boost::json::object const& extra);

} // namespace llmio::detail

#endif // LLMIO_DETAIL_JSON_READ_HPP
