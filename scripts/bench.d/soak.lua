-- wrk script for scripts/soak: cycles through valid and invalid requests to the example app and
-- counts every answer whose status is not the one expected for its request.
-- SOAK_ACTION: the sign-in action's URL (a same-origin POST that answers 303).

local action = os.getenv("SOAK_ACTION")
local cases = {
  -- method, path, headers, body, expected status
  { "GET", "/", {}, nil, 200 },
  { "POST", action, { ["Sec-Fetch-Site"] = "same-origin", ["Content-Type"] = "application/x-www-form-urlencoded" }, "name=soak", 303 },
  { "POST", action, { ["Sec-Fetch-Site"] = "same-origin", ["Content-Type"] = "application/x-www-form-urlencoded" }, "name=", 303 },
  { "POST", action, { ["Sec-Fetch-Site"] = "cross-site", ["Content-Type"] = "application/x-www-form-urlencoded" }, "name=evil", 403 },
  { "POST", action, { ["Sec-Fetch-Site"] = "same-origin", ["Content-Type"] = "text/plain" }, "name=x", 415 },
  { "POST", action, { ["Sec-Fetch-Site"] = "same-origin", ["Content-Type"] = "application/x-www-form-urlencoded" }, "name=%ZZ", 400 },
  { "POST", action, { ["Sec-Fetch-Site"] = "same-origin", ["Content-Type"] = "application/x-www-form-urlencoded" }, "name=a&extra=1", 303 },
  { "POST", "/_actum/no.such.action", { ["Sec-Fetch-Site"] = "same-origin", ["Content-Type"] = "application/json" }, "{}", 404 },
  { "GET", action, {}, nil, 405 },
  { "GET", "/posts/999999", {}, nil, 404 },
}

local requests = {}
local expected = {}
counter = 0
unexpected = 0
surprises = ""

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for i, case in ipairs(cases) do
    requests[i] = wrk.format(case[1], case[2], case[3], case[4])
    expected[i] = case[5]
  end
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

-- Each wrk thread drives one connection (scripts/soak runs -t N -c N), so the answer is to the
-- request this thread sent last.
function response(status, headers, body)
  if status ~= expected[counter] then
    unexpected = unexpected + 1
    if #surprises < 400 then
      surprises = surprises .. string.format(" [case %d: %d, expected %d]", counter, status, expected[counter])
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  local details = ""
  for _, thread in ipairs(threads) do
    total = total + thread:get("unexpected")
    details = details .. thread:get("surprises")
  end
  io.write(string.format("soak requests: %d\n", summary.requests))
  io.write(string.format("soak socket errors: %d\n", summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
  io.write(string.format("soak unexpected statuses: %d%s\n", total, details))
end
