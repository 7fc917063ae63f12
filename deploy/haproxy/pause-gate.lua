-- pausectl pause gate for HAProxy (tested on 2.6.12 and 3.0.11).
--
-- Load it once per process with `lua-load` (NOT `lua-load-per-thread`: the held-request
-- bookkeeping below lives in one Lua state, which HAProxy runs under a single lock, so the
-- counters need no further synchronisation) and use it on a frontend as
--
--     http-request lua.pause_gate
--
-- While the process variable proc.pausectl_paused is 1 (and the lease in
-- proc.pausectl_expires, epoch seconds, has not run out) every in-scope request is held
-- before it is forwarded: new connections and requests on already open keep-alive
-- connections alike. A request is released when the pause ends, oldest first (FIFO: a held
-- request goes on only once every request held before it has gone), and answered 503 with
-- Retry-After once it has been held for the hold limit; it is never forwarded twice.
--
-- A held client that goes away: on 2.6 and 3.0 the gate cannot see it (measured: no Lua call or
-- sample fetch changes), so it stays held and counts as released. What happens next is
-- HAProxy's: without "option abortonclose" the request is forwarded once, on release; with it,
-- HAProxy 3.0 drops the request on release, before connecting to a server, when it has noticed
-- the close by then (most runs measured; else it is forwarded once), while HAProxy 2.6 ends the
-- hold at once and forwards the request during the pause. Hence the shipped haproxy.cfg enables
-- the option on 3.0 and later only.
--
-- pausectl drives the variables over the runtime API (experimental-mode on; set var ...).
-- Variables the gate reads:
--   proc.pausectl_paused         int  1 holds, anything else passes
--   proc.pausectl_expires        int  epoch seconds after which the gate stops holding by
--                                     itself (a crashed pausectl never leaves traffic paused)
--   proc.pausectl_hold_limit_ms  int  hold limit per request; else the environment variable
--                                     PAUSECTL_GATE_HOLD_LIMIT (e.g. 30s, 500ms); else 30s
--   proc.pausectl_scope_methods  str  comma-separated methods to hold (empty: all)
--   proc.pausectl_scope_paths    str  comma-separated path prefixes to hold (empty: all)
--   proc.pausectl_scope_hosts    str  comma-separated hosts to hold (empty: all)
-- Variables the gate writes (read by `pausectl status` with `get var`):
--   proc.pausectl_held                 requests held now
--   proc.pausectl_held_max             the most held at once (pausectl resets it on pause)
--   proc.pausectl_oldest_since_ms      arrival (epoch ms) of the oldest request held now, 0 if none
--   proc.pausectl_held_total           requests ever held
--   proc.pausectl_released_total       held requests released to the backend
--   proc.pausectl_timed_out_total      held requests answered 503 at the hold limit
--   proc.pausectl_client_gone_total    held requests whose stream HAProxy destroyed while held
--                                      (e.g. "shutdown session"), found by their loop going quiet
--
-- It also registers the runtime API command `pausectl-gate`, which pausectl uses to check that
-- the gate is loaded; it prints the gate's version and state and refreshes the variables above.

local GATE_VERSION = "1"
local DEFAULT_HOLD_LIMIT_MS = 30000
local POLL_MS = 50
-- A held request's loop marks its entry every POLL_MS; an entry not marked for this long
-- belongs to a stream HAProxy destroyed without letting the loop finish, and is dropped.
local STALE_MS = 2000
-- On release, held requests leave oldest first: every held loop notices the release within
-- POLL_MS, so each waits until POLL_MS after the release plus 1 ms per RELEASE_PER_MS requests
-- held before it (one timer each, no spinning: 10,000 held leave over 1 s). A timer is only a
-- schedule, and on a loaded host a loop wakes late; so a request also waits until fewer than
-- RELEASE_WINDOW requests held before it are still held (re-checked every millisecond or so).
-- Requests inside one window may still swap; none passes more than RELEASE_WINDOW - 1 older ones.
-- A request waits for older ones at most RELEASE_GRACE_MS past its schedule: an older entry
-- whose stream HAProxy destroyed (see STALE_MS) must not stall the whole release.
local RELEASE_PER_MS = 10
local RELEASE_WINDOW = 10
local RELEASE_GRACE_MS = 1000
local RETRY_AFTER_SECONDS = "5"

