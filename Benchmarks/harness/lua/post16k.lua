-- Scenario 2: PATCH /users/@me with a 16 KB JSON body (16,384 bytes). The reference backend authenticates,
-- reads and decodes the whole body, then answers 400 (bio longer than 1024 characters) without writing
-- anything; the static upstream answers 200. Either way every byte crosses the proxy.
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"bio": "' .. string.rep("a", 16384 - 11) .. '"}'
