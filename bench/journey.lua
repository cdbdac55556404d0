-- One resident journey per loop: GET the form, read its hidden inputs and cookies, answer
-- every question the page shows, POST it, expect 303. Each wrk thread drives one connection,
-- so request() and response() alternate strictly and the journey state can live per thread.
--
-- Arguments (after `--`): result file, journeys per thread, form path [, second form path].
-- Journeys alternate between the form paths (before, after); latencies are measured per
-- journey with clock_gettime through LuaJIT's FFI (wrk itself only times single requests).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } cp_timespec;
int clock_gettime(int clk_id, cp_timespec *tp);
]]
local ts = ffi.new("cp_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

local COMMENTS = {
  "Great event, the officers were friendly and really listened to us.",
  "I wish the police came to our street more often, speeding is a real problem.",
  "Thank you for the food and the music, my kids loved meeting the officers.",
  "Not sure it changes anything but it was nice to talk.",
  "The lighting in the park is bad and people feel unsafe at night.",
}

-- Globals, not locals: done() reads them from each thread with thread:get().
result_file, max_journeys, paths = nil, 0, {}
stage = "get" -- "get" or "post"
started = 0
journeys = 0
failures = 0
latencies = {}
cookie = ""
body = ""
path_index = 1

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function cookie_pairs(value)
  -- wrk folds repeated headers into one value on some builds and keeps the last on others:
  -- accept both "a=1; Path=/, b=2; ..." and a single cookie.
  local jar = {}
  if value == nil then return jar end
  for name, val in value:gmatch("([%w_%-]+)=([^;,%s]*)[^,]*") do
    local lower = name:lower()
    if lower ~= "path" and lower ~= "expires" and lower ~= "max-age" and lower ~= "samesite"
      and lower ~= "domain" then
      jar[name] = val
    end
  end
  return jar
end

local function answer_form(html)
  local fields = {}
  for tag in html:gmatch("<input[^>]*>") do
    local kind = tag:match('type="([^"]*)"')
    local name = tag:match('name="([^"]*)"')
    local value = tag:match('value="([^"]*)"') or ""
    if name and kind == "hidden" then
      table.insert(fields, name .. "=" .. urlencode(value))
    end
  end
  -- Radio groups: answer "4" (Agree) where offered, else "yes", else the first option.
  local chosen, order = {}, {}
  for tag in html:gmatch('<input type="radio"[^>]*>') do
    local name = tag:match('name="([^"]*)"')
    local value = tag:match('value="([^"]*)"')
    if name and value then
      if chosen[name] == nil then table.insert(order, name) end
      if chosen[name] == nil or value == "4" or (value == "yes" and chosen[name] ~= "4") then
        chosen[name] = value
      end
    end
  end
  for _, name in ipairs(order) do
    table.insert(fields, name .. "=" .. urlencode(chosen[name]))
  end
  for name in html:gmatch('<textarea[^>]*name="([^"]*)"') do
    local comment = COMMENTS[(journeys + thread_id) % #COMMENTS + 1]
    table.insert(fields, name .. "=" .. urlencode(comment))
  end
  return table.concat(fields, "&")
end

function init(args)
  math.randomseed(thread_id * 7919 + os.time())
  result_file = args[1]
  max_journeys = tonumber(args[2])
  paths = {}
  for i = 3, #args do table.insert(paths, args[i]) end
end

function request()
  if stage == "get" then
    started = now_ms()
    return wrk.format("GET", paths[path_index], { ["Accept-Language"] = "en" })
  end
  return wrk.format("POST", paths[path_index], {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["Accept-Language"] = "en",
  }, body)
end

function response(status, headers, page)
  if stage == "get" then
    if status ~= 200 then
      failures = failures + 1
      return
    end
    local parts = {}
    local jar = cookie_pairs(headers["Set-Cookie"])
    -- wrk keeps only the last of repeated headers, so the pairing cookie the page issued is
    -- lost; send a phone's own random one instead, as a phone that kept it would.
    if jar["cp_pair"] == nil then
      jar["cp_pair"] = string.format("%08x%08x%08x%08x", math.random(0, 0x7fffffff),
        math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
    end
    for name, val in pairs(jar) do
      table.insert(parts, name .. "=" .. val)
    end
    cookie = table.concat(parts, "; ")
    if os.getenv("JOURNEY_DEBUG") then print(cookie) end
    body = answer_form(page)
    stage = "post"
    return
  end
  stage = "get"
  path_index = path_index % #paths + 1
  if status ~= 303 then
    failures = failures + 1
  else
    journeys = journeys + 1
    latencies[journeys] = now_ms() - started
  end
  if journeys + failures >= max_journeys then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(threads[1]:get("result_file"), "w"))
  out:write('{"threads": [')
  for i, thread in ipairs(threads) do
    local lat = thread:get("latencies") or {}
    local values = {}
    for j = 1, #lat do values[j] = string.format("%.3f", lat[j]) end
    out:write(string.format('%s{"journeys": %d, "failures": %d, "latencies_ms": [%s]}',
      i > 1 and ", " or "", thread:get("journeys"), thread:get("failures"),
      table.concat(values, ",")))
  end
  out:write(string.format('], "duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}',
    summary.duration, summary.requests, summary.bytes, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
  out:close()
end
