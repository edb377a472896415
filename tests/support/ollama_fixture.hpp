#ifndef LLMIO_TESTS_SUPPORT_OLLAMA_FIXTURE_HPP
#define LLMIO_TESTS_SUPPORT_OLLAMA_FIXTURE_HPP

// A started Ollama emulator on 127.0.0.1 with an ephemeral port.

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/ollama_emulator.hpp>

#include <memory>

namespace llmio::test {

struct OllamaEmulatorFixture {
    explicit OllamaEmulatorFixture(
        emulators::OllamaEmulatorConfig config = emulators::OllamaEmulatorConfig::defaults(),
        emulators::ServerOptions options = {})
        : dialect(std::make_shared<emulators::OllamaEmulator>(std::move(config))),
          server(dialect, std::move(options))
    {
        server.start();
    }

    std::shared_ptr<emulators::OllamaEmulator> dialect;
    emulators::EmulatorServer server;
};

} // namespace llmio::test

#endif // LLMIO_TESTS_SUPPORT_OLLAMA_FIXTURE_HPP
