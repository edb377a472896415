#ifndef LLMIO_MODEL_CHOICE_HPP
#define LLMIO_MODEL_CHOICE_HPP

// Choosing a model by need, not by name: a route may give requirements (capabilities, a
// minimum context) and preferences instead of targets, and the router picks among the models
// its servers report (docs/routing.md, "Routes by requirement").
//
// The default policy, rank_candidates, keeps the models that may meet the requirements and
// orders them: confirmed capabilities before unreported ones, then the score the preferences
// give the request's task (classify_task), then the `prefer` list, then loaded before not
// loaded, then the larger context. Applications replace it with RouterOptions::policy.

#include <llmio/chat.hpp>
#include <llmio/models.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

/// What a request is about, as the keyword classifier guesses it.
enum class Task { coding, research, creative, analysis, general };

/// "coding", "research", "creative", "analysis", "general".
std::string_view to_string(Task task) noexcept;
std::optional<Task> task_from_string(std::string_view text) noexcept;

/// The default classifier: counts keywords (English, whole words, case-insensitive) of each
/// task in the last user message and returns the task with the most, `general` when none
/// matched; a code fence counts for coding. It reads no meaning: "write a poem about C++"
/// counts one word for each of creative and coding, and ties go to the earlier task in the
/// enum's order.
Task classify_task(ChatRequest const& request);

struct ModelRequirements {
    bool tools = false;
    bool vision = false;
    bool embeddings = false;
    std::optional<std::int64_t> min_context_length;

    friend bool operator==(ModelRequirements const&, ModelRequirements const&) = default;
};

/// The route's requirements plus what the request itself needs: tools when it has tool
/// definitions, vision when a message has an image.
ModelRequirements requirements_of(ChatRequest const& request, ModelRequirements route);

/// Whether nothing the server reports rules the model out (a capability reported false, a
/// smaller context, an embedding model for chat or a chat model for embeddings).
bool may_fit(ModelInfo const& model, ModelRequirements const& needs) noexcept;
/// Whether the server reported every required capability.
bool confirmed(ModelInfo const& model, ModelRequirements const& needs) noexcept;

struct ChoicePreferences {
    /// Model ids in order of preference (exact ids as the servers list them).
    std::vector<std::string> prefer;
    /// Model id -> task -> score (higher is better); unlisted pairs score 0.
    std::map<std::string, std::map<Task, double>> task_scores;

    friend bool operator==(ChoicePreferences const&, ChoicePreferences const&) = default;
};

/// One model of one provider instance, as a candidate for a call.
struct ModelCandidate {
    std::string provider;  ///< The instance's name in the router.
    ModelInfo model;
    bool loaded = false;   ///< Known to be loaded now (local servers), or a remote server's.
};

/// What a policy decides from.
struct ChoiceInput {
    ChatRequest const* chat = nullptr;   ///< null for completions and embeddings
    Task task = Task::general;           ///< classify_task(*chat) for chats
    ModelRequirements requirements;      ///< the route's and the request's
    ChoicePreferences const* preferences = nullptr;
};

/// Ranks the candidates, best first, dropping those it rules out. The router tries at most
/// the first eight, in order, as it tries a route's targets.
using ModelPolicy = std::function<std::vector<ModelCandidate>(ChoiceInput const&, std::vector<ModelCandidate>)>;

/// The default policy (see the header comment).
std::vector<ModelCandidate> rank_candidates(ChoiceInput const& input, std::vector<ModelCandidate> candidates);

} // namespace llmio

#endif // LLMIO_MODEL_CHOICE_HPP
