#ifndef LLMIO_TESTS_SUPPORT_LMSTUDIO_FIXTURE_HPP
#define LLMIO_TESTS_SUPPORT_LMSTUDIO_FIXTURE_HPP

// A started LM Studio emulator on 127.0.0.1 with an ephemeral port.

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/lmstudio_emulator.hpp>

#include <memory>

namespace llmio::test {

struct LmStudioEmulatorFixture {
    explicit LmStudioEmulatorFixture(
        emulators::LmStudioEmulatorConfig config = emulators::LmStudioEmulatorConfig::defaults(),
        emulators::ServerOptions options = {})
        : dialect(std::make_shared<emulators::LmStudioEmulator>(std::move(config))),
          server(dialect, std::move(options))
    {
        server.start();
    }

    std::shared_ptr<emulators::LmStudioEmulator> dialect;
    emulators::EmulatorServer server;
};

} // namespace llmio::test

#endif // LLMIO_TESTS_SUPPORT_LMSTUDIO_FIXTURE_HPP
