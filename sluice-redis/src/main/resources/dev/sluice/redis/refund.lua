-- Sluice: give back a charge that charge.lua made in one hash slot when another slot of the same
-- request denied it (Redis Cluster only; see docs/redis.md, "All or nothing across slots").
--
-- ARGV[1]  the charge's time, epoch micros (the 'now' charge.lua returned)
-- then, for each key in order: cost, number of limits L, and L quintuples (kind, a, b, x, y):
-- kind, a, b as in charge.lua, and the limit's reset (x) and standing reset (y) from the charge:
-- for 'g' the arrival time the charge wrote and the one it replaced, for 'l' the forget-at of the
-- budget it charged; otherwise unused.
--
-- Counts are given back exactly: in the window they were charged to (a sliding window's count
-- may have moved to "previous"), never below 0, and not at all if that window has passed. A GCRA
-- timestamp is restored exactly if no other request charged since; otherwise it is moved back by
-- cost * T, which can credit at most the time elapsed between the charge and this refund.
-- The key's TTL is left as it is (KEEPTTL): giving back never makes the state matter for longer.

local chargedAt = tonumber(ARGV[1])

local function idiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end

local function less(v, cost)
  local left = v - cost
  return left < 0 and 0 or left
end

local SLOTS = { g = 1, f = 2, s = 3, l = 2 }

local a = 2
for k = 1, #KEYS do
  local key = KEYS[k]
  local cost = tonumber(ARGV[a])
  local n = tonumber(ARGV[a + 1])
  a = a + 2
  local nf = 0
  for j = 1, n do
    nf = nf + SLOTS[ARGV[a + 5 * (j - 1)]]
  end
  local format = '<' .. string.rep('d', nf + 1) -- and the TTL's end (see charge.lua)
  local packed = redis.call('GET', key)
  local v = packed and #packed == 8 * (nf + 1) and { struct.unpack(format, packed) }
  local i = 1
  for j = 1, n do
    local kind, pb = ARGV[a], tonumber(ARGV[a + 2])
    local x, y = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    a = a + 5
    if not v then
      -- expired (or not a bucket): nothing to give back
    elseif kind == 'f' then
      if v[i] == idiv(chargedAt, pb) then
        v[i + 1] = less(v[i + 1], cost)
      end
    elseif kind == 's' then
      local index = idiv(chargedAt, pb)
      if v[i] == index then
        v[i + 2] = less(v[i + 2], cost)
      elseif v[i] == index + 1 then
        v[i + 1] = less(v[i + 1], cost)
      end
    elseif kind == 'g' then
      if v[i] == x then
        v[i] = y
      elseif v[i] ~= 0 then
        v[i] = v[i] - cost * pb
      end
    else
      if v[i + 1] == x then -- the budget charged, not a later one
        v[i] = less(v[i], cost)
      end
    end
    i = i + SLOTS[kind]
  end
  if v then
    redis.call('SET', key, struct.pack(format, unpack(v, 1, nf + 1)), 'KEEPTTL')
  end
end
return 1
