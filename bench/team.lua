-- wrk: a team at work. Eight sales reps and their manager, each with their own session,
-- take turns; every user reads list pages (10 filters and sorts) and the organizations of
-- their own working set (25 each) in turn, and one request in 200 of each thread creates an
-- organization (a rep's own, or an unassigned one for the manager): 0.5 % writes.
-- target/bench/team.txt (written by bench/run.sh): one line per user, "cookie|user id|id,id,…".
local users = {}
for line in io.lines("target/bench/team.txt") do
  local cookie, user, ids = line:match("^([^|]*)|([^|]*)|(.*)$")
  local list = {}
  for id in ids:gmatch("[^,]+") do table.insert(list, id) end
  table.insert(users, { cookie = cookie, id = user, ids = list })
end
local pages = {}
for _, filter in ipairs({ "", "priority=A", "priority=B", "segment=fine_dining", "priority=A,B" }) do
  for _, rest in ipairs({ "", "&sort=city" }) do
    table.insert(pages, "/api/v1/organizations?" .. filter .. rest)
  end
end
local n = 0

dofile("bench/report.lua")

request = function()
  n = n + 1
  local user = users[(n % #users) + 1]
  local turn = math.floor(n / #users)
  local headers = { Cookie = user.cookie, Accept = "application/json" }
  if n % 200 == 0 then
    headers["Content-Type"] = "application/json"
    local assignee = user.id ~= "" and string.format(', "assigned_user_id": "%s"', user.id) or ""
    local body = string.format('{"name": "Team Bistro %d-%d", "priority": "B"%s}', math.random(1e9), n, assignee)
    return wrk.format("POST", "/api/v1/organizations", headers, body)
  end
  if turn % 2 == 0 then
    return wrk.format("GET", pages[(math.floor(turn / 2) % #pages) + 1], headers)
  end
  return wrk.format("GET", "/api/v1/organizations/" .. user.ids[(math.floor(turn / 2) % #user.ids) + 1], headers)
end
