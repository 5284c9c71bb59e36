-- wrk script for the soak run: a mix of Ayaka REST routes through the proxy, bounded by a per-connection
-- delay. SOAK_SESSION and SOAK_GUILD come from run.sh (a user and guild it created first).
local session = os.getenv("SOAK_SESSION") or ""
local guild = os.getenv("SOAK_GUILD") or "1"
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "10")

local routes = {
  {weight = 40, method = "GET",   path = "/users/@me"},
  {weight = 20, method = "GET",   path = "/guilds/" .. guild},
  {weight = 15, method = "GET",   path = "/guilds/" .. guild .. "/preview"},   -- limited: some 429s
  {weight = 10, method = "PATCH", path = "/guilds/" .. guild, body = '{"name": "Soak"}'},
  {weight = 5,  method = "GET",   path = "/guilds/999999999"},                 -- 404
  {weight = 10, method = "GET",   path = "/nowhere?x=1"},                      -- default rule, 404
}
local total = 0
for _, r in ipairs(routes) do total = total + r.weight end

counts = {}  -- a global: done() reads each thread's copy with thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {c2 = 0, c3 = 0, c4 = 0, c429 = 0, c5 = 0}
end

function delay()
  return pause
end

function request()
  local pick = math.random(total)
  for _, r in ipairs(routes) do
    pick = pick - r.weight
    if pick <= 0 then
      local headers = {["Authorization"] = session, ["Content-Type"] = "application/json"}
      return wrk.format(r.method, r.path, headers, r.body)
    end
  end
end

function response(status, headers, body)
  if status == 429 then counts.c429 = counts.c429 + 1
  elseif status >= 500 then counts.c5 = counts.c5 + 1
  elseif status >= 400 then counts.c4 = counts.c4 + 1
  elseif status >= 300 then counts.c3 = counts.c3 + 1
  else counts.c2 = counts.c2 + 1 end
end

function done(summary, latency, requests)
  local sum = {c2 = 0, c3 = 0, c4 = 0, c429 = 0, c5 = 0}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, _ in pairs(sum) do sum[k] = sum[k] + (c[k] or 0) end
  end
  local e = summary.errors
  io.write(string.format("SOAK_REST requests=%d 2xx=%d 3xx=%d 4xx=%d 429=%d 5xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d p99_ms=%.1f\n",
    summary.requests, sum.c2, sum.c3, sum.c4, sum.c429, sum.c5, e.connect, e.read, e.write, e.timeout,
    latency:percentile(99) / 1000))
end
