-- Mixed read/write workload for `make soak`: 80% REST reads, 10% GraphQL, 10% pledge
-- submissions (each with its own Idempotency-Key). wrk counts non-2xx/3xx answers.
local reads = {
  "/v1/forums", "/v1/forums/RCM", "/v1/forums/MIRPS/participants", "/v1/actors?limit=50",
  "/v1/participations?forum=RCM", "/v1/pledges?limit=20", "/v1/events", "/v1/funding-shares",
  "/v1/pledges/summary?group_by=forum", "/v1/sources?limit=20", "/healthz", "/readyz",
}
local graphql = '{"query":"{ forums(first: 10) { edges { node { code name participants { role actor { id name } } } } } }"}'
local counter = 0
local secret = os.getenv("SOAK_SECRET")
local made = 0

-- Each thread tags its keys, so no two submissions share an Idempotency-Key.
function setup(thread)
  made = made + 1
  thread:set("tag", made .. "-" .. os.time())
end

request = function()
  counter = counter + 1
  local roll = counter % 10
  if roll == 0 and secret then
    local body = string.format(
      '{"pledgers":["CAN"],"forum":"MIRPS-SP","kind":"technical","scope":"regional","title":"Soak pledge %s-%d","gcm_objectives":[23]}',
      tag, counter)
    return wrk.format("POST", "/v1/pledges", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. secret,
      ["Idempotency-Key"] = "soak-" .. tag .. "-" .. counter,
    }, body)
  elseif roll == 5 then
    return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json"}, graphql)
  end
  return wrk.format("GET", reads[(counter % #reads) + 1])
end
