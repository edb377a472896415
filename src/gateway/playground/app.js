// The llmio playground: chat with a gateway's routes and models, streamed, with time to first
// token and tokens per second. No framework and no external assets (the page's
// Content-Security-Policy allows none). Everything shown goes through textContent: model
// output is text, never markup.
'use strict';

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = 'llmio.playground.key'; // sessionStorage: gone when the tab closes

const state = { history: [], controller: null };

function headers() {
  const h = { 'content-type': 'application/json' };
  const key = $('key').value.trim();
  if (key) h.authorization = 'Bearer ' + key;
  return h;
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

// The message of an OpenAI-shaped error body, else the status line.
async function errorText(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && body.error && body.error.message) return `${response.status}: ${body.error.message}`;
  } catch (_) { /* not JSON */ }
  return `${response.status} ${response.statusText}`;
}

async function loadModels() {
  const select = $('model');
  const previous = select.value;
  try {
    const response = await fetch('/v1/models', { headers: headers() });
    if (!response.ok) throw new Error(await errorText(response));
    const body = await response.json();
    select.replaceChildren();
    for (const model of body.data || []) {
      const option = document.createElement('option');
      option.value = option.textContent = String(model.id);
      select.append(option);
    }
    if (previous) select.value = previous;
    setStatus(select.options.length ? '' : 'The gateway lists no models.');
  } catch (e) {
    setStatus('Models: ' + e.message, true);
  }
}

// /health: {"status": ..., "providers": {name: {"healthy": bool, ...}}} or a list; shown as
// one dot per provider.
async function loadHealth() {
  const list = $('health');
  try {
    const response = await fetch('/health', { headers: headers() });
    const body = await response.json();
    const providers = body.providers || {};
    const entries = Array.isArray(providers)
      ? providers.map((p) => [p.name, p])
      : Object.entries(providers);
    list.replaceChildren();
    for (const [name, info] of entries) {
      const item = document.createElement('li');
      const healthy = info === true || (info && (info.healthy === true || info.status === 'ok'));
      item.className = healthy ? 'up' : 'down';
      item.textContent = String(name);
      item.title = healthy ? 'healthy' : 'unhealthy';
      list.append(item);
    }
  } catch (_) {
    list.replaceChildren();
  }
}

function addEntry(role, text) {
  const item = document.createElement('li');
  item.className = role;
  item.textContent = text;
  $('log').append(item);
  item.scrollIntoView({ block: 'end' });
  return item;
}

// Splits an SSE byte stream into the data of its events, as they arrive.
async function* sseData(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart());
      if (data.length) yield data.join('\n');
    }
  }
}

function showStats(started, firstToken, tokens) {
  const now = performance.now();
  $('ttft').textContent = firstToken ? `${Math.round(firstToken - started)} ms` : '–';
  $('tokens').textContent = String(tokens);
  const seconds = firstToken ? (now - firstToken) / 1000 : 0;
  $('tps').textContent = seconds > 0 && tokens > 1 ? ((tokens - 1) / seconds).toFixed(1) : '–';
}

async function send(prompt) {
  state.history.push({ role: 'user', content: prompt });
  addEntry('user', prompt);
  const answer = addEntry('assistant', '');
  const controller = new AbortController();
  state.controller = controller;
  $('send').disabled = true;
  $('stop').disabled = false;
  setStatus('Waiting for the first token…');
  const started = performance.now();
  let firstToken = 0;
  let chunks = 0;
  let usageTokens = 0;
  let text = '';
  try {
    const response = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: headers(),
      signal: controller.signal,
      body: JSON.stringify({
        model: $('model').value,
        messages: state.history,
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    if (!response.ok) throw new Error(await errorText(response));
    for await (const data of sseData(response.body)) {
      if (data === '[DONE]') break;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message || 'the stream failed');
      if (chunk.usage && chunk.usage.completion_tokens) usageTokens = chunk.usage.completion_tokens;
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
      if (delta && delta.content) {
        if (!firstToken) firstToken = performance.now();
        ++chunks;
        text += delta.content;
        answer.textContent = text;
        showStats(started, firstToken, chunks);
      }
    }
    showStats(started, firstToken, usageTokens || chunks);
    state.history.push({ role: 'assistant', content: text });
    setStatus('');
  } catch (e) {
    state.history.pop();
    answer.classList.add('error');
    answer.textContent = text + (text ? '\n' : '') + (e.name === 'AbortError' ? '(stopped)' : e.message);
    setStatus(e.name === 'AbortError' ? 'Stopped.' : 'Failed.', e.name !== 'AbortError');
  } finally {
    state.controller = null;
    $('send').disabled = false;
    $('stop').disabled = true;
  }
}

function start() {
  const key = $('key');
  key.value = sessionStorage.getItem(KEY_STORAGE) || '';
  key.addEventListener('change', () => {
    sessionStorage.setItem(KEY_STORAGE, key.value.trim());
    loadModels();
    loadHealth();
  });
  $('reload').addEventListener('click', () => { loadModels(); loadHealth(); });
  $('stop').addEventListener('click', () => state.controller && state.controller.abort());
  $('clear').addEventListener('click', () => { state.history = []; $('log').replaceChildren(); });
  $('chat').addEventListener('submit', (event) => {
    event.preventDefault();
    const prompt = $('prompt').value.trim();
    if (!prompt || state.controller) return;
    $('prompt').value = '';
    send(prompt);
  });
  $('prompt').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      $('chat').requestSubmit();
    }
  });
  loadModels();
  loadHealth();
  setInterval(loadHealth, 10000);
}

start();
