// Every C++ block in docs/*.md is a snippet of an example program (which is compiled and run as
// a test), so the docs cannot drift from code that works. A block is preceded by
//     <!-- snippet: examples/FILE.cpp NAME -->
// and must equal, modulo common indentation, the lines between `// [snippet:NAME]` and
// `// [end-snippet]` in that file.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_lines(std::string const& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

std::string trim(std::string const& s)
{
    auto const b = s.find_first_not_of(" \t");
    if (b == std::string::npos)
        return {};
    auto const e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

// Removes the indentation all non-blank lines share, and trailing blanks.
std::vector<std::string> dedent(std::vector<std::string> lines)
{
    std::size_t common = std::string::npos;
    for (auto const& l : lines)
        if (!trim(l).empty())
            common = std::min(common, l.find_first_not_of(' '));
    for (auto& l : lines) {
        l = trim(l).empty() ? std::string() : l.substr(common == std::string::npos ? 0 : common);
        l.erase(l.find_last_not_of(" \t") + 1);
    }
    return lines;
}

std::string join(std::vector<std::string> const& lines)
{
    std::string out;
    for (auto const& l : lines)
        out += l + '\n';
    return out;
}

struct Snippet {
    bool found = false;
    bool terminated = false;
    std::vector<std::string> lines;
};

// The snippet `name` of an example source.
Snippet find_snippet(std::string const& source, std::string const& name)
{
    Snippet s;
    auto const lines = split_lines(source);
    std::string const begin = "// [snippet:" + name + "]";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (trim(lines[i]) != begin)
            continue;
        s.found = true;
        for (++i; i < lines.size(); ++i) {
            if (trim(lines[i]) == "// [end-snippet]") {
                s.terminated = true;
                break;
            }
            s.lines.push_back(lines[i]);
        }
        break;
    }
    s.lines = dedent(s.lines);
    return s;
}

std::string read_file(fs::path const& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Checks one Markdown document; returns one message per problem. `read_example` gets a path
/// relative to the source root ("examples/02_chat.cpp") and returns its text, or nullopt.
template <class ReadExample>
std::vector<std::string> check_document(std::string const& doc_name, std::string const& markdown,
                                        ReadExample read_example, std::size_t& blocks_checked)
{
    std::vector<std::string> problems;
    auto const lines = split_lines(markdown);
    std::string const marker_prefix = "<!-- snippet:";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto const fence = trim(lines[i]);
        if (fence.rfind("```", 0) != 0)
            continue;
        std::string const info = trim(fence.substr(3));
        // Find the closing fence; a fence inside is not a fence.
        std::size_t close = i + 1;
        while (close < lines.size() && trim(lines[close]).rfind("```", 0) != 0)
            ++close;
        std::string const where = doc_name + ":" + std::to_string(i + 1);
        if (info == "cpp" || info == "c++") {
            ++blocks_checked;
            std::size_t m = i;
            while (m > 0 && trim(lines[m - 1]).empty())
                --m;
            std::string const marker = m > 0 ? trim(lines[m - 1]) : std::string();
            if (marker.rfind(marker_prefix, 0) != 0 || marker.size() < 4 ||
                marker.substr(marker.size() - 3) != "-->") {
                problems.push_back(where + ": cpp block without a <!-- snippet: FILE NAME --> marker");
            } else {
                std::istringstream words(marker.substr(marker_prefix.size(),
                                                       marker.size() - marker_prefix.size() - 3));
                std::string file, name, extra;
                words >> file >> name >> extra;
                auto const source = read_example(file);
                if (file.empty() || name.empty() || !extra.empty())
                    problems.push_back(where + ": the marker must name one file and one snippet");
                else if (!source)
                    problems.push_back(where + ": cannot read " + file);
                else {
                    auto const snippet = find_snippet(*source, name);
                    std::vector<std::string> block(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                                   lines.begin() + static_cast<std::ptrdiff_t>(close));
                    if (!snippet.found || !snippet.terminated)
                        problems.push_back(where + ": " + file + " has no complete snippet " + name);
                    else if (join(dedent(block)) != join(snippet.lines))
                        problems.push_back(where + ": differs from " + file + " snippet " + name +
                                           "\n--- docs:\n" + join(dedent(block)) + "--- example:\n" +
                                           join(snippet.lines));
                }
            }
        }
        i = close;
    }
    return problems;
}

} // namespace

