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
-- ARGV[3]  the number of rules S, then each rule once: its number of limits L, and L triples
--          (kind, a, b), which also say the bucket's state, a slot per number:
--   'f' fixed window     a = permits  b = window micros      slots: index, count
--   's' sliding window   a = permits  b = window micros      slots: index, previous count, count
--   'g' GCRA             a = burst    b = interval T micros  slots: theoretical arrival time
--   'l' lifetime budget  a = permits  b = retention micros   slots: count, forget-at
-- then the number of requests R, then for each request: its number of keys K (its keys are the
-- next K of KEYS), '1' if it is a dry run (evaluated as usual, never written) else '0', then for
-- each of its keys in order: cost, and its rule's number (from 1).
-- Returns {now, then per request: admitted 1|0 (or -1: failed, see below), then per limit:
-- remaining, reset, retryAt (0 = passed, -1 = never), standingReset}, then the error of each
-- failed request, in order. The caller reports a limit that passed in a denied request "as it
-- stands" (remaining + cost, standingReset), as the in-memory store does.
--
-- A bucket is one string: its rule's slots, limit by limit, then when the key's TTL ends (epoch
-- ms), as little-endian doubles (struct.pack), read with one GET and written whole by one SET
-- (KEEPTTL, or PX when the TTL must grow). A bucket is written only when the request is admitted
-- and its cost is not 0, and it is not a dry run, so reads and dry runs write nothing.
-- (Until v2 of the layout, a hash with a field per slot: parsing and printing the fields'
-- decimal strings, HSET's field lookups and a separate PEXPIRE cost Redis 20 to 30% more per
-- request; see BENCHMARKS.md.)
--
-- Lua numbers are doubles, exact for integers below 2^53 (285 years of micros); RedisStore refuses
-- limits that could take a value past that. The one product that can exceed it, the sliding
-- window's count times a span of micros, goes through mulDiv, which is exact.

if redis.replicate_commands then redis.replicate_commands() end -- Redis 6: TIME, then writes

-- Library functions as locals: a global is a table lookup on every use, a local a register.
local floor, ceil, max, tonumber, unpack = math.floor, math.ceil, math.max, tonumber, unpack
local pack, unpackBytes, rcall, rpcall = struct.pack, struct.unpack, redis.call, redis.pcall

