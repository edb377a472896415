#!/usr/bin/env python3
"""Runs the benchmark workloads against the canned server and writes bench/results.md.

Called by bench/run.sh; see bench/README.md. Every driver prints one JSON line (its own timed
section: wall, CPU, tokens, RSS); this script adds what the kernel says about the whole process
(wait4: user+sys, peak RSS) and the connections the canned server accepted for it.
"""
import json, os, statistics, subprocess, sys, tempfile, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv[1]
QUICK = '--quick' in sys.argv
BIN = os.path.join(BUILD, 'bench')
NODE = ['node', os.path.join(HERE, 'node', 'driver.mjs')]

# Full sizes are the issue's; --quick divides them so the run takes a few minutes.
W1_N = 1000 if QUICK else 20000
W2_N = 10 if QUICK else 200
W3_STREAMS, W3_TOKENS = 500, (40 if QUICK else 200)
W4_N = 10 if QUICK else 200
TOKENS = 5000
W5_N = 5 if QUICK else 20
REPEAT = 1 if QUICK else 3
# W1 and W2 also run llmio with llmio::Metrics recording every request (issue 15: <= 3% CPU).
METRICS_ON = ['--metrics', 'on']
# W1 and W2 also run llmio through a Router of two replicas (issue 13: <= 2 µs/request, 0 per token).
ROUTER_ON = ['--router', 'on']


def start_server(*flags):
    proc = subprocess.Popen([os.path.join(BIN, 'canned_server'), *flags], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    assert line and line[0] == 'listening', line
    return proc, f'http://127.0.0.1:{line[1]}'


def connections(url):
    with urllib.request.urlopen(url + '/stats') as r:
        return json.load(r)['connections']


class Wait4Popen(subprocess.Popen):
    """Popen that keeps the wait4() rusage of its child."""
    rusage = None

    def _try_wait(self, wait_flags):
        pid, sts, self.rusage = os.wait4(self.pid, wait_flags)
        return pid, sts


def run(cmd, url):
    before = connections(url) if url else 0
    start = time.monotonic()
    proc = Wait4Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f'driver failed: {" ".join(cmd)}\n{err}')
    result = json.loads(out.strip().splitlines()[-1])
    result['process_wall_s'] = wall
    result['process_cpu_s'] = proc.rusage.ru_utime + proc.rusage.ru_stime
    # wait4's ru_maxrss counts the forked Python before exec; the driver's own VmHWM does not.
    result['process_rss_kib'] = result['rss_peak_kib']
    result['connections'] = connections(url) - before - 1 if url else 0
    return result


def median_run(cmd, url):
    runs = [run(cmd, url) for _ in range(REPEAT)]
    return sorted(runs, key=lambda r: r['cpu_s'])[len(runs) // 2]


def wrk_ceiling(url, body, seconds):
    with tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False) as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write(f'wrk.body = {json.dumps(body)}\n')
        script = f.name
    out = subprocess.run(['wrk', '-t1', '-c32', f'-d{seconds}s', '-s', script, url + '/v1/chat/completions'],
                         capture_output=True, text=True).stdout
    os.unlink(script)
    for line in out.splitlines():
        if line.startswith('Requests/sec:'):
            return float(line.split()[1])
    return None


def main():
    bulk, url = start_server('--threads', '1')
    slow, slow_url = start_server('--threads', '1', '--delay-ms', '50')
    lms, lms_url = start_server('--dialect', 'lmstudio')
    oll, oll_url = start_server('--dialect', 'ollama')
    rows = []  # (workload, client, result, unit)
    try:
        ceiling_w1 = wrk_ceiling(url, '{"model":"m","messages":[{"role":"user","content":"hi"}]}', 3)
        ceiling_w2 = wrk_ceiling(url, json.dumps({"model": "m", "messages": [], "stream": True, "max_tokens": TOKENS,
                                                  "stream_options": {"include_usage": True}}), 3)

        def c(binary):
            return [os.path.join(BIN, binary)]

        def args(workload, n, conc, tokens=0, u=url):
            return ['--workload', workload, '--url', u, '--requests', str(n), '--concurrency', str(conc),
                    '--tokens', str(tokens)]

        for conc in (1, 32):
            name = f'W1 chat c={conc}'
            for client, cmd in (('llmio', c('bench_llmio')), ('llmio + metrics', c('bench_llmio') + METRICS_ON),
                                ('llmio router', c('bench_llmio') + ROUTER_ON),
                                ('beast floor', c('bench_beast')), ('openai-node', NODE + ['--client', 'openai'])):
                rows.append((name, client, median_run(cmd + args('w1', W1_N, conc), url), 'request'))
                print(name, client, 'done', file=sys.stderr)
        for conc in (1, 8):
            name = f'W2 SSE {TOKENS} tok c={conc}'
            for client, cmd in (('llmio', c('bench_llmio')), ('llmio + metrics', c('bench_llmio') + METRICS_ON),
                                ('llmio router', c('bench_llmio') + ROUTER_ON),
                                ('beast floor', c('bench_beast')), ('openai-node', NODE + ['--client', 'openai'])):
                rows.append((name, client, median_run(cmd + args('w2', W2_N, conc, TOKENS), url), 'token'))
                print(name, client, 'done', file=sys.stderr)
        name = f'W3 {W3_STREAMS} streams trickle'
        for client, cmd in (('llmio', c('bench_llmio')), ('beast floor', c('bench_beast')),
                            ('openai-node', NODE + ['--client', 'openai'])):
            rows.append((name, client, run(cmd + args('w3', W3_STREAMS, W3_STREAMS, W3_TOKENS, slow_url), slow_url),
                         'token'))
            print(name, client, 'done', file=sys.stderr)
        name = f'W4 NDJSON {TOKENS} tok'
        for client, cmd in (('llmio', c('bench_llmio')), ('beast floor', c('bench_beast')),
                            ('ollama-js', NODE + ['--client', 'ollama'])):
            rows.append((name, client, median_run(cmd + args('w4', W4_N, 1, TOKENS), url), 'token'))
            print(name, client, 'done', file=sys.stderr)
        name = 'start-up + 1 request'
        for client, cmd in (('llmio', c('bench_llmio')), ('beast floor', c('bench_beast')),
                            ('openai-node', NODE + ['--client', 'openai'])):
            rows.append((name, client, median_run(cmd + args('w1', 1, 1), url), 'startup'))
        w5 = [('W5 discover, nothing listening', run(c('bench_llmio') + ['--workload', 'w5', '--requests', str(W5_N)], None)),
              ('W5 discover, LM Studio + Ollama listening',
               run(c('bench_llmio') + ['--workload', 'w5', '--requests', str(W5_N), '--url', lms_url, '--url2', oll_url], None))]
    finally:
        for p in (bulk, slow, lms, oll):
            p.terminate()
            p.wait()

    text = render(rows, w5, ceiling_w1, ceiling_w2)
    with open(os.path.join(HERE, 'results.md'), 'w') as f:
        f.write(text)
    print(text)