local function parse_duration_ms(text)
    if text == nil or text == "" then
        return nil
    end
    local n, unit = string.match(text, "^%s*(%d+)%s*(%a*)%s*$")
    if n == nil then
        return nil
    end
    n = tonumber(n)
    if unit == "" or unit == "ms" then
        return n
    elseif unit == "s" then
        return n * 1000
    elseif unit == "m" then
        return n * 60000
    elseif unit == "h" then
        return n * 3600000
    end
    return nil
end

local ENV_HOLD_LIMIT_MS = parse_duration_ms(os.getenv("PAUSECTL_GATE_HOLD_LIMIT"))
if os.getenv("PAUSECTL_GATE_HOLD_LIMIT") ~= nil and ENV_HOLD_LIMIT_MS == nil then
    core.Alert("pause-gate: PAUSECTL_GATE_HOLD_LIMIT='" .. os.getenv("PAUSECTL_GATE_HOLD_LIMIT")
            .. "' is not a duration (e.g. 30s, 500ms); using " .. DEFAULT_HOLD_LIMIT_MS .. "ms")
end

-- Held requests in arrival order: entries[id] = { start = ms, seen = ms, pos = index in order }.
local entries = {}
local order = {}
local head, tail = 1, 0
local next_id = 0
local held = 0
local totals = { held = 0, released = 0, timed_out = 0, client_gone = 0 }

local function now_ms()
    local t = core.now()
    return t.sec * 1000 + t.usec // 1000
end

local function oldest_since()
    while head <= tail and entries[order[head]] == nil do
        order[head] = nil
        head = head + 1
    end
    if head > tail then
        return 0
    end
    return entries[order[head]].start
end

local last_prune = 0
-- When the current release began (ms) and the index in `order` of the oldest then held; nil while holding.
local released_at = nil
local released_head = 0

-- Drops entries whose loop stopped marking them; at most once a second, since it walks them all.
local function prune(now)
    if now - last_prune < 1000 then
        return
    end
    last_prune = now
    for id, e in pairs(entries) do
        if now - e.seen > STALE_MS then
            entries[id] = nil
            held = held - 1
            totals.client_gone = totals.client_gone + 1
        end
    end
end

-- `holder` is a TXN or an AppletTCP: both have set_var/get_var.
local function publish(holder)
    holder:set_var("proc.pausectl_held", held)
    holder:set_var("proc.pausectl_oldest_since_ms", oldest_since())
    holder:set_var("proc.pausectl_held_total", totals.held)
    holder:set_var("proc.pausectl_released_total", totals.released)
    holder:set_var("proc.pausectl_timed_out_total", totals.timed_out)
    holder:set_var("proc.pausectl_client_gone_total", totals.client_gone)
    local max = holder:get_var("proc.pausectl_held_max")
    if max == nil or held > max then
        holder:set_var("proc.pausectl_held_max", held)
    end
end

local function paused(txn)
    if txn:get_var("proc.pausectl_paused") ~= 1 then
        return false
    end
    local expires = txn:get_var("proc.pausectl_expires")
    return expires == nil or core.now().sec < expires
end

local function list_contains(list, value, matcher)
    if list == nil or list == "" then
        return true
    end
    for item in string.gmatch(list, "[^,]+") do
        if matcher(value, item) then
            return true
        end
    end
    return false
end

local function equals_ignore_case(value, item)
    return value ~= nil and string.lower(value) == string.lower(item)
end

