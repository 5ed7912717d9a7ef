-- wrk script for the single-value cross-check of bench/run.sh: every request POSTs one value
-- to /api/v1/values, cycling through the synthetic plan's indicators and quarters.
-- Environment: BENCH_INDICATORS (default 10000), BENCH_TOKEN (bearer token, if set).
local indicators = tonumber(os.getenv("BENCH_INDICATORS") or "10000")
local threads = {}

function setup(thread)
   thread:set("thread_id", #threads)
   table.insert(threads, thread)
end

function init(args)
   -- distinct sequences per thread, so threads do not write the same (indicator, period) in step
   seq = (thread_id or 0) * 7919
   headers = { ["Content-Type"] = "application/json" }
   local token = os.getenv("BENCH_TOKEN")
   if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
end

function request()
   seq = seq + 1
   local body = string.format('{"values":[{"indicator":"bench_%05d","period":"2023-Q%d","value":%.1f}]}',
                              seq % indicators, math.floor(seq / indicators) % 4 + 1, (seq % 1000) / 10)
   return wrk.format("POST", "/api/v1/values", headers, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("REQUESTS=%d\nNON2XX=%d\nSOCKET_ERRORS=%d\nSECONDS=%.3f\n",
                          summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
                          summary.duration / 1e6))
   io.write(string.format("OK=%d\nREQ_PER_S=%.0f\n", summary.requests - e.status,
                          (summary.requests - e.status) / (summary.duration / 1e6)))
   io.write(string.format("P50_MS=%.2f\nP99_MS=%.2f\nMAX_MS=%.2f\n", latency:percentile(50) / 1000,
                          latency:percentile(99) / 1000, latency.max / 1000))
end
