#include <llmio/testing/emulators/lmstudio_emulator.hpp>

#include <llmio/testing/emulators/json_text.hpp>
#include <llmio/testing/emulators/reply_generator.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>

namespace llmio::emulators {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";

std::string error_object(std::string_view message, std::string_view type, std::string_view code)
{
    json::object error{{"message", message}, {"type", type}};
    if (!code.empty())
        error["code"] = code;
    return to_json(json::object{{"error", std::move(error)}});
}

// Words in every string `content` (and text parts) of the messages: the emulator's tokens.
std::size_t prompt_words(json::object const& body)
{
    std::size_t words = 0;
    auto count = [&](std::string_view text) {
        bool in_word = false;
        for (char c : text) {
            bool const space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
            if (!space && !in_word)
                ++words;
            in_word = !space;
        }
    };
    if (auto const* messages = body.if_contains("messages"); messages && messages->is_array()) {
        for (auto const& m : messages->get_array()) {
            auto const* content = m.is_object() ? m.get_object().if_contains("content") : nullptr;
            if (content && content->is_string())
                count(content->get_string());
        }
    }
    if (auto const* prompt = body.if_contains("prompt"); prompt && prompt->is_string())
        count(prompt->get_string());
    return words;
}

std::string v1_type(LmStudioModel const& m) { return m.type == "embeddings" ? "embedding" : "llm"; }

json::object v0_entry(LmStudioModel const& m)
{
    json::object o{{"id", m.key},
                   {"object", "model"},
                   {"type", m.type},
                   {"publisher", m.publisher},
                   {"arch", m.arch},
                   {"compatibility_type", m.format},
                   {"quantization", m.quantization},
                   {"state", m.loaded_context_length ? "loaded" : "not-loaded"},
                   {"max_context_length", m.max_context_length}};
    if (m.loaded_context_length)
        o["loaded_context_length"] = *m.loaded_context_length;
    json::array caps;
    if (m.tool_use)
        caps.emplace_back("tool_use");
    o["capabilities"] = std::move(caps);
    return o;
}

json::object api_v1_entry(LmStudioModel const& m)
{
    bool const embedding = m.type == "embeddings";
    json::object o{{"type", v1_type(m)},
                   {"publisher", m.publisher},
                   {"key", m.key},
                   {"display_name", m.display_name.empty() ? m.key : m.display_name},
                   {"quantization", {{"name", m.quantization}, {"bits_per_weight", m.bits_per_weight}}},
                   {"size_bytes", m.size_bytes},
                   {"params_string", nullptr},
                   {"max_context_length", m.max_context_length},
                   {"format", m.format}};
    if (!embedding)
        o["architecture"] = m.arch;
    json::array instances;
    if (m.loaded_context_length)
        instances.push_back(json::object{
            {"id", m.key}, {"config", {{"context_length", *m.loaded_context_length}}}});
    o["loaded_instances"] = std::move(instances);
    if (!embedding) {
        json::object caps{{"vision", m.vision || m.type == "vlm"}, {"trained_for_tool_use", m.tool_use}};
        if (m.reasoning)
            caps["reasoning"] = {{"allowed_options", json::array{"off", "on"}}, {"default", "on"}};
        o["capabilities"] = std::move(caps);
    }
    return o;
}

json::object parse_body(Request const& request)
{
    boost::system::error_code ec;
    auto v = json::parse(request.body(), ec);
    if (ec || !v.is_object())
        return {};
    return std::move(v.get_object());
}

std::string string_field(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

} // namespace

LmStudioEmulatorConfig LmStudioEmulatorConfig::defaults()
{
    LmStudioEmulatorConfig c;
    LmStudioModel qwen;
    qwen.key = "qwen2.5-7b-instruct";
    qwen.display_name = "Qwen2.5 7B Instruct";
    qwen.loaded_context_length = 4096;
    LmStudioModel reasoner;
    reasoner.key = "deepseek-r1-reasoner";
    reasoner.display_name = "DeepSeek R1 Distill";
    reasoner.arch = "llama";
    reasoner.tool_use = false;
    reasoner.reasoning = true;
    LmStudioModel vlm;
    vlm.key = "qwen2-vl-7b-instruct";
    vlm.type = "vlm";
    vlm.publisher = "mlx-community";
    vlm.arch = "qwen2_vl";
    vlm.format = "mlx";
    vlm.quantization = "4bit";
    vlm.vision = true;
    vlm.tool_use = false;
    LmStudioModel embed;
    embed.key = "text-embedding-nomic-embed-text-v1.5";
    embed.type = "embeddings";
    embed.publisher = "nomic-ai";
    embed.arch = "nomic-bert";
    embed.size_bytes = 84106624;
    embed.max_context_length = 2048;
    embed.tool_use = false;
    embed.loaded_context_length = 2048;
    c.models = {qwen, reasoner, vlm, embed};
    LmStudioModel gpt;
    gpt.key = "openai/gpt-oss-20b";
    gpt.publisher = "openai";
    gpt.arch = "gpt-oss";
    gpt.quantization = "MXFP4";
    gpt.size_bytes = 12 * 1024 * 1024;
    gpt.max_context_length = 131072;
    gpt.reasoning = true;
    c.catalog.emplace(gpt.key, gpt);
    return c;
}

LmStudioEmulator::LmStudioEmulator(LmStudioEmulatorConfig config)
    : config_(std::move(config))
{
    if (config_.download_polls == 0)
        config_.download_polls = 1;
    auto inner = OpenAiEmulatorConfig::openai();
    inner.models.clear();
    for (auto const& m : config_.models)
        inner.models.push_back({m.key, "organization_owner"});
    for (auto const& [key, m] : config_.catalog)
        inner.models.push_back({key, "organization_owner"});
    for (auto const& m : config_.models)
        if (m.reasoning)
            inner.reasoning_models.push_back(m.key);
    inner.api_key = config_.api_token;
    inner.tool_quirks = config_.tool_quirks;
    v1_ = std::make_shared<OpenAiEmulator>(std::move(inner));

    auto bind = [this](auto member) {
        return [this, member](Request& r, ResponseWriter& w) { return (this->*member)(r, w); };
    };
    router_.get("/lmstudio-greeting", bind(&LmStudioEmulator::greeting));
    router_.get("/v1/models", bind(&LmStudioEmulator::v1_models));
    router_.post("/v1/chat/completions", bind(&LmStudioEmulator::inference));
    router_.post("/v1/completions", bind(&LmStudioEmulator::inference));
    router_.post("/v1/embeddings", bind(&LmStudioEmulator::inference));
    if (config_.version != LmStudioVersion::openai_only) {
        router_.post("/api/v0/chat/completions", bind(&LmStudioEmulator::v0_inference));
        router_.post("/api/v0/completions", bind(&LmStudioEmulator::v0_inference));
        router_.post("/api/v0/embeddings", bind(&LmStudioEmulator::v0_inference));
        router_.get("/api/v0/models", bind(&LmStudioEmulator::v0_models));
        router_.get("/api/v0/models/{model}", bind(&LmStudioEmulator::v0_model));
    }
    if (config_.version == LmStudioVersion::v1) {
        router_.get("/api/v1/models", bind(&LmStudioEmulator::api_v1_models));
        router_.post("/api/v1/chat", bind(&LmStudioEmulator::v1_chat));
        router_.post("/api/v1/models/load", bind(&LmStudioEmulator::load));
        router_.post("/api/v1/models/unload", bind(&LmStudioEmulator::unload));
        router_.post("/api/v1/models/download", bind(&LmStudioEmulator::download));
        router_.get("/api/v1/models/download/status/{job}", bind(&LmStudioEmulator::download_status));
    }
    router_.set_not_found(bind(&LmStudioEmulator::unexpected));
    router_.set_method_not_allowed(
        [this](Request& r, ResponseWriter& w, std::string const&) { return unexpected(r, w); });
}

Headers LmStudioEmulator::base_headers() const
{
    return {{"X-Powered-By", "Express"},
            {std::string(kContentTypeSlot), ""},
            {std::string(kFramingSlot), ""},
            {"Keep-Alive", "timeout=5"}};
}

std::string LmStudioEmulator::framework_error_body(int, std::string_view message) const
{
    return to_json(json::object{{"error", message}});
}

asio::awaitable<void> LmStudioEmulator::handle(Request& request, ResponseWriter& writer)
{
    if (request.path != "/lmstudio-greeting" && !authorised(request)) {
        co_await writer.send(401,
                             error_object("An LM Studio API token is required to make requests to "
                                          "this server. Provide it with 'Authorization: Bearer "
                                          "$LM_API_TOKEN'.",
                                          "invalid_request", "invalid_api_key"),
                             kJson);
        co_return;
    }
    co_await router_.dispatch(request, writer);
}

bool LmStudioEmulator::authorised(Request const& request) const
{
    if (!config_.api_token)
        return true;
    auto const header = request.header("authorization");
    return header && *header == "Bearer " + *config_.api_token;
}

LmStudioModel* LmStudioEmulator::find(std::string_view key)
{
    auto it = std::find_if(config_.models.begin(), config_.models.end(),
                           [&](LmStudioModel const& m) { return m.key == key; });
    return it == config_.models.end() ? nullptr : &*it;
}

std::optional<std::int64_t> LmStudioEmulator::loaded_context_length(std::string const& key) const
{
    std::lock_guard lock(mutex_);
    auto* self = const_cast<LmStudioEmulator*>(this);
    auto const* m = self->find(key);
    return m ? m->loaded_context_length : std::nullopt;
}

bool LmStudioEmulator::downloaded(std::string const& key) const
{
    std::lock_guard lock(mutex_);
    return const_cast<LmStudioEmulator*>(this)->find(key) != nullptr;
}

void LmStudioEmulator::set_jit_loading(bool on)
{
    std::lock_guard lock(mutex_);
    config_.jit_loading = on;
}

asio::awaitable<void> LmStudioEmulator::greeting(Request&, ResponseWriter& writer)
{
    auto const body = to_json(json::object{{"lmstudio", true}, {"version", config_.version_string}});
    co_await writer.send(200, body, kJson);
}

asio::awaitable<void> LmStudioEmulator::unexpected(Request& request, ResponseWriter& writer)
{
    std::string message = "Unexpected endpoint or method. (";
    message += request.method_string();
    message += ' ';
    message += request.path;
    message += ')';
    auto const body = to_json(json::object{{"error", message}});
    co_await writer.send(200, body, kJson);
}

asio::awaitable<void> LmStudioEmulator::v1_models(Request&, ResponseWriter& writer)
{
    json::array data;
    {
        std::lock_guard lock(mutex_);
        for (auto const& m : config_.models)
            if (config_.jit_loading || m.loaded_context_length)
                data.push_back(json::object{{"id", m.key}, {"object", "model"}, {"owned_by", "organization_owner"}});
    }
    auto const body = to_json(json::object{{"data", std::move(data)}, {"object", "list"}});
    co_await writer.send(200, body, kJson);
}

asio::awaitable<void> LmStudioEmulator::inference(Request& request, ResponseWriter& writer)
{
    auto const body = parse_body(request);
    auto const admitted = co_await admit(body, writer);
    if (!admitted)
        co_return;
    // Replies, streams and tool-call shapes: the OpenAI dialect.
    co_await v1_->handle(request, writer);
}

asio::awaitable<std::optional<LmStudioEmulator::Admitted>>
LmStudioEmulator::admit(json::object const& body, ResponseWriter& writer, bool wait_for_load)
{
    auto const model = string_field(body, "model");
    enum class Outcome { pass, unknown, jit_load, not_loaded, overflow };
    Outcome outcome = Outcome::pass;
    std::int64_t context = 0;
    std::chrono::milliseconds delay{0};
    {
        std::lock_guard lock(mutex_);
        if (auto* m = find(model)) {
            if (!m->loaded_context_length) {
                if (!config_.jit_loading) {
                    outcome = Outcome::not_loaded;
                } else {
                    outcome = Outcome::jit_load;
                    delay = config_.jit_load_delay;
                    m->loaded_context_length = std::min(config_.default_context_length, m->max_context_length);
                }
            }
            if (outcome != Outcome::not_loaded) {
                context = *m->loaded_context_length;
                if (static_cast<std::int64_t>(prompt_words(body)) > context)
                    outcome = Outcome::overflow;
            }
        } else {
            outcome = Outcome::unknown;
        }
    }
    if (outcome == Outcome::unknown) {
        auto const error = to_json(json::object{
            {"error",
             {{"message", "Model \"" + model + "\" not found. Please specify a valid model."},
              {"type", "invalid_request_error"},
              {"param", "model"},
              {"code", "model_not_found"}}}});
        co_await writer.send(404, error, kJson);
        co_return std::nullopt;
    }
    if (outcome == Outcome::not_loaded) {
        auto const error = error_object("No models loaded. Please load a model in the developer page "
                                        "or use the `lms load` command.",
                                        "invalid_request_error", "");
        co_await writer.send(404, error, kJson);
        co_return std::nullopt;
    }
    if (delay.count() > 0 && wait_for_load) {
        asio::steady_timer timer(co_await asio::this_coro::executor, delay);
        co_await timer.async_wait(asio::use_awaitable);
    }
    if (outcome == Outcome::overflow) {
        auto const message = "Trying to keep the first " + std::to_string(prompt_words(body)) +
                             " tokens when context the overflows. However, the model is loaded "
                             "with context length of only " +
                             std::to_string(context) +
                             " tokens, which is not enough. Try to load the model with a larger "
                             "context length, or provide a shorter input";
        auto const answer = to_json(json::object{{"error", message}});
        co_await writer.send(200, answer, kJson);
        co_return std::nullopt;
    }
    co_return Admitted{model, outcome == Outcome::jit_load, delay};
}

asio::awaitable<void> LmStudioEmulator::v0_inference(Request& request, ResponseWriter& writer)
{
    auto const body = parse_body(request);
    auto const admitted = co_await admit(body, writer);
    if (!admitted)
        co_return;
    auto const* stream = body.if_contains("stream");
    bool const streamed = stream && stream->is_bool() && stream->get_bool();
    auto const* messages = body.if_contains("messages");
    bool const chat_shape = messages && messages->is_array(); // else /v1 explains what is wrong
    if (request.path == "/api/v0/chat/completions" && !streamed && chat_shape) {
        co_await writer.send(200, v0_chat_answer(body, admitted->model, request.sequence), kJson);
        co_return;
    }
    // Streams (which carry no stats on v0), completions and embeddings: the /v1 answer.
    if (request.path == "/api/v0/chat/completions")
        request.path = "/v1/chat/completions";
    else if (request.path == "/api/v0/completions")
        request.path = "/v1/completions";
    else
        request.path = "/v1/embeddings";
    co_await v1_->handle(request, writer);
}

std::string LmStudioEmulator::v0_chat_answer(json::object const& body, std::string const& model,
                                             std::uint64_t sequence) const
{
    auto const reply = generate_chat_reply(body, v1_->is_reasoning_model(model));
    json::object message{{"role", "assistant"}, {"content", reply.content}};
    if (!reply.reasoning.empty())
        message["reasoning_content"] = reply.reasoning;
    if (!reply.tool_calls.empty()) {
        json::array calls;
        for (auto const& c : reply.tool_calls)
            calls.push_back(json::object{{"id", c.id},
                                         {"type", "function"},
                                         {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
        message["tool_calls"] = std::move(calls);
    }
    std::lock_guard lock(mutex_);
    LmStudioModel const* m = nullptr;
    for (auto const& candidate : config_.models)
        if (candidate.key == model)
            m = &candidate;
    json::object out{
        {"id", make_id("chatcmpl-", sequence, 21)},
        {"object", "chat.completion"},
        {"created", 1731990317},
        {"model", model},
        {"choices", json::array{json::object{{"index", 0},
                                             {"logprobs", nullptr},
                                             {"finish_reason", reply.finish_reason},
                                             {"message", std::move(message)}}}},
        {"usage", {{"prompt_tokens", reply.prompt_tokens},
                   {"completion_tokens", reply.completion_tokens},
                   {"total_tokens", reply.prompt_tokens + reply.completion_tokens}}},
        {"stats", {{"tokens_per_second", kV0Stats.tokens_per_second},
                   {"time_to_first_token", kV0Stats.time_to_first_token},
                   {"generation_time", kV0Stats.generation_time},
                   {"stop_reason", reply.finish_reason == "length" ? "maxPredictedTokensReached" : "eosFound"}}},
        {"model_info", {{"arch", m ? m->arch : ""},
                        {"quant", m ? m->quantization : ""},
                        {"format", m ? m->format : ""},
                        {"context_length", m && m->loaded_context_length ? *m->loaded_context_length : 0}}},
        {"runtime", {{"name", "llama.cpp-linux-x86_64-avx2"}, {"version", "1.3.0"}, {"supported_formats", json::array{"gguf"}}}}};
    return to_json(out);
}

asio::awaitable<void> LmStudioEmulator::v0_models(Request&, ResponseWriter& writer)
{
    json::array data;
    {
        std::lock_guard lock(mutex_);
        for (auto const& m : config_.models)
            data.push_back(v0_entry(m));
    }
    auto const body = to_json(json::object{{"object", "list"}, {"data", std::move(data)}});
    co_await writer.send(200, body, kJson);
}

asio::awaitable<void> LmStudioEmulator::v0_model(Request& request, ResponseWriter& writer)
{
    auto const key = request.param("model").value_or("");
    std::optional<std::string> body;
    {
        std::lock_guard lock(mutex_);
        if (auto const* m = find(key))
            body = to_json(v0_entry(*m));
    }
    if (!body) {
        auto const error = error_object("Model \"" + key + "\" not found", "invalid_request_error",
                                        "model_not_found");
        co_await writer.send(404, error, kJson);
        co_return;
    }
    co_await writer.send(200, *body, kJson);
}

asio::awaitable<void> LmStudioEmulator::api_v1_models(Request&, ResponseWriter& writer)
{
    json::array models;
    {
        std::lock_guard lock(mutex_);
        for (auto const& m : config_.models)
            models.push_back(api_v1_entry(m));
    }
    auto const body = to_json(json::object{{"models", std::move(models)}});
    co_await writer.send(200, body, kJson);
}

asio::awaitable<void> LmStudioEmulator::load(Request& request, ResponseWriter& writer)
{
    auto const body = parse_body(request);
    auto const key = string_field(body, "model");
    std::optional<std::string> answer;
    {
        std::lock_guard lock(mutex_);
        if (auto* m = find(key)) {
            std::int64_t context = std::min(config_.default_context_length, m->max_context_length);
            if (auto const* c = body.if_contains("context_length"); c && c->is_int64())
                context = c->get_int64();
            m->loaded_context_length = context;
            json::object out{{"type", v1_type(*m)},
                             {"instance_id", m->key},
                             {"load_time_seconds", 1.25},
                             {"status", "loaded"}};
            auto const* echo = body.if_contains("echo_load_config");
            if (echo && echo->is_bool() && echo->get_bool()) {
                json::object config{{"context_length", context}};
                if (auto const* fa = body.if_contains("flash_attention"); fa && fa->is_bool())
                    config["flash_attention"] = fa->get_bool();
                out["load_config"] = std::move(config);
            }
            answer = to_json(out);
        }
    }
    if (!answer) {
        auto const error = error_object("Model '" + key + "' not found", "model_not_found", "model_not_found");
        co_await writer.send(404, error, kJson);
        co_return;
    }
    co_await writer.send(200, *answer, kJson);
}

asio::awaitable<void> LmStudioEmulator::unload(Request& request, ResponseWriter& writer)
{
    auto const body = parse_body(request);
    auto const id = string_field(body, "instance_id");
    bool done = false;
    {
        std::lock_guard lock(mutex_);
        if (auto* m = find(id); m && m->loaded_context_length) {
            m->loaded_context_length.reset();
            done = true;
        }
    }
    if (!done) {
        auto const error = error_object("No loaded model instance with id '" + id + "'",
                                        "model_not_found", "model_not_found");
        co_await writer.send(404, error, kJson);
        co_return;
    }
    auto const answer = to_json(json::object{{"instance_id", id}});
    co_await writer.send(200, answer, kJson);
}

asio::awaitable<void> LmStudioEmulator::download(Request& request, ResponseWriter& writer)
{
    auto const body = parse_body(request);
    auto const key = string_field(body, "model");
    std::optional<std::string> answer;
    {
        std::lock_guard lock(mutex_);
        if (auto const* m = find(key)) {
            answer = to_json(json::object{{"status", "already_downloaded"}, {"total_size_bytes", m->size_bytes}});
        } else if (auto it = config_.catalog.find(key); it != config_.catalog.end()) {
            auto const id = "job_" + std::to_string(next_job_++);
            auto const total = static_cast<std::uint64_t>(it->second.size_bytes);
            jobs_[id] = Job{key, total, 0};
            answer = to_json(json::object{{"job_id", id},
                                          {"status", "downloading"},
                                          {"total_size_bytes", total},
                                          {"started_at", "2026-11-23T12:00:00.000Z"}});
        }
    }
    if (!answer) {
        auto const error = error_object("Model '" + key + "' not found in the catalog",
                                        "model_not_found", "model_not_found");
        co_await writer.send(404, error, kJson);
        co_return;
    }
    co_await writer.send(200, *answer, kJson);
}

asio::awaitable<void> LmStudioEmulator::download_status(Request& request, ResponseWriter& writer)
{
    auto const id = request.param("job").value_or("");
    std::optional<std::string> answer;
    {
        std::lock_guard lock(mutex_);
        if (auto it = jobs_.find(id); it != jobs_.end()) {
            auto& job = it->second;
            auto const step = job.total / config_.download_polls + 1;
            job.done = std::min(job.total, job.done + step);
            bool const complete = job.done == job.total;
            json::object out{{"job_id", id},
                             {"status", complete ? "completed" : "downloading"},
                             {"total_size_bytes", job.total},
                             {"downloaded_bytes", job.done},
                             {"started_at", "2026-11-23T12:00:00.000Z"}};
            if (complete) {
                out["completed_at"] = "2026-11-23T12:00:03.000Z";
                if (!find(job.model)) {
                    auto model = config_.catalog.at(job.model);
                    model.loaded_context_length.reset();
                    config_.models.push_back(model);
                }
            } else {
                out["bytes_per_second"] = static_cast<double>(step);
                out["estimated_completion"] = "2026-11-23T12:00:03.000Z";
            }
            answer = to_json(out);
        }
    }
    if (!answer) {
        auto const error = error_object("No download job with id '" + id + "'", "job_not_found", "");
        co_await writer.send(404, error, kJson);
        co_return;
    }
    co_await writer.send(200, *answer, kJson);
}

namespace {

std::string named_event(std::string_view type, json::object data)
{
    data["type"] = type;
    std::string out = "event: ";
    out += type;
    out += "\ndata: ";
    out += to_json(data);
    out += "\n\n";
    return out;
}

asio::awaitable<void> pause_for(std::chrono::milliseconds d)
{
    if (d.count() <= 0)
        co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

} // namespace

asio::awaitable<void> LmStudioEmulator::v1_chat(Request& request, ResponseWriter& writer)
{
    auto const body = parse_body(request);
    auto const model = string_field(body, "model");
    auto const* stream_flag = body.if_contains("stream");
    bool const streamed = stream_flag && stream_flag->is_bool() && stream_flag->get_bool();
    bool known = false;
    {
        std::lock_guard lock(mutex_);
        known = find(model) != nullptr;
    }
    if (model.empty() || !known) {
        json::object error{{"type", model.empty() ? "invalid_request" : "model_not_found"},
                           {"message", model.empty() ? std::string("\"model\" is required")
                                                     : "Model \"" + model + "\" not found"}};
        if (model.empty()) {
            error["code"] = "missing_required_parameter";
            error["param"] = "model";
        }
        // Built outside co_await: GCC 12 mis-compiles braced lists in co_await arguments.
        auto const answer = to_json(json::object{{"error", error}});
        if (!streamed) {
            co_await writer.send(model.empty() ? 400 : 404, answer, kJson);
            co_return;
        }
        if (!co_await writer.begin_stream(200, StreamFormat::sse, "text/event-stream"))
            co_return;
        auto const events = named_event("chat.start", json::object{{"model_instance_id", model}}) +
                            named_event("error", json::object{{"error", error}}) +
                            named_event("chat.end", json::object{});
        if (co_await writer.raw(events))
            co_await writer.finish("");
        co_return;
    }
    // The OpenAI-shaped request the reply generator reads.
    json::array messages;
    if (auto const system = string_field(body, "system_prompt"); !system.empty())
        messages.push_back(json::object{{"role", "system"}, {"content", system}});
    messages.push_back(json::object{{"role", "user"}, {"content", string_field(body, "input")}});
    json::object as_openai{{"model", model}, {"messages", std::move(messages)}};
    if (auto const* max = body.if_contains("max_output_tokens"))
        as_openai["max_tokens"] = *max;
    auto const admitted = co_await admit(as_openai, writer, !streamed);
    if (!admitted)
        co_return;
    auto const reply = generate_chat_reply(as_openai, v1_->is_reasoning_model(model));

    json::array output;
    if (!reply.reasoning.empty())
        output.push_back(json::object{{"type", "reasoning"}, {"content", reply.reasoning}});
    output.push_back(json::object{{"type", "message"}, {"content", reply.content}});
    json::object stats{{"input_tokens", reply.prompt_tokens},
                       {"total_output_tokens", reply.completion_tokens},
                       {"reasoning_output_tokens", reply.reasoning_token_count()},
                       {"tokens_per_second", 29.75},
                       {"time_to_first_token_seconds", 1.088}};
    double const load_seconds = static_cast<double>(admitted->load_delay.count()) / 1000.0;
    if (admitted->jit_loaded)
        stats["model_load_time_seconds"] = load_seconds;
    json::object result{{"model_instance_id", model}, {"output", std::move(output)}, {"stats", std::move(stats)}};
    auto const* store = body.if_contains("store");
    if (!(store && store->is_bool() && !store->get_bool()))
        result["response_id"] = make_id("resp_", request.sequence, 24);

    if (!streamed) {
        co_await writer.send(200, to_json(result), kJson);
        co_return;
    }
    if (!co_await writer.begin_stream(200, StreamFormat::sse, "text/event-stream"))
        co_return;
    std::string event; // built before each co_await (GCC 12 and braced lists, see above)
    event = named_event("chat.start", json::object{{"model_instance_id", model}});
    if (!co_await writer.raw(event))
        co_return;
    if (admitted->jit_loaded) {
        event = named_event("model_load.start", json::object{{"model_instance_id", model}});
        if (!co_await writer.raw(event))
            co_return;
        auto const steps = config_.load_progress_steps;
        auto const pause = steps == 0 ? admitted->load_delay : admitted->load_delay / static_cast<int>(steps + 1);
        for (std::size_t i = 1; i <= steps; ++i) {
            co_await pause_for(pause);
            double const progress =
                config_.load_progress_stuck ? 0.25 : static_cast<double>(i) / static_cast<double>(steps + 1);
            event = named_event("model_load.progress", json::object{{"model_instance_id", model}, {"progress", progress}});
            if (!co_await writer.raw(event))
                co_return;
        }
        co_await pause_for(pause);
        event = named_event("model_load.end", json::object{{"model_instance_id", model}, {"load_time_seconds", load_seconds}});
        if (!co_await writer.raw(event))
            co_return;
    }
    event = named_event("prompt_processing.start", json::object{});
    if (!co_await writer.raw(event))
        co_return;
    {
        auto const steps = config_.prompt_progress_steps;
        auto const pause = config_.prompt_processing_delay / static_cast<int>(steps + 1);
        for (std::size_t i = 1; i <= steps; ++i) {
            co_await pause_for(pause);
            event = named_event("prompt_processing.progress", json::object{{"progress", static_cast<double>(i) / static_cast<double>(steps + 1)}});
            if (!co_await writer.raw(event))
                co_return;
        }
        co_await pause_for(pause);
    }
    event = named_event("prompt_processing.end", json::object{});
    if (!co_await writer.raw(event))
        co_return;
    if (!reply.reasoning_tokens.empty()) {
        event = named_event("reasoning.start", json::object{});
        if (!co_await writer.raw(event))
            co_return;
        for (auto const& token : reply.reasoning_tokens) {
            event = named_event("reasoning.delta", json::object{{"content", token}});
            if (!co_await writer.raw(event))
                co_return;
        }
        event = named_event("reasoning.end", json::object{});
        if (!co_await writer.raw(event))
            co_return;
    }
    event = named_event("message.start", json::object{});
    if (!co_await writer.raw(event))
        co_return;
    for (auto const& token : reply.content_tokens) {
        event = named_event("message.delta", json::object{{"content", token}});
        if (!co_await writer.raw(event))
            co_return;
    }
    event = named_event("message.end", json::object{});
    if (!co_await writer.raw(event))
        co_return;
    event = named_event("chat.end", json::object{{"result", std::move(result)}});
    if (!co_await writer.raw(event))
        co_return;
    co_await writer.finish("");
}

} // namespace llmio::emulators
