-- wrk script for the attack load of bench/run.sh (part "attack"):
--
--   wrk -t1 -c16 -d7s --timeout 10s -s attack.lua URL -- MODE DELAY_MS
--
-- MODE "listed": every request asks for mta-sts.dead.example (a listed
-- domain whose name servers never answer); "optin": every request asks
-- for a new random name under the dead delegation,
-- mta-sts.<random>.dead.example.  Each connection sends its next request
-- DELAY_MS milliseconds after the previous answer (0: at once).
-- At the end one line:
--   attack: sent=N answered=A max_ms=M timeouts=T errors=E status=S:C,...
-- (sent counts requests handed to the socket, answered those with a
-- complete response; the difference is what was still in flight or cut
-- off when wrk stopped.)
local threads = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

function init(args)
	mode = args[1] or "listed"
	delay_ms = tonumber(args[2]) or 0
	sent, answered, counts = 0, 0, {}
	-- distinct names across threads and runs: thread id, time, counter
	tag = string.format("%x%x", os.time() % 0x100000, id or 0)
	math.randomseed(os.time() * 131 + (id or 0))
end

function request()
	local host = "mta-sts.dead.example"
	sent = sent + 1
	if mode == "optin" then
		host = string.format("mta-sts.r%s%07x%05x.dead.example", tag,
		    math.random(0, 0xfffffff), sent % 0x100000)
	end
	return wrk.format("GET", "/.well-known/mta-sts.txt", { Host = host })
end

function delay()
	return delay_ms
end

function response(status, headers, body)
	answered = answered + 1
	counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
	local s, a, c = 0, 0, {}
	for _, t in ipairs(threads) do
		s = s + t:get("sent")
		a = a + t:get("answered")
		for k, v in pairs(t:get("counts")) do
			c[k] = (c[k] or 0) + v
		end
	end
	local st = {}
	for k, v in pairs(c) do
		table.insert(st, k .. ":" .. v)
	end
	table.sort(st)
	local e = summary.errors
	io.write(string.format(
	    "attack: sent=%d answered=%d max_ms=%.1f timeouts=%d errors=%d status=%s\n",
	    s, a, latency.max / 1000, e.timeout,
	    e.connect + e.read + e.write,
	    #st > 0 and table.concat(st, ",") or "none"))
end
