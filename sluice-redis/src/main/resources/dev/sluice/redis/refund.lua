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
-- The key's TTL is left as it is: giving back never makes the state matter for longer.

local chargedAt = tonumber(ARGV[1])

local function idiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end

local function s(x)
  return string.format('%.0f', x)
end

local function less(v, cost)
  local left = tonumber(v) - cost
  return left < 0 and 0 or left
end

local a = 2
for k = 1, #KEYS do
  local key = KEYS[k]
  local cost = tonumber(ARGV[a])
  local n = tonumber(ARGV[a + 1])
  a = a + 2
  for j = 1, n do
    local kind, pb = ARGV[a], tonumber(ARGV[a + 2])
    local x, y = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    a = a + 5
    local f = (j - 1) .. ''
    if kind == 'f' then
      local v = redis.call('HMGET', key, f .. 'w', f .. 'n')
      if v[1] and tonumber(v[1]) == idiv(chargedAt, pb) then
        redis.call('HSET', key, f .. 'n', s(less(v[2], cost)))
      end
    elseif kind == 's' then
      local v = redis.call('HMGET', key, f .. 'w', f .. 'p', f .. 'n')
      if v[1] then
        local index = idiv(chargedAt, pb)
        local stored = tonumber(v[1])
        if stored == index then
          redis.call('HSET', key, f .. 'n', s(less(v[3], cost)))
        elseif stored == index + 1 then
          redis.call('HSET', key, f .. 'p', s(less(v[2], cost)))
        end
      end
    elseif kind == 'g' then
      local v = redis.call('HGET', key, f .. 't')
      if v then
        local tat = tonumber(v)
        if tat == x then
          redis.call('HSET', key, f .. 't', s(y))
        else
          redis.call('HSET', key, f .. 't', s(tat - cost * pb))
        end
      end
    else
      local v = redis.call('HMGET', key, f .. 'n', f .. 'f')
      if v[1] and tonumber(v[2]) == x then -- the budget charged, not a later one
        redis.call('HSET', key, f .. 'n', s(less(v[1], cost)))
      end
    end
  end
end
return 1
