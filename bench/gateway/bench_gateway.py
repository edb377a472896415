#!/usr/bin/env python3
"""The gateway benchmark of issue #16: `llmio serve` and Portkey's gateway in front of the same canned
server, and the canned server direct, loaded by wrk (load.lua) in one run.

    bench/gateway/bench_gateway.py BUILD_DIR [--quick] [--no-llmio] [--no-portkey]
    (LLMIO_BENCH_THREADS=N runs llmio serve with N threads; default 1)
    (LLMIO_BENCH_PIN=1 runs wrk and the canned server on CPU 0 and the gateways on CPU 1, as when
     clients and upstream run on other machines: the gateway's latency without their scheduling)

Rows: the highest non-streamed throughput (wrk, 1 thread, 32 connections), the latency of paced loads
of about 1,000 and 5,000 requests/s (added latency = the gateway's percentile minus the direct one),
CPU per proxied request and per streamed token (the gateway process's own user+sys time from
/proc/PID/stat over the run, divided by what it served), idle and peak RSS (VmRSS after start and one
request, VmHWM at the end). Prints a Markdown table with llmio/Portkey ratios.
"""
import json, os, re, socket, subprocess, sys, tempfile, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv[1]
QUICK = '--quick' in sys.argv
SECONDS = 3 if QUICK else 10
TICK = os.sysconf('SC_CLK_TCK')
STREAM_TOKENS = 256
PIN = os.environ.get('LLMIO_BENCH_PIN') == '1'


def pinned(command, cpu):
    """`command` run on one CPU when LLMIO_BENCH_PIN=1."""
    return ['taskset', '-c', str(cpu)] + command if PIN else command

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_kib(pid, field):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1])
    return 0


def start_canned():
    proc = subprocess.Popen(pinned([os.path.join(BUILD, 'bench', 'canned_server'), '--threads', '1'], 0),
                            stdout=subprocess.PIPE, text=True)
    words = proc.stdout.readline().split()
    assert words and words[0] == 'listening', words
    return proc, f'http://127.0.0.1:{words[1]}'


def start_llmio(upstream, config_dir):
    config = os.path.join(config_dir, 'gateway.json')
    with open(config, 'w') as f:
        json.dump({"providers": {"canned": {"kind": "openai", "base_url": upstream + '/v1'}}}, f)
    proc = subprocess.Popen(pinned([os.path.join(BUILD, 'apps', 'llmio', 'llmio'), 'serve', '--config', config,
                                    '--port', '0', '--threads', os.environ.get('LLMIO_BENCH_THREADS', '1')], 1),
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    match = re.fullmatch(r'listening on (http://\S+)', line)
    assert match, f'llmio serve said {line!r}'
    return proc, match.group(1)


def start_portkey(upstream):
    port = free_port()
    server = os.path.join(HERE, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js')
    proc = subprocess.Popen(pinned(['node', server, f'--port={port}', '--headless'], 1), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, NODE_ENV='production'))
    url = f'http://127.0.0.1:{port}'
    for _ in range(200):  # bounded: Node needs a moment to load it
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return proc, url
        except OSError:
            time.sleep(0.05)
    sys.exit('Portkey gateway did not start')


def post(url, headers, body):
    request = urllib.request.Request(url + '/v1/chat/completions', data=json.dumps(body).encode(),
                                     headers={'Content-Type': 'application/json', **headers})
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.read()


def wrk(url, headers, body, connections, pause_ms=0):
    env = dict(os.environ, LLMIO_BENCH_BODY=json.dumps(body), LLMIO_BENCH_PAUSE_MS=str(pause_ms),
               LLMIO_BENCH_HEADERS='|'.join(f'{k}: {v}' for k, v in headers.items()))
    out = subprocess.run(pinned(['wrk', '-t1', f'-c{connections}', f'-d{SECONDS}s', '--latency',
                                 '-s', os.path.join(HERE, 'load.lua'), url + '/v1/chat/completions'], 0),
                         capture_output=True, text=True, env=env, check=True).stdout
    result = {'rps': float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1)),
              'requests': int(re.search(r'(\d+) requests in', out).group(1))}
    for pct in ('50', '99'):
        value, unit = re.search(rf'\s{pct}%\s+([\d.]+)(us|ms|s)', out).groups()
        result['p' + pct] = float(value) * {'us': 1e-3, 'ms': 1.0, 's': 1e3}[unit]
    bad = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    errors = re.search(r'Socket errors: .*', out)
    if bad or errors:
        result['errors'] = (bad.group(0) if bad else '') + ' ' + (errors.group(0) if errors else '')
    return result


