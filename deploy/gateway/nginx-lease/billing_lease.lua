-- Quotas counted in nginx from leases granted by the billing API (see nginx.conf beside this file and the README,
-- "Gateway enforcement"). Per request: one atomic decrement of the lease's remaining units in a shared dict (all
-- workers see it), no call to the billing API. When a tenant's lease on a route runs out, one request fetches the next
-- (a lock taken with dict:add) while the others wait briefly, then count on it or get the API's denial; a lease three
-- quarters used has its successor fetched ahead in the background, so that wait is rare. Worker 0
-- reports each lease's cumulative count every report_interval and closes it (final report) when it is used up, about
-- to expire, or nginx stops gracefully.
local cjson = require "cjson.safe"

local M = {}

local conf = {
  relay_host = "127.0.0.1", -- the loopback server of nginx.conf that proxies to the billing API's replicas
  relay_port = 8081,
  lease_units = 100,        -- requests asked for by a tenant's first lease on a route (the API grants fewer near a hard cap)
  max_lease_units = 10000,  -- a lease used up within grow_within asks for twice as many next time, up to this (Gateway:Leases:MaxUnits)
  grow_within = 2,          -- seconds; a slot whose last lease is older than shrink_after asks for half as many (not below lease_units)
  shrink_after = 10,
  report_interval = 1,      -- seconds between usage reports: at most this much counted usage is lost if nginx is killed
  wait = 1,                 -- seconds a request waits for another's lease fetch before the failure policy applies
  deny_for = 1,             -- seconds a denial (429, 402, 401) answers a tenant's route without asking again
  routes_for = 60,          -- seconds the route table is kept before it is asked again
  finish_before = 2,        -- seconds before a lease's expiry that it is no longer counted on and is closed
  timeout_ms = 2000,        -- connect, send and read timeouts of calls to the billing API
  key_header = "authorization",
}

local leases = ngx.shared.billing_leases

local key_variable = "http_authorization"
local PASSED_ON = { "retry-after", "www-authenticate", "x-quota-metric", "x-quota-limit", "x-quota-used", "x-quota-remaining",
  "x-quota-reset", "x-quota-warning" }
local UNAVAILABLE = '{"type":"https://billing-aspire.dev/problems/quota-authorizer-unavailable","title":"Quota check unavailable",'
  .. '"status":503,"detail":"The billing API could not decide this request; it was not let through. Try again shortly."}'
local REFUSED = '{"type":"https://billing-aspire.dev/problems/gateway-route-refused","title":"Route not metered","status":403,'
  .. '"detail":"No entry of Gateway:Routes matches this request and unmatched routes are refused (Gateway:UnmatchedRoutes=Refuse)."}'
local TAKE_ALL = 1e12

function M.configure(options)
  for name, value in pairs(options) do conf[name] = value end
  key_variable = "http_" .. conf.key_header:lower():gsub("-", "_")
end

