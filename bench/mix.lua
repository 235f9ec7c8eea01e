-- wrk: a read-heavy mix on the organizations list: 20 list pages (filters, sorts, pages)
-- read in turn, and one new organization per 200 requests of each thread (0.5 % writes).
local pages = {}
for _, filter in ipairs({ "", "priority=A", "priority=B", "priority=A,B", "segment=fine_dining" }) do
  for _, rest in ipairs({ "", "&sort=name", "&page=2", "&sort=city&page=3" }) do
    table.insert(pages, "/api/v1/organizations?" .. filter .. rest)
  end
end
local n = 0

-- The RESULT line, as for the single-path runs (bench/run.sh runs from the repository root).
dofile("bench/report.lua")

request = function()
  n = n + 1
  if n % 200 == 0 then
    local body = string.format('{"name": "Bench Bistro %d-%d", "priority": "B"}', math.random(1e9), n)
    -- Headers given here replace wrk's own (the session cookie from -H): copy them over.
    local headers = { ["Content-Type"] = "application/json" }
    for name, value in pairs(wrk.headers) do headers[name] = value end
    return wrk.format("POST", "/api/v1/organizations", headers, body)
  end
  return wrk.format("GET", pages[(n % #pages) + 1])
end
