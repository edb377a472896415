// ollama-js, a client nobody here wrote, against `llmio serve` in front of an LM Studio
// emulator: chat whole and streamed, tool calls both ways, a schema format, generate, embed,
// the model list, a model's details and an unknown model. Prints what it got as one JSON line;
// the C++ test compares it.
//   node ollama_js_client.cjs <bench/node directory> <gateway base URL>
const path = require('node:path');
const { Ollama } = require(require.resolve('ollama', { paths: [path.resolve(process.argv[2])] }));

const chatModel = 'lms/qwen2.5-7b-instruct';
const embedModel = 'lms/text-embedding-nomic-embed-text-v1.5';

// A stream's parts, as the client yields them.
async function collect(stream) {
  const parts = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

// What a final part says beside the text (durations vary: only whether they are there).
function ending(part) {
  return { done: part.done, done_reason: part.done_reason, prompt_eval_count: part.prompt_eval_count,
           eval_count: part.eval_count, timed: part.total_duration > 0 };
}

async function main() {
  const ollama = new Ollama({ host: process.argv[3] });
  const hi = [{ role: 'user', content: 'Say hi' }];

  const whole = await ollama.chat({ model: chatModel, messages: hi, stream: false });
  const parts = await collect(await ollama.chat({ model: chatModel, messages: hi, stream: true }));

  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const ask = [{ role: 'user', content: 'Use get_weather for Oslo' }];
  const called = await ollama.chat({ model: chatModel, messages: ask, tools, stream: false });
  const streamedCalls = (await collect(await ollama.chat({ model: chatModel, messages: ask, tools, stream: true })))
    .filter((p) => p.message.tool_calls).map((p) => p.message.tool_calls);
  // The result goes back named by the tool, as Ollama clients send it.
  const answered = await ollama.chat({ model: chatModel, tools, stream: false, messages: [...ask,
    { role: 'assistant', content: '', tool_calls: called.message.tool_calls },
    { role: 'tool', tool_name: 'get_weather', content: 'sunny' }] });

  const formatted = await ollama.chat({ model: chatModel, messages: [{ role: 'user', content: 'Count' }], stream: false,
    format: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } });

  const generated = await ollama.generate({ model: chatModel, prompt: 'Say hi', stream: false });
  const generatedParts = await collect(await ollama.generate({ model: chatModel, prompt: 'Say hi', stream: true }));

  const embedded = await ollama.embed({ model: embedModel, input: ['first text', 'second text'] });
  const embeddedOne = await ollama.embed({ model: embedModel, input: 'second text' });
  const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

  const list = await ollama.list();
  const shown = await ollama.show({ model: chatModel });
  const architecture = shown.model_info['general.architecture'];

  let unknown = null;
  try {
    await ollama.chat({ model: 'nosuch', messages: hi, stream: false });
  } catch (error) {
    unknown = { status: error.status_code, error: error.error };
  }

  console.log(JSON.stringify({
    chat: { model: whole.model, message: whole.message, ...ending(whole) },
    stream: { text: parts.map((p) => p.message.content).join(''), parts: parts.length,
              open: parts.slice(0, -1).every((p) => p.done === false), ...ending(parts.at(-1)) },
    tool_calls: called.message.tool_calls,
    streamed_tool_calls: streamedCalls,
    tool_answer: answered.message.content,
    format: JSON.parse(formatted.message.content),
    generate: { response: generated.response, ...ending(generated) },
    generate_stream: { text: generatedParts.map((p) => p.response).join(''), ...ending(generatedParts.at(-1)) },
    embed: { model: embedded.model, count: embedded.embeddings.length,
             unit: embedded.embeddings.every((v) => Math.abs(norm(v) - 1) < 1e-5),
             same_text_same_vector: JSON.stringify(embeddedOne.embeddings) === JSON.stringify([embedded.embeddings[1]]) },
    list: list.models.map((m) => ({ name: m.name, size: m.size, format: m.details.format, family: m.details.family,
                                    quantization: m.details.quantization_level })),
    show: { capabilities: shown.capabilities, architecture,
            context_length: shown.model_info[`${architecture}.context_length`] },
    unknown,
  }));
}

main().catch((error) => {
  console.error(`ollama-js failed: ${error}`);
  process.exit(1);
});
