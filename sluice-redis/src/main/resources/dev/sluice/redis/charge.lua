-- Sluice: evaluate and charge requests, one after another, each all or nothing: every limit of
-- every bucket of a request is charged only if all of them pass. Several requests in one call
-- (RedisStore batches the charges that arrive while others are in flight) share one TIME and one
-- script invocation, which is most of a call's cost to Redis; each still sees the writes of the
-- requests before it, exactly as if each had been its own call.
-- The Lua twin of the meters in dev.sluice.core.limit (same formulas, same integer results);
-- RedisStore's class comment has the key layout and why.
--
-- ARGV[1]  now in epoch micros, or '' to read Redis's clock (TIME); only tests pass a time
-- ARGV[2]  milliseconds added to every key's TTL beyond the moment its state stops mattering
-- ARGV[3]  the number of requests R
-- then, for each request: its number of keys K (its keys are the next K of KEYS), then for each
-- of its keys in order: cost, number of limits L, and L triples (kind, a, b):
--   'f' fixed window     a = permits  b = window micros      fields <j>w index, <j>n count
--   's' sliding window   a = permits  b = window micros      fields <j>w index, <j>p prev, <j>n curr
--   'g' GCRA             a = burst    b = interval T micros  field  <j>t theoretical arrival time
--   'l' lifetime budget  a = permits  b = retention micros   fields <j>n count, <j>f forget-at
-- (j counts a bucket's limits from 0). Returns {now, then per request: admitted 1|0 (or -1:
-- failed, see below), then per limit: remaining, reset, retryAt (0 = passed, -1 = never),
-- standingReset}, then the error of each failed request, in order. The caller reports a limit that passed
-- in a denied request "as it stands" (remaining + cost, standingReset), as the in-memory store
-- does. A bucket is written only when the request is admitted and its cost is not 0, so reads
-- write nothing. Besides the limits' fields, a bucket's hash holds 'x': when its TTL ends (epoch
-- ms), so a charge extends the TTL only when it must.
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

-- The fields a charge writes are the names it read (fields[i]), not new concatenations: each
-- string built costs Redis's Lua a hash and an intern. Only fields whose value changes are
-- written: within a window, a fixed or sliding window's count alone. Numbers go to HSET as Lua numbers: Redis writes them in a form tonumber reads back exactly
-- (every value here is an integer below 2^53), which costs far less than string.format.

-- The meters are inlined in the loop below rather than written as functions: the script runs
-- once per request, Lua creates a closure for every local function on every run, and
-- interpreting the script costs more than the Redis commands it makes. Each branch mirrors one
-- Java meter line for line; for a limit it yields ok, rem(aining), reset, retry(At), standing
-- (reset) and exp(iresAt), and appends the fields to write if admitted to w.
-- Per-call memos, which batching makes pay: the requests of a call repeat the same limit specs
-- (numbers parsed once per distinct string), the same field names (built once per limit
-- position and kind, not concatenated and interned per request), and share one now, so each
-- window length's current index is divided out once. Each lookup is written out
-- (`x = NUM[s]; if not x then ... end`): memo tables that fill themselves through a metatable
-- read the same, but their closures, made on every call, cost an unbatched call 20% more Redis
-- CPU (one token bucket, 9.87 -> 11.84 us).
-- A count that is not a number (a hash edited by hand) fails its request alone, as a key of
-- another type does (below), rather than the whole call.
local NOT_NUMBER = ' holds a count that is not a number (written by something else than Sluice?)'

local NUM = {}
local FW, FN, FP, FT, FF = {}, {}, {}, {}, {}
local INDEX = {}

