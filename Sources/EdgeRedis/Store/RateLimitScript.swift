/// The Lua script that decides one or two buckets atomically inside Redis, with exactly the arithmetic of
/// EdgeCore's `FixedWindow`, `TokenBucket` (GCRA) and `SlidingWindow`, so a decision and its headers do not
/// depend on which store (or which instance) answered.
///
/// Exactness: Redis's Lua numbers are doubles, exact only below 2^53, while the clock is in nanoseconds since
/// the epoch (~2^60). So the caller passes `now` as seconds and nanoseconds, stored instants are kept the same
/// way, and the script computes only with offsets from `now`, which stay below 2^53 for any period under
/// 104 days. Products that would not (the sliding window's `previous * (period - elapsed)`) go through
/// `muldiv`, an exact `floor(a * b / c)` by binary long multiplication. Integer division is corrected after
/// the floating division so it is exact too.
///
/// Arguments: `KEYS` = one or two buckets; `ARGV` = now_seconds, now_nanoseconds, ttl_margin_ms, then per key
/// algorithm (1 fixed window, 2 GCRA, 3 sliding window), limit, period_ns, dry_run (0/1).
/// Reply: per key allowed (0/1), remaining, reset_offset_ns, retry_after_ns (offsets from now).
/// A bucket is written (`SET ... PX`) only when every enforced bucket passes and it allowed the request.
/// Value of a key: `<seconds> <nanoseconds> <a> <b>`: the instant (window start, or GCRA's TAT) and counts
/// (fixed window: a = count; sliding window: a = previous, b = current).
enum RateLimitScript {
    static let source = """
        local E9 = 1000000000
        local now_s = tonumber(ARGV[1])
        local now_ns = tonumber(ARGV[2])
        local margin = tonumber(ARGV[3])

        local function idiv(a, b)
          local q = math.floor(a / b)
          if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
          return q
        end

        local function muldiv(a, b, c)
          local bq = idiv(b, c)
          local br = b - bq * c
          local bits = {}
          local x = a
          while x > 0 do
            local bit = x % 2
            bits[#bits + 1] = bit
            x = (x - bit) / 2
          end
          local q, r = 0, 0
          for i = #bits, 1, -1 do
            q = q * 2
            if r >= c - r then r = r - (c - r); q = q + 1 else r = r + r end
            if bits[i] == 1 then
              if r >= c - br then r = r - (c - br); q = q + 1 else r = r + br end
            end
          end
          return a * bq + q, r
        end

        local function offset(s, ns) return (s - now_s) * E9 + (ns - now_ns) end

        local function fixed(limit, period, st)
          local start, count = 0, 0
          if st and st[1] + period > 0 then start = st[1]; count = st[2] end
          local reset = start + period
          if count >= limit then return 0, 0, reset, reset end
          return 1, limit - count - 1, reset, 0, {start, count + 1, 0}, reset
        end

        local function gcra(limit, period, st)
          local interval = idiv(period, limit)
          if interval < 1 then interval = 1 end
          local tolerance = interval * limit
          local tat = 0
          if st and st[1] > 0 then tat = st[1] end
          local new_tat = tat + interval
          local allow_at = new_tat - tolerance
          if allow_at > 0 then return 0, 0, tat, allow_at end
          local remaining = idiv(tolerance - new_tat, interval)
          if remaining < 0 then remaining = 0 end
          return 1, remaining, new_tat, 0, {new_tat, 0, 0}, new_tat
        end

        local function sliding(limit, period, st)
          local start, previous, current = 0, 0, 0
          if st and st[1] + 2 * period > 0 then
            local windows = 0
            if st[1] < 0 then windows = idiv(-st[1], period) end
            if windows == 0 then start = st[1]; previous = st[2]; current = st[3]
            elseif windows == 1 then start = st[1] + period; previous = st[3] end
          end
          local elapsed = -start
          if elapsed < 0 then elapsed = 0 end
          local room = limit - current - 1
          local q, r = muldiv(previous, period - elapsed, period)
          if r > 0 then q = q + 1 end
          if q <= room then
            return 1, room - q, start + 2 * period, 0, {start, previous, current + 1}, start + 2 * period
          end
          local retry_at
          if current + 1 <= limit and previous > 0 then
            retry_at = start + period - muldiv(room, period, previous)
          else
            local slide = 0
            if current > 0 then slide = period - muldiv(limit - 1, period, current) end
            retry_at = start + period + slide
          end
          local reset = start + period
          if current > 0 then reset = start + 2 * period end
          if retry_at < 1 then retry_at = 1 end
          return 0, 0, reset, retry_at
        end

        local reply = {}
        local writes = {}
        local pass = true
        for i = 1, #KEYS do
          local base = 3 + (i - 1) * 4
          local algorithm = tonumber(ARGV[base + 1])
          local limit = tonumber(ARGV[base + 2])
          local period = tonumber(ARGV[base + 3])
          local dry = ARGV[base + 4] == '1'
          local st = nil
          local raw = redis.call('GET', KEYS[i])
          if raw then
            local s, ns, a, b = string.match(raw, '^(%-?%d+) (%d+) (%d+) (%d+)$')
            if s then st = {offset(tonumber(s), tonumber(ns)), tonumber(a), tonumber(b)} end
          end
          local allowed, remaining, reset, retry, new, expires
          if limit <= 0 then
            allowed, remaining, reset, retry = 0, 0, period, period
          elseif algorithm == 1 then
            allowed, remaining, reset, retry, new, expires = fixed(limit, period, st)
          elseif algorithm == 2 then
            allowed, remaining, reset, retry, new, expires = gcra(limit, period, st)
          else
            allowed, remaining, reset, retry, new, expires = sliding(limit, period, st)
          end
          reply[#reply + 1] = allowed
          reply[#reply + 1] = remaining
          reply[#reply + 1] = reset
          reply[#reply + 1] = retry
          if allowed == 0 and not dry then pass = false end
          if allowed == 1 then writes[#writes + 1] = {KEYS[i], new, expires} end
        end
        if pass then
          for _, w in ipairs(writes) do
            local ns = now_ns + w[2][1]
            local carry = idiv(ns, E9)
            local value = string.format('%d %d %d %d', now_s + carry, ns - carry * E9, w[2][2], w[2][3])
            local ttl = idiv(w[3] + 999999, 1000000) + margin
            redis.call('SET', w[1], value, 'PX', string.format('%d', ttl))
          end
        end
        return reply
        """

    /// What `EVALSHA` names the script by: the SHA-1 of its source, as Redis computes it.
    static let sha1 = SHA1.hexDigest(source)
}
