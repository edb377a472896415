// The gateway's web side in a real browser (Debian's headless Chromium, driven by
// playwright-core): the playground page loads, picks a model, streams an answer; a page of an
// allowed origin may call the gateway with fetch, a page of another origin may not.
//
//   node gateway_browser.mjs <path to the llmio binary>
//
// Runs `llmio emulate` (the upstream), two tiny static sites on loopback ports (the origins)
// and `llmio serve` in front of the emulator. Exits 0 when every check passed.

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const llmio = process.argv[2];
const KEY = 'sk-browser-test-1';
const WAIT_MS = 60_000; // for each step: the machine may be busy with builds
const DEADLINE_MS = 100_000; // for everything: then the children are stopped and it fails
const children = [];
const servers = [];
const dirs = [];

function fail(message) {
  throw new Error(message);
}

// Starts `llmio <args>` and resolves with the URL of its first stdout line, "listening on URL".
function startLlmio(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(llmio, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => reject(new Error(`llmio ${args[0]}: no "listening on" line`)), WAIT_MS);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match) resolve(match[1]);
      else reject(new Error(`llmio ${args[0]}: first line was "${line}"`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`llmio ${args[0]} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

// A static site: one blank page, so that a script in it runs with this server's origin.
function startSite() {
  return new Promise((resolve) => {
    const server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>site</title><p>site</p>');
    });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

// What a page of `site` gets when it asks the gateway for a chat with fetch.
async function fetchFrom(browser, site, gateway) {
  const page = await browser.newPage();
  try {
    await page.goto(site + '/');
    return await page.evaluate(async ({ gateway, key }) => {
      try {
        const response = await fetch(gateway + '/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'from a site' }] }),
        });
        const body = await response.json();
        return `${response.status} ${body.choices[0].message.content}`;
      } catch (e) {
        return `${e.name}: ${e.message}`;
      }
    }, { gateway, key: KEY });
  } finally {
    await page.close();
  }
}

async function main() {
  if (!llmio) fail('usage: node gateway_browser.mjs <llmio binary>');
  const upstream = await startLlmio(['emulate', '--as', 'openai', '--port', '0']);
  const allowed = await startSite();
  const denied = await startSite();

  const dir = mkdtempSync(join(tmpdir(), 'llmio-browser-'));
  dirs.push(dir);
  const config = join(dir, 'gateway.json');
  writeFileSync(config, JSON.stringify({
    providers: { emu: { kind: 'openai', base_url: upstream + '/v1', api_key: 'sk-upstream-secret' } },
    default_provider: 'emu',
    serve: { cors_origins: [allowed], api_keys_env: 'LLMIO_BROWSER_TEST_KEYS' },
  }));
  const gateway = await startLlmio(['serve', '--config', config, '--port', '0'],
                                   { LLMIO_BROWSER_TEST_KEYS: KEY });

  const profile = mkdtempSync(join(tmpdir(), 'llmio-chromium-'));
  dirs.push(profile);
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.LLMIO_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: WAIT_MS,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browser.setDefaultTimeout(WAIT_MS);
  try {
    // The playground: a model, a prompt, the streamed answer and its numbers.
    const page = await browser.newPage();
    const problems = [];
    // Before the key is typed in, the page's first calls are refused (401): expected.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('status of 401')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(gateway + '/');
    await page.fill('#key', KEY);
    await page.dispatchEvent('#key', 'change');
    await page.waitForSelector('#model option[value="emu/gpt-4o-mini"]', { state: 'attached' });
    await page.selectOption('#model', 'emu/gpt-4o-mini');
    await page.fill('#prompt', 'ping <b>bold</b>');
    await page.click('#send');
    const answer = page.locator('#log li.assistant');
    await answer.filter({ hasText: 'Hello! You said: ping <b>bold</b>' }).waitFor();
    const text = await answer.textContent();
    if (text !== 'Hello! You said: ping <b>bold</b>') fail(`the answer was "${text}"`);
    if ((await page.locator('#log b').count()) !== 0) fail('model output was rendered as markup');
    await page.waitForFunction(() => !document.getElementById('send').disabled);
    const ttft = await page.textContent('#ttft');
    if (!/^\d+ ms$/.test(ttft)) fail(`time to first token shows "${ttft}"`);
    const stored = await page.evaluate(() => [sessionStorage.getItem('llmio.playground.key'), localStorage.length]);
    if (stored[0] !== KEY || stored[1] !== 0) fail(`the key is kept as ${JSON.stringify(stored)}`);
    if (problems.length) fail(`the page reported: ${problems.join(' | ')}`);
    console.log(`ok: the playground streamed "${text}" (time to first token ${ttft})`);
    await page.close();

    // CORS: the allowed origin's fetch succeeds, the other's is refused by the browser.
    const fromAllowed = await fetchFrom(browser, allowed, gateway);
    if (fromAllowed !== '200 Hello! You said: from a site') fail(`allowed origin got "${fromAllowed}"`);
    console.log(`ok: ${allowed} (allowed) got "${fromAllowed}"`);
    const fromDenied = await fetchFrom(browser, denied, gateway);
    if (fromDenied !== 'TypeError: Failed to fetch') fail(`other origin got "${fromDenied}"`);
    console.log(`ok: ${denied} (not allowed) got "${fromDenied}"`);
  } finally {
    await browser.close();
  }
}

let deadline;
try {
  await Promise.race([main(), new Promise((_, reject) => {
    deadline = setTimeout(() => reject(new Error(`not done after ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
  })]);
} catch (e) {
  console.error(`FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  for (const child of children) child.kill('SIGTERM');
  for (const server of servers) server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  // A browser still starting when the deadline passed would keep node alive.
  if (process.exitCode) setTimeout(() => process.exit(), 2000).unref();
}