def measure(name, url, headers, pid, model='m'):
    """Every row for one target; pid is the gateway process (None for the direct row)."""
    chat = dict(CHAT, model=model)
    post(url, headers, chat)
    row = {'name': name}
    if pid:
        row['idle_rss_kib'] = rss_kib(pid, 'VmRSS')
    before = cpu_seconds(pid) if pid else 0
    row['max'] = wrk(url, headers, chat, 32)
    if pid:
        row['cpu_us_per_request'] = (cpu_seconds(pid) - before) * 1e6 / row['max']['requests']
    # Paced loads: 10 and 50 connections, each pausing 0 to 20 ms (10 ms on average, load.lua)
    # between its requests.
    row['r1000'] = wrk(url, headers, chat, 10, pause_ms=10)
    row['r5000'] = wrk(url, headers, chat, 50, pause_ms=10)
    if pid:
        per_request = {}
        for tokens in (1, STREAM_TOKENS):
            body = dict(chat, stream=True, max_tokens=tokens)
            start = cpu_seconds(pid)
            result = wrk(url, headers, body, 8)
            per_request[tokens] = (cpu_seconds(pid) - start) * 1e6 / result['requests']
        row['cpu_us_per_token'] = (per_request[STREAM_TOKENS] - per_request[1]) / (STREAM_TOKENS - 1)
        row['peak_rss_kib'] = rss_kib(pid, 'VmHWM')
    return row


def render(rows):
    direct = rows[0]
    lines = [f'wrk 1 thread, {SECONDS} s per row, canned server (1 thread) upstream, {os.cpu_count()} CPUs' +
             ('; wrk and the server on CPU 0, the gateway on CPU 1.' if PIN else '.'),
             '', '| | max req/s (32 conn.) | p50 / p99 ms at ~1k req/s | added p50 / p99 | '
             'p50 / p99 ms at ~5k req/s | added p50 / p99 | CPU µs/request | CPU µs/streamed token | '
             'idle / peak RSS MiB |', '|---|---|---|---|---|---|---|---|---|']
    for row in rows:
        cells = [row['name'], f"{row['max']['rps']:,.0f}"]
        for rate in ('r1000', 'r5000'):
            r, d = row[rate], direct[rate]
            cells.append(f"{r['p50']:.2f} / {r['p99']:.2f} ({r['rps']:,.0f}/s)")
            cells.append('—' if row is direct else f"{r['p50'] - d['p50']:+.2f} / {r['p99'] - d['p99']:+.2f}")
        if 'cpu_us_per_request' in row:
            cells += [f"{row['cpu_us_per_request']:.1f}", f"{row['cpu_us_per_token']:.2f}",
                      f"{row['idle_rss_kib'] / 1024:.1f} / {row['peak_rss_kib'] / 1024:.1f}"]
        else:
            cells += ['—', '—', '—']
        lines.append('| ' + ' | '.join(cells) + ' |')
    named = {row['name']: row for row in rows}
    if 'llmio serve' in named and 'Portkey gateway' in named:
        a, b = named['llmio serve'], named['Portkey gateway']
        lines += ['', 'Portkey / llmio: throughput ×{:.1f} for llmio, CPU per request ×{:.1f}, per token ×{:.1f}, '
                  'peak RSS ×{:.1f}'.format(a['max']['rps'] / b['max']['rps'],
                                            b['cpu_us_per_request'] / a['cpu_us_per_request'],
                                            b['cpu_us_per_token'] / max(a['cpu_us_per_token'], 1e-9),
                                            b['peak_rss_kib'] / a['peak_rss_kib'])]
    for row in rows:
        for key in ('max', 'r1000', 'r5000'):
            if 'errors' in row[key]:
                lines.append(f"- {row['name']} {key}: {row[key]['errors']}")
    return '\n'.join(lines)


def main():
    canned, upstream = start_canned()
    processes = [canned]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows = [measure('canned server direct', upstream, {}, None)]
            if '--no-llmio' not in sys.argv:
                llmio, llmio_url = start_llmio(upstream, tmp)
                processes.append(llmio)
                rows.append(measure('llmio serve', llmio_url, {}, llmio.pid, model='canned/m'))
            if '--no-portkey' not in sys.argv:
                portkey, portkey_url = start_portkey(upstream)
                processes.append(portkey)
                headers = {'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstream + '/v1',
                           'Authorization': 'Bearer unused'}
                rows.append(measure('Portkey gateway', portkey_url, headers, portkey.pid))
        print(render(rows))
    finally:
        for proc in processes:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == '__main__':
    main()
