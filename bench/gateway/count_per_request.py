#!/usr/bin/env python3
"""Instructions and heap allocations per proxied request of `llmio serve`, counted under
callgrind: an A/B of gateway builds that the noise of a shared VM cannot blur (there, one run's
CPU time per request can be twice another's; these counts repeat within about 2 %).

    bench/gateway/count_per_request.py CANNED_SERVER LLMIO [LLMIO ...] [--seconds S]

For each llmio binary: starts it under callgrind in front of the canned server (1 thread each),
warms it up with wrk (8 connections, load.lua's chat request), zeroes the counters, loads it
for S seconds (default 5), dumps, and divides the instructions executed (user space only:
the kernel's share of a request, its socket calls, is not counted) and the calls to malloc,
calloc, realloc and the aligned allocators (Asio's frames and handlers) by the requests wrk
completed.
"""
import json, os, re, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
args = [a for a in sys.argv[1:] if not a.startswith('--')]
SECONDS = int(sys.argv[sys.argv.index('--seconds') + 1]) if '--seconds' in sys.argv else 5
if '--seconds' in sys.argv:
    args.remove(str(SECONDS))
if len(args) < 2:
    sys.exit(__doc__)
CANNED, BINARIES = args[0], args[1:]
ALLOCATORS = {'malloc', 'calloc', 'realloc', 'memalign', 'aligned_alloc', 'posix_memalign'}


def first_line(proc, what):
    line = proc.stdout.readline().strip()
    if not line:
        sys.exit(f'{what} printed nothing')
    return line


def wrk(url, seconds):
    env = dict(os.environ, LLMIO_BENCH_BODY=json.dumps(
        {"model": "canned/m", "messages": [{"role": "user", "content": "hi"}]}))
    out = subprocess.run(['wrk', '-t1', '-c8', f'-d{seconds}s', '-s', os.path.join(HERE, 'load.lua'),
                          url + '/v1/chat/completions'], capture_output=True, text=True, env=env,
                         check=True).stdout
    if 'Non-2xx' in out or 'Socket errors' in out:
        sys.exit('wrk saw errors:\n' + out)
    return int(re.search(r'(\d+) requests in', out).group(1))


def totals(profile):
    """(instructions, allocation calls) of a callgrind dump."""
    names, current, instructions, allocations = {}, None, 0, 0
    with open(profile) as f:
        for line in f:
            if line.startswith('summary:'):
                instructions = int(line.split()[1])
            elif line.startswith(('fn=', 'cfn=')):
                # Names are compressed: "(id) name" the first time (in fn= or cfn=), "(id)" after.
                match = re.match(r'c?fn=\((\d+)\)(?: (.*))?', line.strip())
                if match.group(2):
                    names[match.group(1)] = match.group(2)
                if line.startswith('cfn='):
                    current = names.get(match.group(1), '')
            elif line.startswith('calls=') and current in ALLOCATORS:
                allocations += int(line.split('=')[1].split()[0])
    return instructions, allocations


def measure(binary, upstream, tmp):
    config = os.path.join(tmp, 'gateway.json')
    with open(config, 'w') as f:
        json.dump({"providers": {"canned": {"kind": "openai", "base_url": upstream + '/v1'}}}, f)
    profile = os.path.join(tmp, 'callgrind.out')
    proc = subprocess.Popen(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + profile, binary, 'serve',
                             '--config', config, '--port', '0', '--threads', '1'],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = re.fullmatch(r'listening on (\S+)', first_line(proc, binary)).group(1)
        wrk(url, 2)
        subprocess.run(['callgrind_control', '-z', str(proc.pid)], check=True, capture_output=True)
        requests = wrk(url, SECONDS)
        subprocess.run(['callgrind_control', '-d', str(proc.pid)], check=True, capture_output=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    dumps = sorted(p for p in os.listdir(tmp) if p.startswith('callgrind.out.'))
    instructions, allocations = totals(os.path.join(tmp, dumps[0]))
    for p in os.listdir(tmp):
        if p.startswith('callgrind.out'):
            os.remove(os.path.join(tmp, p))
    return requests, instructions / requests, allocations / requests


def main():
    canned = subprocess.Popen([CANNED, '--threads', '1'], stdout=subprocess.PIPE, text=True)
    try:
        upstream = 'http://127.0.0.1:' + first_line(canned, 'canned_server').split()[1]
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for binary in BINARIES:
                requests, instructions, allocations = measure(binary, upstream, tmp)
                rows.append((binary, instructions, allocations))
                print(f'{binary}: {instructions:,.0f} instructions and {allocations:.1f} allocations per '
                      f'request ({requests} requests)')
        for binary, instructions, allocations in rows[1:]:
            print(f'{binary} / {rows[0][0]}: instructions ×{instructions / rows[0][1]:.3f}, '
                  f'allocations ×{allocations / rows[0][2]:.3f}')
    finally:
        canned.terminate()
        canned.wait(timeout=10)


if __name__ == '__main__':
    main()
