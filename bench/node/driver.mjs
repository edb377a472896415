// The Node peers: openai-node (W1-W3) and ollama-js (W4) doing the same work as the C++ drivers,
// checking every answer, and printing the same JSON line.
//   node driver.mjs --client openai|ollama --workload w1..w4 --url U --requests N --concurrency C --tokens T
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { readFileSync } from 'node:fs';

// Peak RSS of this process (VmHWM): getrusage's maxRSS also counts the parent before exec.
function peakRssKib() {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : process.resourceUsage().maxRSS;
}

const args = { client: 'openai', workload: 'w1', url: 'http://127.0.0.1:8080', requests: 1, concurrency: 1, tokens: 0 };
for (let i = 2; i + 1 < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  const value = process.argv[i + 1];
  args[key] = ['requests', 'concurrency', 'tokens'].includes(key) ? Number(value) : value;
}

// Must match bench/canned_server/responses.cpp.
const words = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy'];
let expected = '';
for (let i = 0; i < args.tokens; ++i) expected += words[i % words.length];
const chatContent = 'Hello! How can I assist you today?';

function fail(what) {
  console.error(`CHECK FAILED: ${what}`);
  process.exit(1);
}

const openai = new OpenAI({ baseURL: `${args.url}/v1`, apiKey: 'sk-bench' });
const ollama = new Ollama({ host: args.url });

let next = 0;
let tokensTotal = 0;

async function chatWorker() {
  while (next < args.requests) {
    ++next;
    const response = await openai.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] });
    if (response.choices[0].message.content !== chatContent || response.usage.total_tokens !== 29)
      fail('chat content');
  }
}

async function openaiStreamWorker() {
  while (next < args.requests) {
    ++next;
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }], stream: true,
      max_tokens: args.tokens, stream_options: { include_usage: true } });
    let content = '';
    let tokens = 0;
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      const text = choice.delta?.content;
      if (text) { content += text; ++tokens; }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    if (tokens !== args.tokens || content !== expected || finish !== 'stop' || usage?.completion_tokens !== tokens)
      fail(`stream: ${tokens} tokens`);
    tokensTotal += tokens;
  }
}

async function ollamaStreamWorker() {
  while (next < args.requests) {
    ++next;
    const stream = await ollama.chat({
      model: 'llama3.2', messages: [{ role: 'user', content: 'Say hello.' }], stream: true,
      options: { num_predict: args.tokens } });
    let content = '';
    let tokens = 0;
    let last = null;
    for await (const part of stream) {
      const text = part.message?.content;
      if (text) { content += text; ++tokens; }
      if (part.done) last = part;
    }
    if (tokens !== args.tokens || content !== expected || !last || last.eval_count !== tokens)
      fail(`stream: ${tokens} tokens`);
    tokensTotal += tokens;
  }
}

const worker = args.workload === 'w1' ? chatWorker
  : args.workload === 'w4' ? ollamaStreamWorker : openaiStreamWorker;
if ((args.workload === 'w4') !== (args.client === 'ollama')) fail(`${args.client} does not run ${args.workload}`);

const rssBase = Math.round(process.memoryUsage().rss / 1024);
const cpuStart = process.cpuUsage();
const wallStart = process.hrtime.bigint();
const workers = [];
for (let i = 0; i < args.concurrency; ++i) workers.push(worker());
try {
  await Promise.all(workers);
} catch (e) {
  fail(e.stack || String(e));
}
const cpu = process.cpuUsage(cpuStart);
const wall = Number(process.hrtime.bigint() - wallStart) / 1e9;
console.log(JSON.stringify({
  wall_s: wall, cpu_s: (cpu.user + cpu.system) / 1e6, requests: args.requests, tokens: tokensTotal,
  rss_base_kib: rssBase, rss_peak_kib: peakRssKib() }));
process.exit(0);
