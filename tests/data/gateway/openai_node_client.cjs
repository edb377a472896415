// openai-node, a client nobody here wrote, against `llmio serve`: a whole answer, a stream with
// usage, the model listing, one model by id and an embedding (openai-node asks for base64 by
// default). Prints what it got as one JSON line; the C++ test compares it.
//   node openai_node_client.cjs <bench/node directory> <gateway base URL>
const path = require('node:path');
const OpenAI = require(require.resolve('openai', { paths: [path.resolve(process.argv[2])] }));

async function main() {
  const client = new OpenAI({ baseURL: process.argv[3] + '/v1', apiKey: 'unused', maxRetries: 0, timeout: 10000 });
  const messages = [{ role: 'user', content: 'hi' }];

  const whole = await client.chat.completions.create({ model: 'chat', messages });

  let streamed = '';
  let finish = null;
  let usage = null;
  const stream = await client.chat.completions.create({
    model: 'up/gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true },
  });
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      streamed += choice.delta.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }

  const models = [];
  for await (const model of client.models.list()) models.push(model.id);
  const retrieved = await client.models.retrieve('up/gpt-4o-mini');

  const embedding = await client.embeddings.create({ model: 'up/text-embedding-3-small', input: 'hi' });

  console.log(JSON.stringify({
    whole: whole.choices[0].message.content,
    whole_finish: whole.choices[0].finish_reason,
    streamed,
    finish,
    usage,
    models,
    retrieved: retrieved.id,
    embedding_length: embedding.data[0].embedding.length,
  }));
}

main().catch((error) => {
  console.error(`openai-node failed: ${error}`);
  process.exit(1);
});
