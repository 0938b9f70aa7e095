-- wrk script for bench/review.py: POST /review/answer with valid answers, or plain GETs.
--
--   wrk -t THREADS ... -s bench/wrk_answer.lua URL -- answer PAIRS_FILE COOKIE CSRF_TOKEN RUN THREADS
--   wrk ... -s bench/wrk_answer.lua URL -- plain
--
-- PAIRS_FILE has one "card_id version" line per card that is answerable now. Thread k of n
-- answers lines k, k + n, k + 2n, ..., each once, with a request id unique to the thread and
-- request, so every request is a first answer of a different card at its current version. A
-- thread that runs out of cards repeats its last one (the server then answers 409, which is
-- counted, and `exhausted` says so). `done` prints one JSON line starting with WRK_JSON.

local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("tid", next_thread)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "plain"
  statuses = {}
  exhausted = 0
  if mode ~= "answer" then
    request = nil -- wrk sends its default GET of the URL
    return
  end
  local path, cookie, token, run = args[2], args[3], args[4], args[5]
  local nthreads = tonumber(args[6])
  cards = {}
  local line_number = 0
  for line in io.lines(path) do
    if line_number % nthreads + 1 == tid then
      local id, version = line:match("^(%d+) (%d+)$")
      table.insert(cards, { id, version })
    end
    line_number = line_number + 1
  end
  position = 0
  prefix = string.format("%s-%d-", run, tid)
  headers = {
    ["Content-Type"] = "application/json",
    ["Cookie"] = cookie,
    ["X-CSRFToken"] = token,
  }
end

function request()
  position = position + 1
  local card = cards[position]
  if card == nil then
    exhausted = exhausted + 1
    card = cards[#cards]
  end
  local body = string.format(
    '{"card": %s, "version": %s, "rating": 3, "request": "%s%d"}',
    card[1], card[2], prefix, position
  )
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local codes, used, out_of_cards = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      codes[status] = (codes[status] or 0) + count
    end
    out_of_cards = out_of_cards + (thread:get("exhausted") or 0)
  end
  local parts = {}
  for status, count in pairs(codes) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us": %d, "requests": %d, "bytes": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"exhausted": %d, "latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p90": %d, '
      .. '"p99": %d, "p999": %d}}\n',
    summary.duration, summary.requests, summary.bytes, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.status, e.timeout, out_of_cards,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)
  ))
end
