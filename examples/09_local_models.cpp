// Example 9: managing the models of a local server (LM Studio or Ollama).
//
//   09_local_models <base-url> [lmstudio|ollama] [model-to-load] [model-to-download]
//
// Lists the models on disk and in memory; then, when named, loads and unloads one model and
// downloads another (with progress). Exits with 1 when a step does not do what it says.

#include "common.hpp"

#include <llmio/lmstudio/provider.hpp>
#include <llmio/ollama/provider.hpp>

#include <boost/asio/this_coro.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace {

bool lists(std::vector<llmio::ModelInfo> const& models, std::string const& id)
{
    for (auto const& m : models)
        if (m.id == id)
            return true;
    return false;
}

boost::asio::awaitable<int> manage(llmio::ModelProvider& provider, std::string to_load,
                                   std::string to_download)
{
    // [snippet:list]
    llmio::LocalModelManager* manager = provider.model_manager(); // nullptr: not a local server
    if (!manager)
        co_return 1;

    std::vector<llmio::ModelInfo> on_disk = co_await manager->list_downloaded();
    for (llmio::ModelInfo const& m : on_disk) {
        std::cout << "on disk: " << m.id;
        if (m.size_bytes)
            std::cout << ", " << *m.size_bytes / (1024 * 1024) << " MiB";
        std::cout << (m.loaded ? ", loaded" : "") << '\n';
    }
    std::vector<llmio::ModelInfo> in_memory = co_await manager->list_loaded();
    for (llmio::ModelInfo const& m : in_memory) {
        std::cout << "in memory: " << m.id;
        if (m.loaded_context_length)
            std::cout << ", context " << *m.loaded_context_length;
        std::cout << '\n';
    }
    // [end-snippet]

    if (!to_load.empty()) {
        // [snippet:load]
        llmio::LoadOptions load_options;
        load_options.context_length = 8192;
        llmio::LoadResult loaded = co_await manager->load(to_load, load_options);
        std::cout << "loaded " << loaded.model;
        if (loaded.load_time_seconds)
            std::cout << " in " << *loaded.load_time_seconds << " s";
        std::cout << '\n';

        co_await manager->unload(to_load);
        // [end-snippet]
        std::vector<llmio::ModelInfo> const after = co_await manager->list_loaded();
        bool const gone = !lists(after, to_load);
        std::cout << "unloaded " << to_load << (gone ? "" : " (still listed!)") << '\n';
        if (!gone)
            co_return 1;
    }

    if (!to_download.empty()) {
        // [snippet:download]
        llmio::DownloadResult result = co_await manager->download(
            to_download, [](llmio::DownloadProgress const& p) {
                std::cout << "  " << p.status << ' ' << p.completed_bytes;
                if (p.total_bytes)
                    std::cout << '/' << *p.total_bytes;
                std::cout << " bytes\n";
            });
        std::cout << "downloaded " << result.model << ": " << result.status << '\n';
        // [end-snippet]
        std::vector<llmio::ModelInfo> const now_on_disk = co_await manager->list_downloaded();
        if (!lists(now_on_disk, to_download))
            co_return 1;
    }
    co_return 0;
}

boost::asio::awaitable<int> run(std::string base_url, std::string kind, std::string to_load,
                                std::string to_download)
{
    auto executor = co_await boost::asio::this_coro::executor;
    // [snippet:providers]
    std::unique_ptr<llmio::ModelProvider> provider;
    if (kind == "ollama") {
        // host: also "box", "box:11434" ... as OLLAMA_HOST reads
        provider = std::make_unique<llmio::ollama::OllamaProvider>(
            executor, llmio::ollama::Options{.base_url = base_url});
    } else {
        provider = std::make_unique<llmio::lmstudio::Provider>(
            executor, llmio::lmstudio::Options{.base_url = base_url});
    }
    // [end-snippet]
    int const exit_code = co_await manage(*provider, to_load, to_download);
    co_return exit_code;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv,
                              "09_local_models <base-url> [lmstudio|ollama] "
                              "[model-to-load] [model-to-download]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1), line.arg(2), line.arg(3));
                              });
}
