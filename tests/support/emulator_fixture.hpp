#ifndef LLMIO_TESTS_SUPPORT_EMULATOR_FIXTURE_HPP
#define LLMIO_TESTS_SUPPORT_EMULATOR_FIXTURE_HPP

// A started OpenAI-compatible emulator on 127.0.0.1 with an ephemeral port.

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>

#include <memory>

namespace llmio::test {

struct OpenAiEmulatorFixture {
    explicit OpenAiEmulatorFixture(
        emulators::OpenAiEmulatorConfig config = emulators::OpenAiEmulatorConfig::openai(),
        emulators::ServerOptions options = {})
        : dialect(std::make_shared<emulators::OpenAiEmulator>(std::move(config))),
          server(dialect, std::move(options))
    {
        server.start();
    }

    unsigned short port() const { return server.port(); }

    std::shared_ptr<emulators::OpenAiEmulator> dialect;
    emulators::EmulatorServer server;
};

} // namespace llmio::test

#endif // LLMIO_TESTS_SUPPORT_EMULATOR_FIXTURE_HPP
