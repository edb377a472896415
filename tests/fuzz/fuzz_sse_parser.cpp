// libFuzzer target: SseParser must report the same events and other lines (and the same
// error) whether the input arrives whole, split in two at a position taken from the first
// byte, or one byte at a time; a callback returning false must stop exactly there; and no
// view may outlive the feed it points into (each piece lives in its own heap block, freed
// after its feed, so AddressSanitizer sees any late read).

#include <llmio/http/sse_parser.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using llmio::http::SseEvent;
using llmio::http::SseLimits;
using llmio::http::SseOtherLine;
using llmio::http::SseParser;

namespace {

struct Outcome {
    std::vector<std::string> items;
    boost::system::error_code ec;
    bool finished_without_blank_line = false;
    bool stopped = false;

    bool operator==(Outcome const&) const = default;
};

void require(bool ok, char const* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_sse_parser: %s\n", what);
        std::abort();
    }
}

// Feeds `input` cut at `cuts` (ascending offsets) and finishes. With `stop_after` >= 0 the
// callback returns false on that item.
Outcome parse(std::string_view input, std::vector<std::size_t> const& cuts, SseLimits limits,
              long stop_after = -1)
{
    Outcome out;
    auto keep_going = [&] { return static_cast<long>(out.items.size()) - 1 != stop_after; };
    auto on_event = [&](SseEvent const& e) {
        require(e.data.size() <= limits.max_event_data, "event data over the limit");
        require(!e.type.empty(), "empty event type");
        out.items.push_back("E" + std::string(e.type) + '\n' + std::string(e.id) + '\n' +
                            std::string(e.data));
        return keep_going();
    };
    auto on_other = [&](SseOtherLine const& o) {
        require(o.line.size() <= limits.max_line, "line over the limit");
        require(!o.line.empty() && o.line.front() != ':', "comment or blank line reported");
        require(o.line.find_first_of("\r\n") == std::string_view::npos, "line end inside a line");
        require(o.field.data() == o.line.data() && o.field.size() <= o.line.size(),
                "field outside its line");
        out.items.push_back("O" + std::string(o.field) + '\n' + std::string(o.value) + '\n' +
                            std::string(o.line));
        return keep_going();
    };

    SseParser parser(limits);
    std::size_t from = 0;
    for (std::size_t i = 0; i <= cuts.size() && !out.ec && !parser.stopped(); ++i) {
        std::size_t const to = i < cuts.size() ? cuts[i] : input.size();
        std::size_t const size = to - from;
        auto piece = std::make_unique<char[]>(size + 1); // own heap block, freed after the feed
        std::copy(input.begin() + static_cast<std::ptrdiff_t>(from),
                  input.begin() + static_cast<std::ptrdiff_t>(to), piece.get());
        out.ec = parser.feed(std::string_view(piece.get(), size), on_event, on_other);
        from = to;
    }
    if (!out.ec && !parser.stopped()) {
        out.ec = parser.finish(on_event, on_other);
        out.finished_without_blank_line = parser.finished_without_blank_line();
    }
    out.stopped = parser.stopped();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size < 2) {
        return 0;
    }
    std::uint8_t const split_seed = data[0];
    std::uint8_t const limit_seed = data[1];
    std::string_view const input(reinterpret_cast<char const*>(data + 2), size - 2);

    // Half of the inputs run with tiny limits so that the error paths get exercised.
    SseLimits limits;
    if (limit_seed < 128) {
        limits.max_line = limit_seed % 48;
        limits.max_event_data = (limit_seed * 7) % 64;
    }

    Outcome const whole = parse(input, {}, limits);
    std::size_t const split = input.size() * split_seed / 255;
    require(parse(input, {split}, limits) == whole, "split feed differs from whole feed");
    if (input.size() <= 1024) {
        std::vector<std::size_t> every_byte;
        for (std::size_t i = 1; i < input.size(); ++i) {
            every_byte.push_back(i);
        }
        require(parse(input, every_byte, limits) == whole, "byte-wise feed differs");
    }

    // Stopping at item k reports exactly the first k + 1 items.
    if (!whole.items.empty()) {
        std::size_t const k = split_seed % whole.items.size();
        Outcome const stopped = parse(input, {split}, limits, static_cast<long>(k));
        require(stopped.stopped && !stopped.ec, "a false return did not stop");
        require(stopped.items.size() == k + 1 &&
                    std::equal(stopped.items.begin(), stopped.items.end(), whole.items.begin()),
                "stopping changed the items before the stop");
    }
    return 0;
}
