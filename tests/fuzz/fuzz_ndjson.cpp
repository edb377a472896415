// libFuzzer target: NdjsonSplitter must report the same lines (and the same error) whether the
// input arrives whole, split in two at a position taken from the first byte, or one byte at a
// time; a callback returning false must stop exactly there; and no view may outlive the feed it
// points into (each piece lives in its own heap block, freed after its feed).

#include <llmio/http/ndjson_splitter.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using llmio::http::NdjsonSplitter;

namespace {

struct Outcome {
    std::vector<std::string> lines;
    boost::system::error_code ec;
    bool stopped = false;

    bool operator==(Outcome const&) const = default;
};

void require(bool ok, char const* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_ndjson: %s\n", what);
        std::abort();
    }
}

Outcome split_lines(std::string_view input, std::vector<std::size_t> const& cuts,
                    std::size_t max_line, long stop_after = -1)
{
    Outcome out;
    auto on_line = [&](std::string_view line) {
        require(line.size() <= max_line, "line over the limit");
        require(line.find('\n') == std::string_view::npos, "'\\n' inside a line");
        require(line.find_first_not_of(" \t\r") != std::string_view::npos, "blank line reported");
        out.lines.emplace_back(line);
        return static_cast<long>(out.lines.size()) - 1 != stop_after;
    };

    NdjsonSplitter splitter(max_line);
    std::size_t from = 0;
    for (std::size_t i = 0; i <= cuts.size() && !out.ec && !splitter.stopped(); ++i) {
        std::size_t const to = i < cuts.size() ? cuts[i] : input.size();
        std::size_t const size = to - from;
        auto piece = std::make_unique<char[]>(size + 1); // own heap block, freed after the feed
        std::copy(input.begin() + static_cast<std::ptrdiff_t>(from),
                  input.begin() + static_cast<std::ptrdiff_t>(to), piece.get());
        out.ec = splitter.feed(std::string_view(piece.get(), size), on_line);
        from = to;
    }
    if (!out.ec && !splitter.stopped()) {
        out.ec = splitter.finish(on_line);
    }
    out.stopped = splitter.stopped();
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
    // Half of the inputs run with a tiny limit so that the error paths get exercised.
    std::size_t const max_line = limit_seed < 128 ? limit_seed % 48 : std::size_t(16) << 20;

    Outcome const whole = split_lines(input, {}, max_line);
    std::size_t const split = input.size() * split_seed / 255;
    require(split_lines(input, {split}, max_line) == whole, "split feed differs from whole feed");
    if (input.size() <= 1024) {
        std::vector<std::size_t> every_byte;
        for (std::size_t i = 1; i < input.size(); ++i) {
            every_byte.push_back(i);
        }
        require(split_lines(input, every_byte, max_line) == whole, "byte-wise feed differs");
    }

    if (!whole.lines.empty()) {
        std::size_t const k = split_seed % whole.lines.size();
        Outcome const stopped = split_lines(input, {split}, max_line, static_cast<long>(k));
        require(stopped.stopped && !stopped.ec, "a false return did not stop");
        require(stopped.lines.size() == k + 1 &&
                    std::equal(stopped.lines.begin(), stopped.lines.end(), whole.lines.begin()),
                "stopping changed the lines before the stop");
    }
    return 0;
}