local now
if ARGV[1] == '' then
  local t = rcall('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local margin = tonumber(ARGV[2])
local TWO53 = 9007199254740992
local NEVER = -1

-- floor(a / b) for integers 0 <= a < 2^53, b > 0 (the double quotient, corrected by one).
local function idiv(a, b)
  local q = floor(a / b)
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

-- The meters are inlined in the loop below rather than written as functions: the script runs
-- once per request, Lua creates a closure for every local function on every run, and
-- interpreting the script costs more than the Redis commands it makes. Each branch mirrors one
-- Java meter line for line; for a limit it yields ok, rem(aining), reset, retry(At), standing
-- (reset) and exp(iresAt), and updates the bucket's slots in v (written only if admitted).
-- Per-call memos, which batching makes pay: the requests of a call share their rules' figures
-- (parsed once per call), repeat the same small numbers (parsed once per distinct string), and
-- share one now, so each window length's current index is divided out once. Each lookup is written out
-- (`x = NUM[s]; if not x then ... end`): memo tables that fill themselves through a metatable
-- read the same, but their closures, made on every call, cost an unbatched call 20% more Redis
-- CPU (one token bucket, 9.87 -> 11.84 us).
-- A key that holds something else than a bucket of this rule (a value of another length,
-- written by hand) fails its request alone, as a key of another type does (below), rather than
-- the whole call.
local NOT_BUCKET = ' holds a value that is not a Sluice bucket of this rule (written by something else?)'

local INDEX = {}
-- Every kind the script counts, with its number of slots; a kind not here fails the call at once
-- (RedisGroup refuses it before), and each has its branch below (no branch is a fallback).
local SLOTS = { g = 1, f = 2, s = 3, l = 2 }

-- The rules, each described once per call however many of its buckets the call charges: per
-- rule, its limits' kinds and figures, its number of state slots, and struct's format for them.
local KINDS, AS, BS, LIMITS, SLOTCOUNT, FORMAT = {}, {}, {}, {}, {}, {}
local a = 4
for s = 1, tonumber(ARGV[3]) do
  local n = tonumber(ARGV[a])
  a = a + 1
  local kinds, as, bs, nf = {}, {}, {}, 0
  for j = 1, n do
    kinds[j] = ARGV[a]; as[j] = tonumber(ARGV[a + 1]); bs[j] = tonumber(ARGV[a + 2])
    nf = nf + SLOTS[ARGV[a]]
    a = a + 3
  end
  KINDS[s], AS[s], BS[s], LIMITS[s], SLOTCOUNT[s] = kinds, as, bs, n, nf
  FORMAT[s] = '<' .. string.rep('d', nf + 1) -- and the TTL's end
end

local NUM = {} -- the numbers of the requests' arguments, parsed once per distinct string
local out = { now }
local failures = {}
local o = 1
local kbase = 0
local nowMs = floor(now / 1000)
local pending = {} -- a request's charged buckets, written if it is admitted: reused
local requests = tonumber(ARGV[a])
a = a + 1
for r = 1, requests do
local nkeys = NUM[ARGV[a]]
if not nkeys then nkeys = tonumber(ARGV[a]); NUM[ARGV[a]] = nkeys end
a = a + 1
local dry = ARGV[a] == '1'
a = a + 1
local status = o + 1
out[status] = 1
o = o + 1
local np = 0
local admitted = true
local failure = nil
for k = kbase + 1, kbase + nkeys do
  local cost, rule = NUM[ARGV[a]], NUM[ARGV[a + 1]]
  if not cost then cost = tonumber(ARGV[a]); NUM[ARGV[a]] = cost end
  if not rule then rule = tonumber(ARGV[a + 1]); NUM[ARGV[a + 1]] = rule end
  a = a + 2
  local n, nf, format = LIMITS[rule], SLOTCOUNT[rule], FORMAT[rule]
  local kinds, as, bs = KINDS[rule], AS[rule], BS[rule]
  -- A key Redis refuses to read (WRONGTYPE: something else overwrote it) fails this request
  -- alone, reported after the figures; the other requests of the batch go on. Its figures are
  -- computed on empty state and nothing of it is written. A missing key reads as all zeros,
  -- which every meter reads as a fresh bucket.
  local packed = rpcall('GET', KEYS[k])
  local v
  if packed and #packed == 8 * (nf + 1) then
    v = { unpackBytes(format, packed) }
  else
    if type(packed) == 'table' then
      failure = failure or packed.err
    elseif packed then
      failure = failure or ('ERR ' .. KEYS[k] .. NOT_BUCKET)
    end
    v = {}
    for i = 1, nf + 1 do v[i] = 0 end
  end
  local expires = now
  local i = 1
  for j = 1, n do
    local kind, N, W = kinds[j], as[j], bs[j]
    local ok, rem, reset, retry, standing, exp
    if kind == 'g' then
      -- GCRA (Gcra.java): N is the burst B, W the emission interval T; tolerance tau = B * T.
      local tau = N * W
      local tat = v[i]
      local ft = i
      i = i + 1
      local base = tat > now and tat or now
      if cost > N then
        ok, reset, retry, standing = false, base, NEVER, base
        rem = tdiv(tau - (base - now), W)
      else
        local newTat = base + cost * W
        local debt = newTat - now
        if debt <= tau then
          v[ft] = newTat
          ok, rem, reset, retry, standing, exp = true, idiv(tau - debt, W), newTat, 0, base, newTat
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
      if v[i] == index then count = v[i + 1] end
      local fw, fn = i, i + 1
      i = i + 2
      local e = (index + 1) * W
      standing = count == 0 and now or e
      if count + cost <= N then
        local after = count + cost
        v[fw] = index; v[fn] = after
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
      local stored = v[i]
      if stored == index then
        prev = v[i + 1]; curr = v[i + 2]
      elseif stored == index - 1 then
        prev = v[i + 2]
      end
      local fw, fp, fn = i, i + 1, i + 2
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
        v[fw] = index; v[fp] = prev; v[fn] = after
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
    elseif kind == 'l' then
      -- Lifetime budget (LifetimeBudget.java): W is the retention.
      local count = v[i]
      local forgetAt = v[i + 1]
      local fn, ff = i, i + 1
      i = i + 2
      local fresh = count == 0 or now >= forgetAt
      if fresh then
        count = 0
        forgetAt = now + W
      end
      standing = count == 0 and now or forgetAt
      if count + cost <= N then
        local after = count + cost
        v[fn] = after
        v[ff] = after == 0 and 0 or forgetAt -- set when the budget starts, then kept
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
    pending[np + 2] = v
    pending[np + 3] = nf + 1
    pending[np + 4] = format
    pending[np + 5] = expires
    np = np + 5
  end
end

if failure then
  out[status] = -1
  failures[#failures + 1] = failure
elseif admitted then
  if dry then np = 0 end -- a dry run: admitted, and nothing written
  for p = 1, np, 5 do
    -- Kept until every limit's state has stopped mattering (never earlier: expiry must not
    -- change a decision), rounded up to the millisecond, plus the margin. The state's last
    -- number is when the key's TTL ends (epoch ms), as last set. The TTL is only ever extended,
    -- and then with slack (an eighth, at least a second), so most charges of a busy key find it
    -- long enough and write with KEEPTTL: a SET with PX costs Redis a fifth more (it converts
    -- the TTL to an absolute time, and rewrites the command so for replication).
    local v, x = pending[p + 1], pending[p + 2]
    local ttl = ceil((pending[p + 4] - now) / 1000) + margin
    if v[x] < nowMs + ttl then
      local slack = max(1000, floor(ttl / 8))
      v[x] = nowMs + ttl + slack
      rcall('SET', pending[p], pack(pending[p + 3], unpack(v, 1, x)), 'PX', ttl + slack)
    else
      rcall('SET', pending[p], pack(pending[p + 3], unpack(v, 1, x)), 'KEEPTTL')
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
