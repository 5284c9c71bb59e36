-- Scenario 1 and 3: GET /users/@me (the Authorization header comes from wrk -H).
wrk.method = "GET"
