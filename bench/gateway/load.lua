-- wrk script of the gateway benchmark (bench_gateway.py sets the environment):
--   LLMIO_BENCH_BODY      the JSON body POSTed by every request
--   LLMIO_BENCH_HEADERS   extra headers, "name: value|name: value"
--   LLMIO_BENCH_PAUSE_MS  mean pause of each connection between its requests (paces the load:
--                         about connections / (pause + latency) requests per second). Each
--                         pause is drawn uniformly from 0 to twice the mean: with one fixed
--                         pause the connections stay in step and arrive in bursts, which
--                         measures the bursts' queueing rather than the gateway's cost.
wrk.method = "POST"
wrk.body = os.getenv("LLMIO_BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
for header in string.gmatch(os.getenv("LLMIO_BENCH_HEADERS") or "", "[^|]+") do
  local name, value = header:match("^%s*([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

local pause_ms = tonumber(os.getenv("LLMIO_BENCH_PAUSE_MS") or "0")
if pause_ms > 0 then
  function init(args)
    -- Each wrk thread has its own Lua state: seed each differently.
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
  end
  function delay()
    return math.random(0, 2 * pause_ms)
  end
end
