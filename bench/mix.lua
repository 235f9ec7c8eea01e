-- wrk: a read-heavy mix on the organizations list: 20 list pages (filters, sorts, pages)
-- read in turn, and one new organization per 200 requests of each thread (0.5 % writes).
local pages = {}
for _, filter in ipairs({ "", "priority=A", "priority=B", "priority=A,B", "segment=fine_dining" }) do
  for _, rest in ipairs({ "", "&sort=name", "&page=2", "&sort=city&page=3" }) do
    table.insert(pages, "/api/v1/organizations?" .. filter .. rest)
  end
end
local n = 0

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

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
