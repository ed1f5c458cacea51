-- Sluice: evaluate and charge every limit of every bucket in KEYS, all or nothing, atomically.
-- The Lua twin of the meters in dev.sluice.core.limit (same formulas, same integer results);
-- RedisStore's class comment has the key layout and why.
--
-- ARGV[1]  now in epoch micros, or '' to read Redis's clock (TIME); only tests pass a time
-- ARGV[2]  milliseconds added to every key's TTL beyond the moment its state stops mattering
-- then, for each key in order: cost, number of limits L, and L triples (kind, a, b):
--   'f' fixed window     a = permits  b = window micros      fields <j>w index, <j>n count
--   's' sliding window   a = permits  b = window micros      fields <j>w index, <j>p prev, <j>n curr
--   'g' GCRA             a = burst    b = interval T micros  field  <j>t theoretical arrival time
--   'l' lifetime budget  a = permits  b = retention micros   fields <j>n count, <j>f forget-at
-- (j counts a bucket's limits from 0). Returns {admitted 1|0, now, then per limit: remaining,
-- reset, retryAt (0 = passed, -1 = never), standingReset}. The caller reports a limit that passed
-- in a denied request "as it stands" (remaining + cost, standingReset), as the in-memory store
-- does. A bucket is written only when the request is admitted and its cost is not 0, so reads
-- write nothing.
--
-- Lua numbers are doubles, exact for integers below 2^53 (285 years of micros); RedisStore refuses
-- limits that could take a value past that. The one product that can exceed it, the sliding
-- window's count times a span of micros, goes through mulDiv, which is exact.

if redis.replicate_commands then redis.replicate_commands() end -- Redis 6: TIME, then writes

local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local margin = tonumber(ARGV[2])
local TWO53 = 9007199254740992
local NEVER = -1

-- floor(a / b) for integers 0 <= a < 2^53, b > 0 (the double quotient, corrected by one).
local function idiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end

-- a / b rounded toward zero, as Java's long division.
local function tdiv(a, b)
  if a < 0 then return -idiv(-a, b) end
  return idiv(a, b)
end

-- floor(a * b / c), and whether a remainder was left, for a, b >= 0, 0 < c <= 2^52 and a
-- result below 2^53. With b = bq * c + br: a * bq + floor(a * br / c), the latter by binary long
-- multiplication keeping the running remainder below c, so nothing passes 2^53.
local function mulDiv(a, b, c)
  local p = a * b
  if p < TWO53 then
    local q = idiv(p, c)
    return q, p - q * c ~= 0
  end
  local bq = idiv(b, c)
  local br = b - bq * c
  local q, r, bit, rest = 0, 0, 1, a
  while bit * 2 <= rest do bit = bit * 2 end
  while bit >= 1 do
    q = q * 2
    r = r * 2
    if r >= c then r = r - c; q = q + 1 end
    if rest >= bit then
      rest = rest - bit
      r = r + br
      if r >= c then r = r - c; q = q + 1 end
    end
    bit = bit / 2
  end
  return a * bq + q, r ~= 0
end

local function num(v)
  if v then return tonumber(v) end
  return 0
end

local function s(x)
  return string.format('%.0f', x)
end

-- Each meter returns: allowed, remaining, reset, retryAt, standingReset, expiresAt, and the
-- field values to write if admitted (appended to w).

