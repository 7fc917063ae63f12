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
--   proc.pausectl_start_hold_ms  int  the start hold, for an HAProxy in a fleet (`pausectl agent`):
--                                     for this long after the gate is loaded (HAProxy's start or
--                                     reload) it holds every request, scope or no scope, until the
--                                     agent has read the fleet's intent and set proc.pausectl_ready;
--                                     then a request stays held only if a pause holds it. With no
--                                     agent, requests are served once the start hold is over. Else
--                                     the environment variable PAUSECTL_GATE_START_HOLD (e.g. 10s);
--                                     else 0: no start hold (an HAProxy driven by plain
--                                     `pausectl --haproxy` never needs one)
--   proc.pausectl_ready          int  1 once the agent has read the intent (and paused for it, if it
--                                     stands): the start hold ends at once. pausectl sets it in the same
--                                     command line as a pause or renewal, after proc.pausectl_paused, so
--                                     it never reaches a worker (e.g. one a reload just started) without
--                                     the pause
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

-- A duration from the environment, or nil (said once, at load, when it is set but not a duration).
local function env_duration_ms(name, fallback_text)
    local text = os.getenv(name)
    local ms = parse_duration_ms(text)
    if text ~= nil and ms == nil then
        core.Alert("pause-gate: " .. name .. "='" .. text .. "' is not a duration (e.g. 30s, 500ms); using "
                .. fallback_text)
    end
    return ms
end

local ENV_HOLD_LIMIT_MS = env_duration_ms("PAUSECTL_GATE_HOLD_LIMIT", DEFAULT_HOLD_LIMIT_MS .. "ms")
local ENV_START_HOLD_MS = env_duration_ms("PAUSECTL_GATE_START_HOLD", "no start hold")

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

-- The start hold counts from when this Lua state loaded the gate: HAProxy's start, or a reload's new
-- process (whose variables start empty, so it would otherwise serve into a window in progress).
local LOADED_MS = now_ms()
-- Once over, the start hold never comes back in this process.
local start_over = false

local function start_hold_ms(holder)
    local v = holder:get_var("proc.pausectl_start_hold_ms")
    if type(v) == "number" and v >= 0 then
        return v
    end
    return ENV_START_HOLD_MS or 0
end

-- Whether the start hold holds now: not yet over, the agent has not said it read the intent, and the
-- bound has not passed.
local function start_holding(holder)
    if start_over then
        return false
    end
    if holder:get_var("proc.pausectl_ready") == 1 or now_ms() - LOADED_MS >= start_hold_ms(holder) then
        start_over = true
        return false
    end
    return true
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

-- Scope matching: "hold when in doubt", as pause-proxy's ScopeMatcher, PathForms and
-- MethodOverrides. A request is in scope when it matches every non-empty list, and it matches a
-- list when any reading an origin may reasonably make of it does:
--   method  its own, any case; or one it asks the origin to act on instead: the headers
--           X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override (any case, _ for -, every
--           line and comma-separated value) and the query parameter _method; a request with a
--           body (Content-Length > 0 or Transfer-Encoding) matches any method list, since its body
--           may carry _method and the gate never reads a body;
--   path    by prefix, without letter case, over the path as received, its RFC 3986 normal form
--           (unreserved escapes decoded, dot segments removed), that with repeated slashes merged,
--           and a loose form (every escape decoded, %2F too, up to four rounds, backslashes read
--           as slashes, ;parameters cut, slashes merged, dot segments removed); each prefix as
--           given, canonical and loose;
--   host    exact after letter case, port and trailing dots are dropped, for the Host header and
--           for the authority of an absolute-form target; a request with neither matches any list.

