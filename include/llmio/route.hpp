#ifndef LLMIO_ROUTE_HPP
#define LLMIO_ROUTE_HPP

// What a route is, as code or the config file's "routes" and "router" sections describe it
// (docs/routing.md). The Router (router.hpp) serves routes.

#include <llmio/model_choice.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace llmio {

struct RouteTarget {
    std::vector<std::string> providers; ///< Provider instance names: equivalent replicas.
    std::string model;                  ///< The model's name on those providers.
};

struct Route {
    /// Tried in order. Empty when the route gives `requirements` instead.
    std::vector<RouteTarget> targets;
    /// A target's model that a local server (LM Studio, Ollama) has downloaded but not loaded
    /// is loaded on demand, once per model and server however many calls wait for it.
    bool auto_load = true;
    /// Router::maintain() keeps the targets' models loaded on their local servers, and loads
    /// them again after the server evicted them.
    bool keep_warm = false;
    /// Instead of targets: for each call, the router ranks the models that the `candidates`
    /// report (RouterOptions::policy, by default rank_candidates) and tries the best ones.
    std::optional<ModelRequirements> requirements;
    std::vector<std::string> candidates; ///< Provider instance names.
    ChoicePreferences preferences;
};

/// The config file's "router" section; unset fields keep RouterOptions' defaults.
struct RouterSettings {
    std::optional<std::chrono::milliseconds> health_check_interval; ///< "health_check_interval_s"
    std::optional<std::chrono::milliseconds> keep_warm_interval;    ///< "keep_warm_interval_s"
    std::optional<int> failures_to_open;                            ///< "failures_to_open"
    std::optional<std::chrono::milliseconds> open_for;              ///< "circuit_open_s"
    std::optional<std::chrono::milliseconds> max_open_for;          ///< "circuit_max_open_s"
};

} // namespace llmio

#endif // LLMIO_ROUTE_HPP
