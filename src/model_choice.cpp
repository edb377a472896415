#include <llmio/model_choice.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace llmio {

namespace {

constexpr std::array<std::pair<Task, std::string_view>, 5> kTaskNames{{
    {Task::coding, "coding"},
    {Task::research, "research"},
    {Task::creative, "creative"},
    {Task::analysis, "analysis"},
    {Task::general, "general"},
}};

// Whole lower-case words (letters, digits, '+' and '#', so that c++ and c# stay words).
std::vector<std::string> words_of(std::string_view text)
{
    std::vector<std::string> words;
    std::string word;
    for (char const c : text) {
        auto const u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '+' || c == '#') {
            word += static_cast<char>(std::tolower(u));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty())
        words.push_back(std::move(word));
    return words;
}

struct Keywords {
    Task task;
    std::vector<std::string_view> words;
};

std::vector<Keywords> const& keywords()
{
    static std::vector<Keywords> const table{
        {Task::coding, {"code", "function", "bug", "compile", "compiler", "debug", "refactor", "python", "c++",
                        "javascript", "typescript", "rust", "java", "golang", "sql", "regex", "api", "script",
                        "program", "exception", "stacktrace", "segfault", "tests"}},
        {Task::research, {"research", "sources", "source", "cite", "citation", "paper", "papers", "study",
                          "studies", "history", "literature", "evidence", "references"}},
        {Task::creative, {"story", "poem", "poetry", "lyrics", "song", "fiction", "novel", "character",
                          "imagine", "creative", "joke", "haiku", "screenplay", "dialogue"}},
        {Task::analysis, {"analyze", "analyse", "analysis", "data", "statistics", "trend", "trends", "evaluate",
                          "compare", "comparison", "calculate", "estimate", "forecast", "metrics", "csv", "table"}},
    };
    return table;
}

std::string_view last_user_text(ChatRequest const& request, std::string& joined)
{
    for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it) {
        if (it->role != Role::user)
            continue;
        if (it->parts.empty())
            return it->content;
        joined = it->content;
        for (auto const& part : it->parts)
            if (part.type == ContentPart::Type::text)
                joined += " " + part.text;
        return joined;
    }
    return {};
}

double task_score(ChoicePreferences const* preferences, std::string const& model, Task task)
{
    if (!preferences)
        return 0;
    auto const m = preferences->task_scores.find(model);
    if (m == preferences->task_scores.end())
        return 0;
    auto const t = m->second.find(task);
    return t == m->second.end() ? 0 : t->second;
}

std::size_t preference_rank(ChoicePreferences const* preferences, std::string const& model)
{
    if (!preferences)
        return 0;
    auto const& prefer = preferences->prefer;
    return static_cast<std::size_t>(std::find(prefer.begin(), prefer.end(), model) - prefer.begin());
}

bool is_embedding_model(ModelInfo const& model) noexcept
{
    return model.type == "embedding" || model.capabilities.embeddings.value_or(false);
}

} // namespace

std::string_view to_string(Task task) noexcept
{
    for (auto const& [t, name] : kTaskNames)
        if (t == task)
            return name;
    return "general";
}

std::optional<Task> task_from_string(std::string_view text) noexcept
{
    for (auto const& [t, name] : kTaskNames)
        if (name == text)
            return t;
    return std::nullopt;
}

Task classify_task(ChatRequest const& request)
{
    std::string joined;
    std::string_view const text = last_user_text(request, joined);
    std::array<int, 4> hits{};
    if (text.find("```") != std::string_view::npos)
        ++hits[0];
    for (auto const& word : words_of(text))
        for (std::size_t i = 0; i < keywords().size(); ++i)
            for (auto const keyword : keywords()[i].words)
                if (word == keyword)
                    ++hits[i];
    auto const best = std::max_element(hits.begin(), hits.end()); // the first of equals
    if (*best == 0)
        return Task::general;
    return keywords()[static_cast<std::size_t>(best - hits.begin())].task;
}

ModelRequirements requirements_of(ChatRequest const& request, ModelRequirements route)
{
    if (!request.tools.empty())
        route.tools = true;
    for (auto const& message : request.messages)
        for (auto const& part : message.parts)
            if (part.type == ContentPart::Type::image_url)
                route.vision = true;
    return route;
}

bool may_fit(ModelInfo const& model, ModelRequirements const& needs) noexcept
{
    auto const& c = model.capabilities;
    if (needs.embeddings != is_embedding_model(model))
        return false;
    if (needs.tools && c.tool_use == false)
        return false;
    if (needs.vision && (c.vision == false || (!c.vision && model.type == "llm")))
        return false;
    if (needs.min_context_length) {
        auto const context = model.loaded_context_length ? model.loaded_context_length : c.context_length;
        if (context && *context < *needs.min_context_length)
            return false;
    }
    return true;
}

bool confirmed(ModelInfo const& model, ModelRequirements const& needs) noexcept
{
    auto const& c = model.capabilities;
    if (needs.tools && c.tool_use != true)
        return false;
    if (needs.vision && c.vision != true && model.type != "vlm")
        return false;
    if (needs.min_context_length && !model.loaded_context_length && !c.context_length)
        return false;
    return true;
}

std::vector<ModelCandidate> rank_candidates(ChoiceInput const& input, std::vector<ModelCandidate> candidates)
{
    std::erase_if(candidates, [&](ModelCandidate const& c) { return !may_fit(c.model, input.requirements); });
    auto const context = [](ModelInfo const& m) {
        return m.loaded_context_length.value_or(m.capabilities.context_length.value_or(0));
    };
    std::stable_sort(candidates.begin(), candidates.end(), [&](ModelCandidate const& a, ModelCandidate const& b) {
        bool const ca = confirmed(a.model, input.requirements);
        bool const cb = confirmed(b.model, input.requirements);
        if (ca != cb)
            return ca;
        double const sa = task_score(input.preferences, a.model.id, input.task);
        double const sb = task_score(input.preferences, b.model.id, input.task);
        if (sa != sb)
            return sa > sb;
        auto const ra = preference_rank(input.preferences, a.model.id);
        auto const rb = preference_rank(input.preferences, b.model.id);
        if (ra != rb)
            return ra < rb;
        if (a.loaded != b.loaded)
            return a.loaded;
        return context(a.model) > context(b.model);
    });
    return candidates;
}

} // namespace llmio