TEST_CASE("the snippet check accepts a copy and reports drift and missing markers", "[docs]")
{
    std::string const example = "int main()\n{\n    // [snippet:hello]\n    int x = 1;\n"
                                "    if (x)\n        return 0;\n    // [end-snippet]\n}\n";
    auto read = [&](std::string const& file) -> std::optional<std::string> {
        if (file == "examples/hello.cpp")
            return example;
        return std::nullopt;
    };
    std::size_t blocks = 0;
    auto const doc = [](std::string body) { return "# T\n\n<!-- snippet: " + body + "\n"; };

    CHECK(check_document("ok.md", doc("examples/hello.cpp hello -->\n```cpp\nint x = 1;\nif (x)\n    return 0;\n```"),
                         read, blocks)
              .empty());
    CHECK(blocks == 1);

    auto drift = check_document(
        "drift.md", doc("examples/hello.cpp hello -->\n```cpp\nint x = 2;\nif (x)\n    return 0;\n```"), read, blocks);
    REQUIRE(drift.size() == 1);
    CHECK_THAT(drift[0], Catch::StartsWith("drift.md:4: differs from examples/hello.cpp snippet hello"));

    auto unmarked = check_document("bare.md", "# T\n\n```cpp\nint x = 1;\n```\n\n```sh\nls\n```\n", read, blocks);
    REQUIRE(unmarked.size() == 1);
    CHECK(unmarked[0] == "bare.md:3: cpp block without a <!-- snippet: FILE NAME --> marker");

    auto missing = check_document("missing.md", doc("examples/hello.cpp nope -->\n```cpp\nint x;\n```"), read, blocks);
    REQUIRE(missing.size() == 1);
    CHECK(missing[0] == "missing.md:4: examples/hello.cpp has no complete snippet nope");

    auto unreadable = check_document("gone.md", doc("examples/gone.cpp hello -->\n```cpp\nint x;\n```"), read, blocks);
    REQUIRE(unreadable.size() == 1);
    CHECK(unreadable[0] == "gone.md:4: cannot read examples/gone.cpp");
}

TEST_CASE("every cpp block in docs/ is exactly a snippet of a compiled example", "[docs]")
{
    fs::path const root = LLMIO_SOURCE_DIR;
    auto read = [&](std::string const& file) -> std::optional<std::string> {
        // Only examples/ and the third-party provider that the consumer test builds against the
        // installed package and runs: snippets must come from code that is compiled and run.
        bool const compiled_and_run = file.rfind("examples/", 0) == 0 ||
                                      file.rfind("tests/consumer/third_party/", 0) == 0;
        if (!compiled_and_run || file.find("..") != std::string::npos)
            return std::nullopt;
        std::error_code ec;
        if (!fs::is_regular_file(root / file, ec))
            return std::nullopt;
        return read_file(root / file);
    };

    std::vector<fs::path> docs;
    for (auto const& entry : fs::directory_iterator(root / "docs"))
        if (entry.is_regular_file() && entry.path().extension() == ".md")
            docs.push_back(entry.path());
    std::sort(docs.begin(), docs.end());
    REQUIRE(docs.size() >= 7); // README, getting-started, coroutines, providers, errors, discovery, local-models
    docs.push_back(root / "README.md"); // the repository's front page shows the first program

    std::size_t blocks = 0;
    for (auto const& path : docs) {
        auto const name = fs::relative(path, root).generic_string();
        auto const problems = check_document(name, read_file(path), read, blocks);
        for (auto const& p : problems)
            FAIL_CHECK(p);
    }
    CHECK(blocks >= 20);
}
