-- wrk script: each thread stops after LIMIT answers, so that
-- "wrk -t2 ... -s stop-after.lua -- 5000" sends about 10,000 requests.
-- (wrk reports the exact number it completed.)
local limit, n = 0, 0

function init(args)
	limit = tonumber(args[1])
end

function response(status, headers, body)
	n = n + 1
	if n >= limit then
		wrk.thread:stop()
	end
end
