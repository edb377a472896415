// parse_document: a body's DOM in one arena of its own. What users of the values rely on: the
// same values as json::parse, parts that outlive the document, copies and edits after parsing
// (which the sealed arena serves from the heap), and adopt() keeping the document's memory.

#include <llmio/detail/parsed_document.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <thread>
#include <vector>

namespace json = boost::json;
using llmio::detail::adopt;
using llmio::detail::parse_document;

namespace {

json::value parse_ok(std::string_view text)
{
    boost::system::error_code ec;
    auto value = parse_document(text, ec);
    REQUIRE_FALSE(ec);
    return value;
}

std::string large_document()
{
    std::string text = R"({"id":"chatcmpl-1","items":[)";
    for (int i = 0; i < 3000; ++i) {
        if (i != 0)
            text += ',';
        text += R"({"n":)" + std::to_string(i) + R"(,"text":"item number )" + std::to_string(i) + R"("})";
    }
    text += "]}";
    return text;
}

} // namespace

TEST_CASE("parse_document: the same values as json::parse for a small document and one spanning many blocks", "[json]")
{
    std::string const small = R"({"model":"m","choices":[{"message":{"role":"assistant","content":"Hi"}}],)"
                              R"("usage":{"prompt_tokens":3,"completion_tokens":1},"ok":true,"x":null,"f":0.5})";
    CHECK(parse_ok(small) == json::parse(small));
    auto const large = large_document();
    auto const document = parse_ok(large);
    CHECK(document == json::parse(large));
    CHECK(document.at("items").at(2999).at("text") == "item number 2999");
}

TEST_CASE("parse_document: invalid JSON sets the error", "[json]")
{
    boost::system::error_code ec;
    parse_document(R"({"a":)", ec);
    CHECK(ec);
    ec.clear();
    parse_document(R"({"a":1} trailing)", ec);
    CHECK(ec);
}

TEST_CASE("parse_document: parts outlive the document and copies and edits after parsing work", "[json]")
{
    json::value part;
    json::value copy;
    {
        auto document = parse_ok(large_document());
        json::value moved_out(std::move(document.at("items").as_array()[5])); // keeps the arena
        adopt(part, std::move(moved_out));
        copy = document; // into the default resource
        // Edits allocate after the seal: from the heap, freed again (ASan checks the pairing).
        auto& items = document.at("items").as_array();
        for (int i = 0; i < 100; ++i)
            items.emplace_back(std::string(100, 'x'));
        items.erase(items.begin(), items.begin() + 50);
        json::value second(document); // a copy on the document's own resource
        second.as_object()["added"] = std::string(500, 'y');
        CHECK(second.at("items").as_array().size() == items.size());
    }
    CHECK(part.at("text") == "item number 5");
    CHECK(copy.at("items").as_array().size() == 3000);
}

TEST_CASE("parse_document: adopt keeps the document's memory where assignment copies it", "[json]")
{
    auto document = parse_ok(R"({"a":[1,2,3],"b":"text"})");
    auto const storage = document.storage();
    json::value assigned;
    assigned = document;
    CHECK(assigned.storage().get() != storage.get());
    json::value adopted;
    adopt(adopted, std::move(document));
    CHECK(adopted.storage().get() == storage.get());
    CHECK(adopted == assigned);
}

// Whole copies here; that the arena is safe for them is TSan's to see, in tests/concurrency.
TEST_CASE("parse_document: copies of one document made on several threads at once", "[json]")
{
    auto const document = parse_ok(large_document());
    std::vector<std::thread> threads;
    std::vector<std::size_t> sizes(4);
    for (std::size_t t = 0; t < sizes.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round) {
                json::value copy(document); // allocates from the document's sealed arena
                sizes[t] += copy.at("items").as_array().size();
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (auto const size : sizes)
        CHECK(size == 20 * 3000);
}