-- One HTTP/1.0 call through the relay (its answer ends when the relay closes the connection, never chunked).
local function call(method, path, key, body, forwarded_for)
  local sock = ngx.socket.tcp()
  sock:settimeouts(conf.timeout_ms, conf.timeout_ms, conf.timeout_ms)
  local ok, err = sock:connect(conf.relay_host, conf.relay_port)
  if not ok then return nil, err end
  local request = { method, " ", path, " HTTP/1.0\r\nHost: billing-api\r\n" }
  if key ~= "" then
    request[#request + 1] = "Authorization: " .. (key:sub(1, 7):lower() == "bearer " and key or "Bearer " .. key) .. "\r\n"
  end
  if forwarded_for then request[#request + 1] = "X-Forwarded-For: " .. forwarded_for .. "\r\n" end
  if body then request[#request + 1] = "Content-Type: application/json\r\nContent-Length: " .. #body .. "\r\n" end
  request[#request + 1] = "\r\n"
  request[#request + 1] = body or ""
  ok, err = sock:send(table.concat(request))
  if not ok then sock:close() return nil, err end
  local line
  line, err = sock:receive("*l")
  local status = line and tonumber(line:match("^HTTP/%d%.%d (%d%d%d)"))
  if not status then sock:close() return nil, err or "no status line" end
  local headers = {}
  while true do
    line, err = sock:receive("*l")
    if not line then sock:close() return nil, err end
    if line == "" then break end
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    if name then headers[name:lower()] = value end
  end
  local rest = sock:receive("*a")
  sock:close()
  return { status = status, headers = headers, body = rest or "" }
end

local function problem(status, body, headers)
  ngx.status = status
  for name, value in pairs(headers or {}) do ngx.header[name] = value end
  ngx.header["Content-Type"] = "application/problem+json"
  ngx.print(body)
  return ngx.exit(status)
end

-- A denial of the billing API (401, 402, 403, 429), passed to the client with its status, headers and problem body.
local function pass_on(answer)
  local headers = {}
  for _, name in ipairs(PASSED_ON) do headers[name] = answer.headers[name] end
  return problem(answer.status, answer.body, headers)
end

local function denial(answer)
  return answer.status == 401 or answer.status == 402 or answer.status == 403 or answer.status == 429
end

-- The location's failure policy ($billing_on_failure): "open" lets the request through uncounted, "closed" refuses it.
local function unavailable()
  if ngx.var.billing_on_failure == "open" then return end
  return problem(503, UNAVAILABLE, { ["Retry-After"] = "5" })
end

local function sleep_while(name)
  local deadline = ngx.now() + conf.wait
  repeat ngx.sleep(0.002) until not leases:get(name) or ngx.now() >= deadline
end

-- The route table, compiled once per worker for each version fetched.
-- A worker trusts its compiled copy for a second before it looks at the shared one again (copying the table out of the
-- shared dict on every request cost a measurable share of the gateway's time).
local compiled = { raw = nil, checked = 0 }

local function compile(raw)
  local table_ = cjson.decode(raw)
  if not table_ then return nil end
  for index, route in ipairs(table_.routes) do
    route.index = index
    route.any_method = route.method == nil or route.method == cjson.null
    route.regex = "^" .. route.path:gsub("[^%w/*]", "\\%0"):gsub("%*", ".*") .. "$"
    route.consumes = next(route.consume) ~= nil
  end
  compiled = { raw = raw, routes = table_.routes, unmatched = table_.unmatchedRoutes, checked = ngx.now() }
  return compiled
end

-- Returns the table, or nil and the API's answer (a denial of the key) or nil alone (the API could not be asked).
local function route_table(key)
  if compiled.raw and ngx.now() - compiled.checked < 1 then return compiled end
  for _ = 1, 2 do
    local raw = leases:get("routes")
    if raw then
      if raw == compiled.raw then compiled.checked = ngx.now() return compiled end
      return compile(raw)
    end
    if leases:add("lock:routes", true, conf.wait + 1) then
      local answer, err = call("GET", "/api/v1/gateway/routes", key)
      if answer and answer.status == 200 then leases:set("routes", answer.body, conf.routes_for) end
      leases:delete("lock:routes")
      if not answer then ngx.log(ngx.WARN, "billing API unreachable for the route table: ", err) return nil end
      if answer.status ~= 200 then
        if denial(answer) then return nil, answer end
        return nil
      end
    else
      sleep_while("lock:routes")
    end
  end
  return nil
end

local function match(routes, method, uri)
  for _, route in ipairs(routes) do
    if (route.any_method or route.method == method) and ngx.re.find(uri, route.regex, "jo") then return route end
  end
end

-- Leases' fixed parts, decoded once per worker.
local metas, meta_count = {}, 0

-- The slot's current lease as this worker last saw it. Trusting it costs nothing: the shared decrement in take() is what
-- decides, and a lease that was replaced, used up or closed answers it with nothing left, so the worker looks again.
local current = {}

local function meta_of(id)
  local meta = metas[id]
  if meta then return meta end
  local raw = leases:get("meta:" .. id)
  meta = raw and cjson.decode(raw)
  if meta then
    meta.rem_key = "rem:" .. id
    if meta_count > 1000 then metas, meta_count, current = {}, 0, {} end
    metas[id], meta_count = meta, meta_count + 1
  end
  return meta
end

local function units_of(meta)
  if ngx.now() >= meta.expires - conf.finish_before then return nil end
  local left = leases:incr(meta.rem_key, -1)
  if left and left >= 0 then return left end
end

-- One unit of the slot's current lease, or nil: none, used up, or too close to its expiry. The next lease, fetched
-- ahead (see prefetch), becomes the current one when the current one cannot serve.
local function take(slot)
  local meta = current[slot]
  if meta then
    local left = units_of(meta)
    if left then return meta, left end
  end
  for _ = 1, 2 do
    local id = leases:get("cur:" .. slot)
    meta = id and meta_of(id)
    if meta then
      current[slot] = meta
      local left = units_of(meta)
      if left then return meta, left end
    end
    local next_id = leases:get("next:" .. slot)
    if not next_id or next_id == id then return nil end
    leases:set("cur:" .. slot, next_id)
    if leases:get("next:" .. slot) == next_id then leases:delete("next:" .. slot) end
  end
end

-- Leases sized to the slot's pace: a busy tenant's route asks the API every few seconds at most, a quiet one holds few
-- units away from other gateways near a hard cap.
local function lease_size(slot)
  local last = leases:get("size:" .. slot)
  local units = conf.lease_units
  if last then
    local previous, at = last:match("^(%d+):(.+)$")
    local age = ngx.now() - tonumber(at)
    if age < conf.grow_within then
      units = math.min(tonumber(previous) * 2, conf.max_lease_units)
    elseif age < conf.shrink_after then
      units = tonumber(previous)
    else
      units = math.max(conf.lease_units, math.floor(tonumber(previous) / 2))
    end
  end
  leases:set("size:" .. slot, units .. ":" .. ngx.now(), 3600)
  return units
end

-- Asks for a lease of the slot's route; installs it as the current one, or as the next when fetched ahead.
local function fetch(slot, key, match_, forwarded_for, ahead)
  local answer, err = call("POST", "/api/v1/gateway/leases", key, cjson.encode({ route = match_, units = lease_size(slot) }), forwarded_for)
  if answer and answer.status == 200 then
    local lease = cjson.decode(answer.body)
    if lease and lease.leaseId then
      local warning = lease.warning ~= cjson.null and lease.warning or nil
      leases:set("meta:" .. lease.leaseId, cjson.encode({ id = lease.leaseId, slot = slot, key = key, granted = lease.granted,
        expires = ngx.now() + lease.expiresInSeconds, quotas = lease.quotas, warning = warning, reported = 0 }))
      leases:set("rem:" .. lease.leaseId, lease.granted)
      leases:set((ahead and "next:" or "cur:") .. slot, lease.leaseId)
      return
    end
  end
  if answer and denial(answer) then
    local kept = { status = answer.status, body = answer.body, headers = {} }
    for _, name in ipairs(PASSED_ON) do kept.headers[name] = answer.headers[name] end
    leases:set("deny:" .. slot, cjson.encode(kept), conf.deny_for)
    return
  end
  ngx.log(ngx.WARN, "billing API could not grant a lease: ", answer and answer.status or err)
  leases:set("fail:" .. slot, true, 1)
end

-- The k-th request of a lease sees each quota as used + k x perUnit (the counter when the lease was granted, plus
-- this lease's requests so far). Only Used and Remaining change from one request to the next; the rest is built once
-- per worker and lease.
local function show(meta, left)
  local k = meta.granted - left
  local fixed = meta.fixed
  if not fixed then
    local metrics, limits, resets, warnings = {}, {}, {}, {}
    for i, quota in ipairs(meta.quotas) do
      metrics[i], limits[i], resets[i] = quota.metric, string.format("%d", quota.limit), quota.reset
      if quota.warning ~= cjson.null and quota.warning then warnings[#warnings + 1] = quota.warning end
    end
    if meta.warning then warnings[#warnings + 1] = meta.warning end
    fixed = { table.concat(metrics, ", "), table.concat(limits, ", "), table.concat(resets, ", "),
      #warnings > 0 and table.concat(warnings, ", ") or nil }
    meta.fixed = fixed
  end
  local var, used, remaining = ngx.var, {}, {}
  for i, quota in ipairs(meta.quotas) do
    local now_used = quota.used + k * quota.perUnit
    used[i], remaining[i] = string.format("%d", now_used), string.format("%d", math.max(0, quota.limit - now_used))
  end
  var.billing_quota_metric = fixed[1]
  var.billing_quota_limit = fixed[2]
  var.billing_quota_used = table.concat(used, ", ")
  var.billing_quota_remaining = table.concat(remaining, ", ")
  var.billing_quota_reset = fixed[3]
  if fixed[4] then var.billing_quota_warning = fixed[4] end
end

local function prefetch(premature, slot, key, match_, forwarded_for)
  if premature or leases:get("next:" .. slot) or not leases:add("lock:" .. slot, true, conf.wait + 1) then return end
  fetch(slot, key, match_, forwarded_for, true)
  leases:delete("lock:" .. slot)
end

-- A lease three quarters used, or about to stop being counted on, has its successor fetched in the background, once,
-- so requests seldom wait for the billing API.
local function fetch_ahead(slot, key, route, meta, left)
  if (left <= meta.granted / 4 or ngx.now() >= meta.expires - conf.finish_before - 1) and leases:add("ahead:" .. meta.id, true, 3600) then
    ngx.timer.at(0, prefetch, slot, key, route.match, ngx.var.proxy_add_x_forwarded_for)
  end
end

-- A key's slots, one per route, named by the key's digest (the key itself is never a dict key); kept per worker,
-- bounded like the leases' metas.
local slots, slot_count = {}, 0

local function slot_of(key, index)
  local of_key = slots[key]
  if not of_key then
    if slot_count > 10000 then slots, slot_count = {}, 0 end
    of_key = { digest = ngx.md5(key) }
    slots[key], slot_count = of_key, slot_count + 1
  end
  local slot = of_key[index]
  if not slot then
    slot = of_key.digest .. ":" .. index
    of_key[index] = slot
  end
  return slot
end

-- access_by_lua: lets the request through on a unit of its tenant's lease for its route, or answers it. A request let
-- through uncounted shows no quota headers: the variables stay unset, so the client's own X-Quota-* headers do not
-- reach the service either (nginx.conf sets them from the variables, empty ones are not sent).
function M.access()
  -- An internal redirect (error_page, try_files, X-Accel-Redirect) runs the access phase again for the same request:
  -- $billing_counted, which such a redirect keeps, says it was counted already. Only then is it read: a request's
  -- first pass is never internal.
  if ngx.req.is_internal() and ngx.var.billing_counted == "1" then return end
  local key = ngx.var[key_variable] or ""
  local routes, answer = route_table(key)
  if not routes then
    if answer then return pass_on(answer) end
    return unavailable()
  end
  local route = match(routes.routes, ngx.req.get_method(), ngx.var.uri)
  if not route then
    if routes.unmatched == "refuse" then return problem(403, REFUSED) end
    return
  end
  if not route.consumes then return end
  local slot = slot_of(key, route.index)
  for _ = 1, 3 do
    local meta, left = take(slot)
    if meta then
      ngx.var.billing_counted = "1"
      fetch_ahead(slot, key, route, meta, left)
      show(meta, left)
      return
    end
    local denied = leases:get("deny:" .. slot)
    if denied then return pass_on(cjson.decode(denied)) end
    if leases:get("fail:" .. slot) then return unavailable() end
    if leases:add("lock:" .. slot, true, conf.wait + 1) then
      fetch(slot, key, route.match, ngx.var.proxy_add_x_forwarded_for)
      leases:delete("lock:" .. slot)
    else
      sleep_while("lock:" .. slot)
    end
  end
  return unavailable()
end

-- True when the API took the report (or the lease is closed already: nothing more can be reported on it).
local function report(id, meta, used, final)
  local answer, err = call("POST", "/api/v1/gateway/leases/" .. id .. "/usage", meta.key, cjson.encode({ used = used, final = final }))
  if answer and answer.status == 200 then return true end
  if answer and (answer.status == 404 or answer.status == 400) then
    ngx.log(ngx.ERR, "lease ", id, " report of ", used, " refused (", answer.status, "): ", answer.body)
    return true
  end
  ngx.log(ngx.WARN, "lease ", id, " report of ", used, " not taken, reported again next round: ", answer and answer.status or err)
  return false
end

local function report_all(premature)
  for _, name in ipairs(leases:get_keys(0)) do
    if name:sub(1, 5) == "meta:" then
      local id = name:sub(6)
      local meta = cjson.decode(leases:get(name) or "null")
      if meta then
        local left = leases:get("rem:" .. id)
        if not meta.closing and (premature or not left or left <= 0 or ngx.now() >= meta.expires - conf.finish_before) then
          -- Take every unit left in one step: a request that counts on the lease after this gets none.
          local after = leases:incr("rem:" .. id, -TAKE_ALL)
          meta.closing = true
          meta.final = after and meta.granted - math.max(0, after + TAKE_ALL) or meta.reported
          leases:set(name, cjson.encode(meta))
          if leases:get("cur:" .. meta.slot) == id then leases:delete("cur:" .. meta.slot) end
          if leases:get("next:" .. meta.slot) == id then leases:delete("next:" .. meta.slot) end
        end
        if meta.closing then
          if report(id, meta, meta.final, true) then
            leases:delete(name)
            leases:delete("rem:" .. id)
            leases:delete("ahead:" .. id)
          end
        elseif left and meta.granted - math.max(0, left) > meta.reported then
          local used = meta.granted - math.max(0, left)
          if report(id, meta, used, false) then
            meta.reported = used
            leases:set(name, cjson.encode(meta))
          end
        end
      end
    end
  end
end

-- init_worker_by_lua: one worker reports for all (the leases are in the shared dict).
function M.start_reporter()
  if ngx.worker.id() ~= 0 then return end
  local ok, err = ngx.timer.every(conf.report_interval, report_all)
  if not ok then ngx.log(ngx.ERR, "lease reporter not started: ", err) end
end

return M
