-- wrk script of the gateway benchmark (bench_gateway.py sets the environment):
--   LLMIO_BENCH_BODY      the JSON body POSTed by every request
--   LLMIO_BENCH_HEADERS   extra headers, "name: value|name: value"
--   LLMIO_BENCH_PAUSE_MS  pause of each connection between its requests (paces the load:
--                         about connections / (pause + latency) requests per second)
wrk.method = "POST"
wrk.body = os.getenv("LLMIO_BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
for header in string.gmatch(os.getenv("LLMIO_BENCH_HEADERS") or "", "[^|]+") do
  local name, value = header:match("^%s*([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

local pause_ms = tonumber(os.getenv("LLMIO_BENCH_PAUSE_MS") or "0")
if pause_ms > 0 then
  function delay()
    return pause_ms
  end
end
