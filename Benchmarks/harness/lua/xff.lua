-- Scenario 5: GET /users/@me from 10,000 distinct client addresses, named in X-Forwarded-For by a trusted
-- loopback peer. Requests are formatted once in init (no per-request Lua string building) and cycled;
-- each wrk thread starts at a different offset.
local count = tonumber(os.getenv("BENCH_XFF_COUNT") or "10000")
local requests_ = {}
local index = 0
local thread_counter = 0

function setup(thread)
   thread:set("tid", thread_counter)
   thread_counter = thread_counter + 1
end

function init(args)
   for i = 0, count - 1 do
      local headers = {}
      for name, value in pairs(wrk.headers) do headers[name] = value end
      headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256,
                                                 math.floor(i / 256) % 256, i % 256 + 0)
      requests_[i + 1] = wrk.format("GET", wrk.path, headers, nil)
   end
   index = ((tid or 0) * 4999) % count
end

function request()
   index = index % count + 1
   return requests_[index]
end
