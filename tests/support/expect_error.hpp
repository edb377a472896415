#ifndef LLMIO_TESTS_SUPPORT_EXPECT_ERROR_HPP
#define LLMIO_TESTS_SUPPORT_EXPECT_ERROR_HPP

// Runs `f`, which must throw E (or a subclass of it), and returns the caught error for the
// test to inspect. Another exception, or none, fails the test with what happened.

#include <catch2/catch.hpp>

#include <exception>
#include <stdexcept>

namespace llmio::test {

template <class E, class F>
E expect_error(F&& f)
{
    try {
        f();
    } catch (E const& e) {
        return e;
    } catch (std::exception const& e) {
        FAIL("wrong exception: " << e.what());
    }
    FAIL("no exception");
    throw std::logic_error("unreachable");
}

} // namespace llmio::test

#endif