local out = { now }
local failures = {}
local o = 1
local a = 4
local kbase = 0
for r = 1, tonumber(ARGV[3]) do
local nkeys = NUM[ARGV[a]]
if not nkeys then nkeys = tonumber(ARGV[a]); NUM[ARGV[a]] = nkeys end
a = a + 1
local status = o + 1
out[status] = 1
o = o + 1
local pending = {}
local np = 0
local admitted = true
local failure = nil
for k = kbase + 1, kbase + nkeys do
  local cost, n = NUM[ARGV[a]], NUM[ARGV[a + 1]]
  if not cost then cost = tonumber(ARGV[a]); NUM[ARGV[a]] = cost end
  if not n then n = tonumber(ARGV[a + 1]); NUM[ARGV[a + 1]] = n end
  a = a + 2
  local first = a
  local fields = {}
  local nf = 0
  for j = 0, n - 1 do
    local kind = ARGV[a]
    local fn = FN[j]
    if not fn then
      fn = j .. 'n'; FN[j] = fn; FW[j] = j .. 'w'; FP[j] = j .. 'p'; FT[j] = j .. 't'; FF[j] = j .. 'f'
    end
    if kind == 'g' then
      fields[nf + 1] = FT[j]
      nf = nf + 1
    elseif kind == 'f' then
      fields[nf + 1] = FW[j]; fields[nf + 2] = fn
      nf = nf + 2
    elseif kind == 's' then
      fields[nf + 1] = FW[j]; fields[nf + 2] = FP[j]; fields[nf + 3] = fn
      nf = nf + 3
    else
      fields[nf + 1] = fn; fields[nf + 2] = FF[j]
      nf = nf + 2
    end
    a = a + 3
  end
  fields[nf + 1] = 'x' -- when the key's TTL ends, epoch ms, as last set (see below)
  -- A key Redis refuses to read (WRONGTYPE: something else overwrote it) fails this request
  -- alone, reported after the figures; the other requests of the batch go on. Its figures are
  -- computed on empty state and nothing of it is written.
  local v = redis.pcall('HMGET', KEYS[k], unpack(fields))
  if v.err then
    failure = failure or v.err
    v = {}
  end
  local ttlEnd = v[nf + 1] and tonumber(v[nf + 1]) or 0
  local w = {}
  local nw = 0
  local expires = now
  local i = 1
  a = first
  for j = 0, n - 1 do
    local kind = ARGV[a]
    local N, W = NUM[ARGV[a + 1]], NUM[ARGV[a + 2]]
    if not N then N = tonumber(ARGV[a + 1]); NUM[ARGV[a + 1]] = N end
    if not W then W = tonumber(ARGV[a + 2]); NUM[ARGV[a + 2]] = W end
    a = a + 3
    local ok, rem, reset, retry, standing, exp
    if kind == 'g' then
      -- GCRA (Gcra.java): N is the burst B, W the emission interval T; tolerance tau = B * T.
      local tau = N * W
      local tat = v[i] and tonumber(v[i]) or 0
      local ft = fields[i]
      i = i + 1
      local base = tat > now and tat or now
      if cost > N then
        ok, reset, retry, standing = false, base, NEVER, base
        rem = tdiv(tau - (base - now), W)
      else
        local newTat = base + cost * W
        local debt = newTat - now
        if debt <= tau then
          w[nw + 1] = ft; w[nw + 2] = newTat; nw = nw + 2
          ok, rem, reset, retry, standing, exp = true, tdiv(tau - debt, W), newTat, 0, base, newTat
        else
          ok, reset, retry, standing = false, base, newTat - tau, base
          rem = tdiv(tau - (base - now), W)
        end
      end
    elseif kind == 'f' then
      -- Fixed window (FixedWindow.java).
      local index = INDEX[W]
      if not index then index = idiv(now, W); INDEX[W] = index end
      local count = 0
      local current = false
      local stored = v[i]
      if stored then -- the same string in every key counted in this window: parsed once
        local si = NUM[stored]
        if not si then si = tonumber(stored); NUM[stored] = si end
        if si == index then
          count = tonumber(v[i + 1]); current = true
          if not count then count = 0; failure = failure or ('ERR ' .. KEYS[k] .. NOT_NUMBER) end
        end
      end
      local fw, fn = fields[i], fields[i + 1]
      i = i + 2
      local e = (index + 1) * W
      standing = count == 0 and now or e
      if count + cost <= N then
        local after = count + cost
        if not current then -- the stored index is written only when the window turned over
          w[nw + 1] = fw; w[nw + 2] = index; nw = nw + 2
        end
        w[nw + 1] = fn; w[nw + 2] = after; nw = nw + 2
        ok, rem, reset, retry, exp = true, N - after, after == 0 and now or e, 0, e
      else
        ok, rem, reset, retry = false, N - count, standing, cost > N and NEVER or e
      end
    elseif kind == 's' then
      -- Sliding window (SlidingWindow.java).
      local index = INDEX[W]
      if not index then index = idiv(now, W); INDEX[W] = index end
      local e = now - index * W
      local prev, curr = 0, 0
      local current = false
      if v[i] then
        local stored = NUM[v[i]]
        if not stored then stored = tonumber(v[i]); NUM[v[i]] = stored end
        if stored == index then
          prev = tonumber(v[i + 1]); curr = tonumber(v[i + 2]); current = true
        elseif stored == index - 1 then
          prev = tonumber(v[i + 2]); curr = 0
        end
        if not (prev and curr) then
          failure = failure or ('ERR ' .. KEYS[k] .. NOT_NUMBER)
          prev, curr = prev or 0, curr or 0
        end
      end
      local fw, fp, fn = fields[i], fields[i + 1], fields[i + 2]
      i = i + 3
      local weighted = 0
      if prev > 0 then
        local q, r = mulDiv(prev, W - e, W)
        weighted = r and q + 1 or q
      end
      local available = N - curr - weighted
      standing = curr > 0 and (index + 2) * W or (prev > 0 and (index + 1) * W or now)
      if cost <= available then
        local after = curr + cost
        if not current then -- index and prev change only when the window turned over
          w[nw + 1] = fw; w[nw + 2] = index
          w[nw + 3] = fp; w[nw + 4] = prev; nw = nw + 4
        end
        w[nw + 1] = fn; w[nw + 2] = after; nw = nw + 2
        reset = after > 0 and (index + 2) * W or (prev > 0 and (index + 1) * W or now)
        ok, rem, retry, exp = true, available - cost, 0, (index + 2) * W
      else
        ok, rem, reset = false, available, standing
        if cost > N then
          retry = NEVER
        else
          retry = nil
          local slack = N - curr - cost
          if slack >= 0 and prev > 0 then
            local first = W - mulDiv(slack, W, prev)
            if first < W then retry = index * W + first end
          end
          if not retry then
            local nextFirst = 0
            if curr > 0 and N - cost < curr then -- otherwise W - floor(...) <= 0
              nextFirst = W - mulDiv(N - cost, W, curr)
            end
            retry = (index + 1) * W + nextFirst
          end
        end
      end
    else
      -- Lifetime budget (LifetimeBudget.java): W is the retention.
      local count = v[i] and tonumber(v[i]) or 0
      local forgetAt = v[i + 1] and tonumber(v[i + 1]) or 0
      local fn, ff = fields[i], fields[i + 1]
      i = i + 2
      local fresh = count == 0 or now >= forgetAt
      if fresh then
        count = 0
        forgetAt = now + W
      end
      standing = count == 0 and now or forgetAt
      if count + cost <= N then
        local after = count + cost
        w[nw + 1] = fn; w[nw + 2] = after; nw = nw + 2
        if fresh then -- the forget-at time is set when the budget starts, then kept
          w[nw + 1] = ff; w[nw + 2] = after == 0 and 0 or forgetAt; nw = nw + 2
        end
        reset = after == 0 and now or forgetAt
        ok, rem, retry, exp = true, N - after, 0, reset
      else
        ok, rem, reset, retry = false, N - count, standing, cost > N and NEVER or forgetAt
      end
    end
    if ok then
      if exp > expires then expires = exp end
    else
      admitted = false
      standing = reset -- a denied limit stands as it is
      if rem < 0 then rem = 0 end
    end
    out[o + 1] = rem
    out[o + 2] = reset
    out[o + 3] = retry
    out[o + 4] = standing
    o = o + 4
  end
  if cost > 0 then
    pending[np + 1] = KEYS[k]
    pending[np + 2] = w
    pending[np + 3] = expires
    pending[np + 4] = ttlEnd
    np = np + 4
  end
end

if failure then
  out[status] = -1
  failures[#failures + 1] = failure
elseif admitted then
  local nowMs = math.floor(now / 1000)
  for p = 1, np, 4 do
    -- Kept until every limit's state has stopped mattering (never earlier: expiry must not
    -- change a decision), rounded up to the millisecond, plus the margin. The TTL is only ever
    -- extended, and then with slack (an eighth, at least a second), so most charges of a busy
    -- key find it long enough and skip the PEXPIRE: a fixed window's key is extended once per
    -- window, a token bucket's once per eighth of its span.
    local w = pending[p + 1]
    local ttl = math.ceil((pending[p + 2] - now) / 1000) + margin
    if pending[p + 3] < nowMs + ttl then
      local slack = math.max(1000, math.floor(ttl / 8))
      w[#w + 1] = 'x'
      w[#w + 1] = nowMs + ttl + slack
      redis.call('HSET', pending[p], unpack(w))
      redis.call('PEXPIRE', pending[p], ttl + slack)
    else
      redis.call('HSET', pending[p], unpack(w))
    end
  end
else
  out[status] = 0
end
kbase = kbase + nkeys
end
for f = 1, #failures do
  out[#out + 1] = failures[f]
end
return out
