-- wrk script: POST one raw 2048×2048 uint16 field to cellphase serve's /v1/fields.
-- Make the body with `cellphase bench field --no-http --repeats 1 --save-field field.raw`, then:
--   FIELD=field.raw wrk -t1 -c5 -d60s --timeout 30s --latency -s scripts/wrk-post-field.lua http://127.0.0.1:8765
-- SIDE overrides the field side (default 2048).
local path = os.getenv("FIELD") or "field.raw"
local side = os.getenv("SIDE") or "2048"
local f = assert(io.open(path, "rb"), "cannot open " .. path .. " (set FIELD=the file written by --save-field)")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.path = "/v1/fields?width=" .. side .. "&height=" .. side .. "&dtype=uint16"
wrk.headers["Content-Type"] = "application/octet-stream"
