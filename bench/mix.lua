-- wrk: a read-heavy mix. Half the requests read the 20 organization list pages (filters,
-- sorts, pages) in turn, half read the 50 organizations of a working set one by one (ids in
-- target/bench/ids.txt, written by bench/run.sh); one request per 200 of each thread creates
-- an organization (0.5 % writes).
local pages = {}
for _, filter in ipairs({ "", "priority=A", "priority=B", "priority=A,B", "segment=fine_dining" }) do
  for _, rest in ipairs({ "", "&sort=name", "&page=2", "&sort=city&page=3" }) do
    table.insert(pages, "/api/v1/organizations?" .. filter .. rest)
  end
end
local ids = {}
for id in io.lines("target/bench/ids.txt") do
  table.insert(ids, id)
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
  if n % 2 == 0 then
    return wrk.format("GET", pages[(n / 2 % #pages) + 1])
  end
  return wrk.format("GET", "/api/v1/organizations/" .. ids[((n - 1) / 2 % #ids) + 1])
end