local function fixed(N, W, v, i, cost, w, f)
  local index = idiv(now, W)
  local count = 0
  if num(v[i]) == index then count = num(v[i + 1]) end
  local e = (index + 1) * W
  if count + cost <= N then
    local after = count + cost
    w[#w + 1] = f .. 'w'; w[#w + 1] = s(index)
    w[#w + 1] = f .. 'n'; w[#w + 1] = s(after)
    return true, N - after, after == 0 and now or e, 0, count == 0 and now or e, e
  end
  return false, N - count, count == 0 and now or e, cost > N and NEVER or e, count == 0 and now or e, 0
end

local function sliding(N, W, v, i, cost, w, f)
  local index = idiv(now, W)
  local e = now - index * W
  local stored = num(v[i])
  local prev, curr = 0, 0
  if v[i] and stored == index then
    prev = num(v[i + 1]); curr = num(v[i + 2])
  elseif v[i] and stored == index - 1 then
    prev = num(v[i + 2])
  end
  local weighted = 0
  if prev > 0 then
    local q, rem = mulDiv(prev, W - e, W)
    weighted = rem and q + 1 or q
  end
  local available = N - curr - weighted
  local standing = curr > 0 and (index + 2) * W or (prev > 0 and (index + 1) * W or now)
  if cost <= available then
    local after = curr + cost
    w[#w + 1] = f .. 'w'; w[#w + 1] = s(index)
    w[#w + 1] = f .. 'p'; w[#w + 1] = s(prev)
    w[#w + 1] = f .. 'n'; w[#w + 1] = s(after)
    local reset = after > 0 and (index + 2) * W or (prev > 0 and (index + 1) * W or now)
    return true, available - cost, reset, 0, standing, (index + 2) * W
  end
  local rem = available < 0 and 0 or available
  if cost > N then
    return false, rem, standing, NEVER, standing, 0
  end
  local slack = N - curr - cost
  if slack >= 0 and prev > 0 then
    local first = W - mulDiv(slack, W, prev)
    if first < W then
      return false, rem, standing, index * W + first, standing, 0
    end
  end
  local nextFirst = 0
  if curr > 0 and N - cost < curr then -- otherwise W - floor(...) <= 0
    nextFirst = W - mulDiv(N - cost, W, curr)
  end
  return false, rem, standing, (index + 1) * W + nextFirst, standing, 0
end

local function gcra(B, T, v, i, cost, w, f)
  local tau = B * T
  local tat = num(v[i])
  local base = tat > now and tat or now
  if cost > B then
    local rem = tdiv(tau - (base - now), T)
    return false, rem < 0 and 0 or rem, base, NEVER, base, 0
  end
  local newTat = base + cost * T
  local debt = newTat - now
  if debt <= tau then
    w[#w + 1] = f .. 't'; w[#w + 1] = s(newTat)
    return true, tdiv(tau - debt, T), newTat, 0, base, newTat
  end
  local rem = tdiv(tau - (base - now), T)
  return false, rem < 0 and 0 or rem, base, newTat - tau, base, 0
end

local function lifetime(N, R, v, i, cost, w, f)
  local count = num(v[i])
  local forgetAt = num(v[i + 1])
  if count == 0 or now >= forgetAt then
    count = 0
    forgetAt = now + R
  end
  if count + cost <= N then
    local after = count + cost
    w[#w + 1] = f .. 'n'; w[#w + 1] = s(after)
    w[#w + 1] = f .. 'f'; w[#w + 1] = s(after == 0 and 0 or forgetAt)
    local at = after == 0 and now or forgetAt
    return true, N - after, at, 0, count == 0 and now or forgetAt, at
  end
  local at = count == 0 and now or forgetAt
  return false, N - count, at, cost > N and NEVER or forgetAt, at, 0
end

local METERS = { f = fixed, s = sliding, g = gcra, l = lifetime }
local FIELDS = { f = { 'w', 'n' }, s = { 'w', 'p', 'n' }, g = { 't' }, l = { 'n', 'f' } }

local out = { 1, now }
local pending = {}
local admitted = true
local a = 3
for k = 1, #KEYS do
  local cost = tonumber(ARGV[a])
  local n = tonumber(ARGV[a + 1])
  a = a + 2
  local kinds, pa, pb, fields = {}, {}, {}, {}
  for j = 1, n do
    local kind = ARGV[a]
    kinds[j] = kind
    pa[j] = tonumber(ARGV[a + 1])
    pb[j] = tonumber(ARGV[a + 2])
    a = a + 3
    for _, suffix in ipairs(FIELDS[kind]) do
      fields[#fields + 1] = (j - 1) .. suffix
    end
  end
  local v = redis.call('HMGET', KEYS[k], unpack(fields))
  local w = {}
  local expires = now
  local i = 1
  for j = 1, n do
    local kind = kinds[j]
    local ok, rem, reset, retry, standing, exp =
      METERS[kind](pa[j], pb[j], v, i, cost, w, (j - 1) .. '')
    i = i + #FIELDS[kind]
    if not ok then admitted = false end
    if exp > expires then expires = exp end
    out[#out + 1] = rem
    out[#out + 1] = reset
    out[#out + 1] = retry
    out[#out + 1] = standing
  end
  if cost > 0 then
    pending[#pending + 1] = { KEYS[k], w, expires }
  end
end

if admitted then
  for _, p in ipairs(pending) do
    redis.call('HSET', p[1], unpack(p[2]))
    -- Kept until every limit's state has stopped mattering (never earlier: expiry must not
    -- change a decision), rounded up to the millisecond, plus the margin.
    redis.call('PEXPIRE', p[1], math.ceil((p[3] - now) / 1000) + margin)
  end
else
  out[1] = 0
end
return out
