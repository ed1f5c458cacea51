-- wrk: every request with a fresh random bearer token, a new identity for the rate limiter each
-- time (the flood of attack/run.sh). Each thread seeds its own generator.
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  counter = counter + 1
  local token = string.format("flood-%d-%08x%08x", counter, math.random(0, 0x7fffffff),
    math.random(0, 0x7fffffff))
  return wrk.format("GET", "/api/items", { ["Authorization"] = "Bearer " .. token })
end
