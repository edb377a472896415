#ifndef LLMIO_TESTING_EXPECT_HPP
#define LLMIO_TESTING_EXPECT_HPP

// Assertions for the conformance suite that need no test framework: each one throws
// llmio::testing::Failure with a message that says what was checked, what was expected and
// what happened. A framework adapter (llmio/testing/catch2.hpp) turns a Failure into its own
// failure report; any other program can catch it and print `what()`.
//
//     expect(!models.empty(), "list_models() returns at least one model");
//     expect_eq(response.content, "Hello!", "chat() content");
//         // throws Failure("chat() content: expected \"Hello!\", got \"Hi\"")
//     auto e = expect_throws<llmio::ServerError>([&] { run_the_call(); }, "a 500 reply");
//         // returns the caught error; wrong or no exception throws Failure

#include <boost/core/demangle.hpp>

#include <concepts>
#include <exception>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace llmio::testing {

/// A conformance check that did not hold. `what()` is the whole explanation.
class Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
concept Streamable = requires(std::ostream& os, T const& v) { os << v; };

template <class T>
concept HasToString = requires(T const& v) {
    { to_string(v) } -> std::convertible_to<std::string_view>;
};

template <class T>
concept HasErrorCode = requires(T const& v) { make_error_code(v).message(); };

/// How a value reads in a failure message: strings quoted, enums by name when they have one.
template <class T>
std::string show(T const& value)
{
    std::ostringstream os;
    if constexpr (std::is_same_v<T, bool>) {
        os << (value ? "true" : "false");
    } else if constexpr (std::is_convertible_v<T const&, std::string_view>) {
        os << '"' << std::string_view(value) << '"';
    } else if constexpr (IsOptional<T>::value) {
        if (!value)
            return "nullopt";
        return show(*value);
    } else if constexpr (HasToString<T>) {
        os << std::string_view(to_string(value));
    } else if constexpr (HasErrorCode<T>) {
        os << make_error_code(value).message();
    } else if constexpr (std::is_enum_v<T>) {
        os << static_cast<long long>(static_cast<std::underlying_type_t<T>>(value));
    } else if constexpr (Streamable<T>) {
        os << value;
    } else {
        os << "(a " << boost::core::demangle(typeid(T).name()) << ")";
    }
    return os.str();
}

} // namespace detail

/// Throws Failure(`what`) unless `condition` holds.
inline void expect(bool condition, std::string_view what)
{
    if (!condition)
        throw Failure(std::string(what));
}

/// Throws Failure("what: expected E, got A") unless `actual == expected`.
template <class A, class E>
void expect_eq(A const& actual, E const& expected, std::string_view what)
{
    if (!(actual == expected))
        throw Failure(std::string(what) + ": expected " + detail::show(expected) + ", got " +
                      detail::show(actual));
}

/// Throws Failure("what: expected not V") when `actual == unwanted`.
template <class A, class E>
void expect_ne(A const& actual, E const& unwanted, std::string_view what)
{
    if (actual == unwanted)
        throw Failure(std::string(what) + ": expected anything but " + detail::show(unwanted));
}

/// Runs `f`, which must throw E (or a subclass); returns the caught error. No exception, or
/// another one, throws Failure naming E and what happened instead.
template <class E, class F>
E expect_throws(F&& f, std::string_view what)
{
    std::string const wanted = boost::core::demangle(typeid(E).name());
    try {
        std::forward<F>(f)();
    } catch (Failure const& failure) {
        // A check that failed inside `f` is that failure, not the error `f` should throw.
        if constexpr (std::is_same_v<E, Failure>)
            return failure;
        else
            throw;
    } catch (E const& e) {
        return e;
    } catch (std::exception const& e) {
        throw Failure(std::string(what) + ": expected " + wanted + ", got " +
                      boost::core::demangle(typeid(e).name()) + ": " + e.what());
    } catch (...) {
        throw Failure(std::string(what) + ": expected " + wanted + ", got a non-standard exception");
    }
    throw Failure(std::string(what) + ": expected " + wanted + ", nothing was thrown");
}

} // namespace llmio::testing

#endif
