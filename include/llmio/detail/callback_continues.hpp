#ifndef LLMIO_DETAIL_CALLBACK_CONTINUES_HPP
#define LLMIO_DETAIL_CALLBACK_CONTINUES_HPP

#include <functional>
#include <type_traits>

namespace llmio::detail {

/// Calls `f(arg)` and says whether the caller should go on. A callback may return void
/// (always go on) or something convertible to bool, where false means "stop now".
template <class F, class Arg>
bool callback_continues(F& f, Arg const& arg)
{
    using Result = std::invoke_result_t<F&, Arg const&>;
    if constexpr (std::is_void_v<Result>) {
        std::invoke(f, arg);
        return true;
    } else {
        static_assert(std::is_convertible_v<Result, bool>,
                      "a parser callback must return void or bool (false = stop)");
        return static_cast<bool>(std::invoke(f, arg));
    }
}

} // namespace llmio::detail

#endif // LLMIO_DETAIL_CALLBACK_CONTINUES_HPP