local function starts_with(value, item)
    return value ~= nil and string.sub(value, 1, #item) == item
end

local function in_scope(txn)
    local methods = txn:get_var("proc.pausectl_scope_methods")
    local paths = txn:get_var("proc.pausectl_scope_paths")
    local hosts = txn:get_var("proc.pausectl_scope_hosts")
    if (methods == nil or methods == "") and (paths == nil or paths == "") and (hosts == nil or hosts == "") then
        return true
    end
    local host = txn.f:req_fhdr("host")
    if host ~= nil then
        host = string.gsub(host, ":%d+$", "")
    end
    return list_contains(methods, txn.f:method(), equals_ignore_case)
            and list_contains(paths, txn.f:path(), starts_with)
            and list_contains(hosts, host, equals_ignore_case)
end

local function hold_limit_ms(txn)
    local limit = txn:get_var("proc.pausectl_hold_limit_ms")
    if type(limit) == "number" and limit > 0 then
        return limit
    end
    return ENV_HOLD_LIMIT_MS or DEFAULT_HOLD_LIMIT_MS
end

core.register_action("pause_gate", { "http-req" }, function(txn)
    if not paused(txn) or not in_scope(txn) then
        return
    end
    local start = now_ms()
    local limit = hold_limit_ms(txn)
    next_id = next_id + 1
    local id = next_id
    released_at = nil
    tail = tail + 1
    local entry = { start = start, seen = start, pos = tail }
    entries[id] = entry
    order[tail] = id
    held = held + 1
    totals.held = totals.held + 1
    publish(txn)

    local outcome
    while true do
        core.msleep(POLL_MS)
        local now = now_ms()
        entry.seen = now
        if not paused(txn) then
            outcome = "released"
            break
        end
        if now - start >= limit then
            outcome = "timed_out"
            break
        end
        prune(now)
    end

    if outcome == "released" then
        -- FIFO: the first loop to see the release fixes its start and the oldest held then.
        local now = now_ms()
        if released_at == nil then
            oldest_since()
            released_at = now
            released_head = head
        end
        local leave_at = released_at + POLL_MS + math.max(0, entry.pos - released_head) // RELEASE_PER_MS
        if leave_at > now then
            entry.seen = leave_at
            core.msleep(leave_at - now)
            now = now_ms()
        end
        -- The schedule above is met; now wait for the older requests that are late for theirs.
        while now < leave_at + RELEASE_GRACE_MS do
            oldest_since() -- moves head past the requests that have left
            local older = entry.pos - head
            if older < RELEASE_WINDOW then
                break
            end
            entry.seen = now
            core.msleep(math.max(1, (older - RELEASE_WINDOW + 1) // RELEASE_PER_MS))
            now = now_ms()
        end
        -- HAProxy's threads may still reorder requests let go in the same moment. Where it counts,
        -- in a server queue (backend at maxconn), rank by arrival: the queue orders by the time
        -- queued plus this offset (ms, at least -524287), which puts held requests in arrival
        -- order and ahead of requests that came after the pause.
        txn:set_priority_offset(start - now_ms())
    end

    if entries[id] ~= nil then
        entries[id] = nil
        held = held - 1
    end
    if outcome == "released" then
        totals.released = totals.released + 1
    else
        totals.timed_out = totals.timed_out + 1
    end
    publish(txn)

    if outcome == "timed_out" then
        local reply = txn:reply({
            status = 503,
            headers = {
                ["content-type"] = { "text/plain" },
                ["retry-after"] = { RETRY_AFTER_SECONDS },
                ["cache-control"] = { "no-store" },
            },
            body = "Service paused for maintenance; retry later.\n",
        })
        txn:done(reply)
    end
end, 0)

core.register_cli({ "pausectl-gate" }, "pausectl-gate : show the pausectl pause gate's state",
    function(applet)
        last_prune = 0
        prune(now_ms())
        publish(applet)
        applet:send("pausectl-gate version=" .. GATE_VERSION
                .. " held=" .. held
                .. " oldest_since_ms=" .. oldest_since()
                .. " default_hold_limit_ms=" .. (ENV_HOLD_LIMIT_MS or DEFAULT_HOLD_LIMIT_MS)
                .. "\n")
    end)