def per_unit(result, unit):
    if unit == 'request':
        return result['cpu_s'] * 1e6 / result['requests']
    if unit == 'token':
        return result['cpu_s'] * 1e6 / max(1, result['tokens'])
    return result['process_cpu_s'] * 1e3  # start-up: ms of CPU for the whole process


def render(rows, w5, ceiling_w1, ceiling_w2):
    scale = 'quick (--quick)' if QUICK else f'full, median of {REPEAT}'
    out = [f'# llmio benchmark results ({scale})', '',
           f'Generated by `bench/run.sh` on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, '
           f'{os.cpu_count()} CPUs. Canned server ceiling (wrk, 1 thread, 32 connections): '
           f'{ceiling_w1 or 0:,.0f} chat requests/s; {(ceiling_w2 or 0) * TOKENS:,.0f} streamed tokens/s.', '',
           'CPU is user+sys of the driver\'s timed section (getrusage); "proc" columns are the whole driver process (start-up included): CPU from '
           'wait4(), peak RSS from its VmHWM. Ratios divide this row\'s CPU per unit by the named '
           'client\'s in the same workload (lower is better). W3: RSS per open stream = (peak RSS - RSS before '
           'the streams) / streams, and CPU/token is the trickle case (one token per read).', '',
           '| workload | client | wall s | CPU s | CPU µs/req | CPU µs/token | proc CPU s | proc peak RSS MiB '
           '| KiB/stream | conns | ratios (CPU/unit) |',
           '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|']
    by_workload = {}
    for workload, client, result, unit in rows:
        by_workload.setdefault(workload, []).append((client, result, unit))
    for workload, entries in by_workload.items():
        for client, result, unit in entries:
            mine = per_unit(result, unit)
            ratios = ', '.join(f'{mine / per_unit(r, u):.2f}× {other}' for other, r, u in entries if other != client)
            streams = ''
            if workload.startswith('W3'):
                streams = f'{(result["rss_peak_kib"] - result["rss_base_kib"]) / result["requests"]:.1f}'
            per_token = f'{result["cpu_s"] * 1e6 / result["tokens"]:.3f}' if result['tokens'] else ''
            if unit == 'startup':
                line = (f'| {workload} | {client} | {result["process_wall_s"] * 1e3:.0f} ms | | | | '
                        f'{result["process_cpu_s"] * 1e3:.0f} ms | {result["process_rss_kib"] / 1024:.1f} | | '
                        f'{result["connections"]} | {ratios} |')
            else:
                line = (f'| {workload} | {client} | {result["wall_s"]:.2f} | {result["cpu_s"]:.3f} | '
                        f'{result["cpu_s"] * 1e6 / result["requests"]:.1f} | {per_token} | '
                        f'{result["process_cpu_s"]:.3f} | {result["process_rss_kib"] / 1024:.1f} | {streams} | '
                        f'{result["connections"]} | {ratios} |')
            out.append(line)
    for name, result in w5:
        out.append(f'| {name} | llmio | {result["wall_s"] * 1e3 / result["requests"]:.1f} ms per discover | '
                   f'{result["cpu_s"]:.3f} | | | {result["process_cpu_s"]:.3f} | '
                   f'{result["process_rss_kib"] / 1024:.1f} | | | |')
    out += ['', 'Targets (issue #7): W1 ≤ 33 µs/request at c=1, ≤ 24 at c=32; W2 ≤ 0.35 µs/token; '
            'W4 ≤ 0.2 µs/token; trickle ≤ 12 µs/token; W3 ≤ 16 KiB per open stream; start-up ≤ 20 ms and '
            '≤ 8 MiB; W5 ≤ 50 ms with nothing listening. Router (issue #13): "llmio router" ≤ 2 µs/request '
            'more than "llmio" in W1, nothing more per token in W2.', '']
    return '\n'.join(out)


if __name__ == '__main__':
    main()