local function split_list(list)
    local out = {}
    if list ~= nil then
        for item in string.gmatch(list, "[^,]+") do
            item = string.match(item, "^%s*(.-)%s*$")
            if item ~= "" then
                out[#out + 1] = item
            end
        end
    end
    return out
end

local function add_distinct(list, value)
    for _, v in ipairs(list) do
        if v == value then
            return
        end
    end
    list[#list + 1] = value
end

-- Whether the path reads the same under every interpretation (no %, ;, backslash, // or /.).
local function plain_path(p)
    return not string.find(p, "[%%;\\]") and not string.find(p, "//", 1, true) and not string.find(p, "/.", 1, true)
end

local function unreserved(c)
    return string.find(c, "^[%w%-%._~]$") ~= nil
end

-- RFC 3986 §6.2.2.1-2: unreserved escapes decoded, others upper case, a bare % written %25.
local function decode_unreserved(p)
    if not string.find(p, "%", 1, true) then
        return p
    end
    local out, i, n = {}, 1, #p
    while i <= n do
        local c = string.sub(p, i, i)
        local hex = c == "%" and string.match(p, "^%x%x", i + 1) or nil
        if c == "%" and hex == nil then
            out[#out + 1] = "%25"
            i = i + 1
        elseif hex == nil then
            out[#out + 1] = c
            i = i + 1
        else
            local d = string.char(tonumber(hex, 16))
            out[#out + 1] = unreserved(d) and d or "%" .. string.upper(hex)
            i = i + 3
        end
    end
    return table.concat(out)
end

local function decode_all(p)
    return (string.gsub(p, "%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function merge_slashes(p)
    return (string.gsub(p, "//+", "/"))
end

-- RFC 3986 §5.2.4 for an absolute path; other paths are kept.
local function remove_dot_segments(p)
    if string.sub(p, 1, 1) ~= "/" or not string.find(p, "/.", 1, true) then
        return p
    end
    local segments = {}
    for s in string.gmatch(string.sub(p, 2) .. "/", "([^/]*)/") do
        segments[#segments + 1] = s
    end
    local out = {}
    for i, s in ipairs(segments) do
        if s == "." or s == ".." then
            if s == ".." and #out > 0 then
                out[#out] = nil
            end
            if i == #segments then
                out[#out + 1] = ""
            end
        else
            out[#out + 1] = s
        end
    end
    return "/" .. table.concat(out, "/")
end

local function loose_path(p)
    for _ = 1, 4 do
        if not string.find(p, "%", 1, true) then
            break
        end
        local d = decode_all(p)
        if d == p then
            break
        end
        p = d
    end
    p = string.gsub(p, "\\", "/")
    p = string.gsub(p, ";[^/]*", "")
    return remove_dot_segments(merge_slashes(p))
end

-- The forms of a request path, lower case (prefixes are compared without letter case).
local function path_forms(p)
    if plain_path(p) then
        return { string.lower(p) }
    end
    local forms = {}
    local u = decode_unreserved(p)
    local normal = remove_dot_segments(u)
    for _, f in ipairs({ p, normal, merge_slashes(normal), remove_dot_segments(merge_slashes(u)), loose_path(p) }) do
        add_distinct(forms, string.lower(f))
    end
    return forms
end

-- A host as scopes compare it: lower case, without port, without trailing dots.
local function canonical_host(h)
    h = string.lower(h)
    local colon = string.match(h, "^.*():")
    if colon ~= nil and colon > (string.find(h, "]", 1, true) or 0) then
        h = string.sub(h, 1, colon - 1)
    end
    while #h > 1 and string.sub(h, -1) == "." do
        h = string.sub(h, 1, -2)
    end
    return h
end

-- The scope variables parsed, kept while they stay the same (they change once per pause).
local scope_cache = { key = nil }

local function parsed_scope(methods, paths, hosts)
    local key = (methods or "") .. "\n" .. (paths or "") .. "\n" .. (hosts or "")
    if scope_cache.key == key then
        return scope_cache
    end
    local m, p, h = {}, {}, {}
    for _, item in ipairs(split_list(methods)) do
        add_distinct(m, string.upper(item))
    end
    for _, item in ipairs(split_list(paths)) do
        add_distinct(p, string.lower(item))
        if not plain_path(item) then
            add_distinct(p, string.lower(remove_dot_segments(merge_slashes(decode_unreserved(item)))))
            add_distinct(p, string.lower(loose_path(item)))
        end
    end
    for _, item in ipairs(split_list(hosts)) do
        add_distinct(h, canonical_host(item))
    end
    scope_cache = { key = key, methods = m, paths = p, hosts = h }
    return scope_cache
end

local function path_in_scope(path, prefixes)
    if path == nil then
        return true
    end
    for _, form in ipairs(path_forms(path)) do
        for _, prefix in ipairs(prefixes) do
            if string.sub(form, 1, #prefix) == prefix then
                return true
            end
        end
    end
    return false
end

local function host_in_list(host, hosts)
    host = canonical_host(host)
    for _, h in ipairs(hosts) do
        if h == host then
            return true
        end
    end
    return false
end

local function host_in_scope(txn, hosts)
    local host = txn.f:req_fhdr("host")
    local authority = string.match(txn.f:url() or "", "^%a[%w+.-]*://([^/?#]*)")
    if authority ~= nil then
        authority = string.gsub(authority, "^.*@", "")
    end
    if (host == nil or host == "") and (authority == nil or authority == "") then
        return true
    end
    return (host ~= nil and host ~= "" and host_in_list(host, hosts))
            or (authority ~= nil and authority ~= "" and host_in_list(authority, hosts))
end

local function method_in_list(method, methods)
    method = string.upper(string.match(method or "", "^%s*(.-)%s*$"))
    for _, m in ipairs(methods) do
        if m == method then
            return true
        end
    end
    return false
end

local function any_in_list(values, methods)
    for v in string.gmatch(values, "[^,]+") do
        if method_in_list(v, methods) then
            return true
        end
    end
    return false
end

local function form_decode(s)
    return decode_all((string.gsub(s, "%+", " ")))
end

local OVERRIDE_HEADERS = { ["x-http-method-override"] = true, ["x-http-method"] = true, ["x-method-override"] = true }

local function method_in_scope(txn, methods)
    if method_in_list(txn.f:method(), methods) then
        return true
    end
    -- A body may carry _method (a form or JSON), which the gate cannot read: any method, when in doubt.
    local length = txn.f:req_fhdr("content-length")
    if txn.f:req_hdr_cnt("transfer-encoding") > 0
            or (length ~= nil and (tonumber(length) == nil or tonumber(length) > 0)) then
        return true
    end
    for name, values in pairs(txn.http:req_get_headers()) do
        if OVERRIDE_HEADERS[(string.gsub(string.lower(name), "_", "-"))] then
            for _, v in pairs(values) do
                if any_in_list(v, methods) then
                    return true
                end
            end
        end
    end
    local url = txn.f:url() or ""
    local query = string.match(url, "%?([^#]*)")
    if query ~= nil then
        for pair in string.gmatch(query, "[^&;]+") do
            local name, value = string.match(pair, "^([^=]+)=(.*)$")
            if name ~= nil and string.lower(form_decode(name)) == "_method" and any_in_list(form_decode(value), methods) then
                return true
            end
        end
    end
    return false
end

local function in_scope(txn)
    local methods = txn:get_var("proc.pausectl_scope_methods")
    local paths = txn:get_var("proc.pausectl_scope_paths")
    local hosts = txn:get_var("proc.pausectl_scope_hosts")
    if (methods == nil or methods == "") and (paths == nil or paths == "") and (hosts == nil or hosts == "") then
        return true
    end
    local scope = parsed_scope(methods, paths, hosts)
    -- The method last: its overrides are read only for a request in scope otherwise.
    return (#scope.paths == 0 or path_in_scope(txn.f:path(), scope.paths))
            and (#scope.hosts == 0 or host_in_scope(txn, scope.hosts))
            and (#scope.methods == 0 or method_in_scope(txn, scope.methods))
end

local function hold_limit_ms(txn)
    local limit = txn:get_var("proc.pausectl_hold_limit_ms")
    if type(limit) == "number" and limit > 0 then
        return limit
    end
    return ENV_HOLD_LIMIT_MS or DEFAULT_HOLD_LIMIT_MS
end

core.register_action("pause_gate", { "http-req" }, function(txn)
    -- Held by the start hold: the scope is checked once the start hold is over.
    local at_start = start_holding(txn)
    if not at_start and (not paused(txn) or not in_scope(txn)) then
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
        local holding
        if at_start then
            holding = start_holding(txn)
            if not holding then
                -- The start hold is over: from now on the request is held as any other, or not at all.
                at_start = false
                holding = paused(txn) and in_scope(txn)
            end
        else
            holding = paused(txn)
        end
        if not holding then
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
                .. " start_hold=" .. (start_holding(applet) and "holding" or "over")
                .. "\n")
    end)
