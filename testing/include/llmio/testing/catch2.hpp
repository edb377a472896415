#ifndef LLMIO_TESTING_CATCH2_HPP
#define LLMIO_TESTING_CATCH2_HPP

// The conformance suite (llmio/testing/conformance.hpp) as Catch2 (v2) sections: one
// DYNAMIC_SECTION per case, a fresh Target for each, a skipped case reported with WARN and its
// reason, a Failure reported with FAIL naming the target and the case.
//
//     TEST_CASE("conformance: acme", "[conformance]") {
//         llmio::testing::catch2::run_conformance_suite([] { return acme_target(); });
//     }
//
// Header-only: the program that includes it links Catch2 itself; llmio::testing does not
// depend on any test framework.

#include <llmio/testing/conformance.hpp>
#include <llmio/testing/expect.hpp>

#include <catch2/catch.hpp>

namespace llmio::testing::catch2 {

/// Call inside a TEST_CASE: Catch runs the test case once per case of the suite.
inline void run_conformance_suite(TargetFactory const& make_target)
{
    for (auto const& c : conformance_cases()) {
        DYNAMIC_SECTION(c.name)
        {
            auto const target = make_target();
            INFO("target: " << target.label);
            auto const why = skip_reason(c, target);
            if (!why.empty()) {
                WARN("skipped \"" << c.name << "\": " << why);
                continue;
            }
            try {
                c.run(target);
                SUCCEED(c.name);
            } catch (Failure const& failure) {
                FAIL(target.label << ", \"" << c.name << "\": " << failure.what());
            }
        }
    }
}

} // namespace llmio::testing::catch2

#endif
