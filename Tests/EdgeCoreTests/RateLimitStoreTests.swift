import Testing
@testable import EdgeCore

@Suite struct RateLimitStoreTests {
    func request(_ client: IPAddress, rule: UInt32 = 1, limit: Int64 = 5, per: Int64 = 10 * second) -> BucketRequest {
        BucketRequest(
            key: BucketKey(client: client, rule: rule),
            parameters: LimitParameters(limit: limit, period: per, algorithm: .fixedWindow), dryRun: false)
    }

    func address(_ n: Int) -> IPAddress { .v4(0x0A00_0000 | UInt32(n)) }

    @Test func expiredBucketsAreDroppedLazilyAndBySweep() {
        let store = MemoryRateLimitStore(maxBuckets: 1000)
        for n in 0..<10 { _ = store.acquire(request(address(n)), now: epoch) }
        #expect(store.stats.liveBuckets == 10)
        // Lazily: the bucket's window passed, the next request finds a fresh one.
        let fresh = store.acquire(request(address(0)), now: epoch + 10 * second)
        #expect(fresh.remaining == 4)
        #expect(store.stats.expirations == 1)
        #expect(store.sweep(now: epoch + 10 * second - 1) == 0)
        #expect(store.sweep(now: epoch + 10 * second) == 9)
        #expect(store.stats == RateLimitStoreStats(liveBuckets: 1, evictions: 0, expirations: 10))
        #expect(store.sweep(now: epoch + 20 * second) == 1)
        #expect(store.stats.liveBuckets == 0)
    }

    @Test func aReturningClientReusesItsExpiredBucketInPlace() {
        var table = BucketTable(capacity: 10)
        let key = BucketKey(client: address(1), rule: 1)
        table.store(key, BucketState(first: epoch, second: 1, expiresAt: epoch + second), slot: BucketTable.none, now: epoch)
        let expired = table.lookup(key, now: epoch + second)
        #expect(expired.state == nil && expired.slot != BucketTable.none)
        // Looked at again without a store (the request was refused by its other rule): still one bucket.
        #expect(table.lookup(key, now: epoch + second).state == nil)
        #expect(table.expirations == 0 && table.liveCount == 1)
        let renewed = BucketState(first: epoch + second, second: 1, expiresAt: epoch + 2 * second)
        table.store(key, renewed, slot: expired.slot, now: epoch + second)
        #expect(table.expirations == 1 && table.liveCount == 1 && table.slots.count == 1)
        #expect(table.lookup(key, now: epoch + second).state == renewed)
        // Never renewed, it goes at the next sweep like any expired bucket.
        #expect(table.sweep(now: epoch + 2 * second) == 1)
        #expect(table.liveCount == 0 && table.expirations == 2)
    }

    @Test func capEvictsTheLeastRecentlyUsed() {
        var table = BucketTable(capacity: 3)
        let state = BucketState(first: epoch, second: 1, expiresAt: epoch + second)
        let keys = (0..<4).map { BucketKey(client: address($0), rule: 1) }
        for key in keys.prefix(3) { table.store(key, state, slot: BucketTable.none, now: epoch) }
        #expect(table.lookup(keys[0], now: epoch).state != nil)  // 0 is now the most recent
        table.store(keys[3], state, slot: BucketTable.none, now: epoch)
        #expect(table.keysOldestFirst == [keys[2], keys[0], keys[3]])
        #expect(table.evictions == 1 && table.liveCount == 3)
        #expect(table.lookup(keys[1], now: epoch).state == nil)
        // At the cap, an expired least-recent bucket counts as an expiration, not an eviction.
        table.store(keys[1], state, slot: BucketTable.none, now: epoch + second)
        #expect(table.evictions == 1 && table.expirations == 1)
        #expect(table.slots.count == 3)
    }

    @Test func slotsAreReusedAfterRemoval() {
        var table = BucketTable(capacity: 100)
        let state = BucketState(first: epoch, second: 1, expiresAt: epoch + second)
        for n in 0..<50 { table.store(BucketKey(client: address(n), rule: 1), state, slot: -1, now: epoch) }
        #expect(table.sweep(now: epoch + second) == 50)
        for n in 50..<100 { table.store(BucketKey(client: address(n), rule: 1), state, slot: -1, now: epoch) }
        #expect(table.slots.count == 50 && table.liveCount == 50)
    }

    @Test func storeCapIsExactAcrossShards() {
        let store = MemoryRateLimitStore(maxBuckets: 1000)
        #expect(store.shards.count == 32)
        let total = store.shards.map { $0.table.withLock { $0.capacity } }.reduce(0, +)
        #expect(total == 1000)
        #expect(MemoryRateLimitStore(maxBuckets: 10).shards.count == 1)
    }

    @Test func floodOfDistinctAddressesStaysAtTheCap() {
        let limiter = RateLimiter(rules: limits(maxBuckets: 2_000))
        let route = limiter.routes.defaultMatch
        for n in 0..<100_000 {
            let d = limiter.check(client: address(n), route: route, now: epoch + Int64(n) * 1000)
            #expect(d.isAllowed)
        }
        let stats = limiter.stats
        #expect(stats.liveBuckets <= 2_000)
        #expect(stats.liveBuckets >= 1_900)
        #expect(stats.evictions + stats.expirations + stats.liveBuckets == 200_000)
        let arrays = (limiter.store as! MemoryRateLimitStore).shards.map { $0.table.withLock { $0.slots.count } }
        #expect(arrays.reduce(0, +) <= 2_000)
    }

    @Test func recentlyActiveOffenderSurvivesAFlood() {
        let limiter = RateLimiter(rules: limits(default: rule("default", 2, .minutes(10)), maxBuckets: 1_000))
        let route = limiter.routes.defaultMatch
        let offender = ip("192.0.2.66")
        _ = limiter.check(client: offender, route: route, now: epoch)
        _ = limiter.check(client: offender, route: route, now: epoch)
        for n in 0..<20_000 {
            _ = limiter.check(client: address(n), route: route, now: epoch + 1)
            if n % 100 == 0 {
                #expect(limiter.check(client: offender, route: route, now: epoch + 2).outcome == .rejected)
            }
        }
    }

    @Test func ipv4AndIPv6KeysDoNotCollide() {
        let v4 = BucketKey(client: ip("1.2.3.4"), rule: 1)
        let v6 = BucketKey(client: ip("::1.2.3.4"), rule: 1)
        #expect(v4 != v6)
        #expect(v4.client == ip("1.2.3.4") && v6.client == ip("::1.2.3.4"))
    }

    @Test func bucketFootprintIsSmall() {
        #expect(MemoryLayout<BucketKey>.stride == 24)
        #expect(MemoryLayout<BucketState>.stride == 24)
        #expect(MemoryLayout<BucketTable.Slot>.stride == 56)
        #expect(MemoryRateLimitStore.estimatedBytesPerBucket <= 100)
    }
}

@Suite struct RateLimitSweepBudgetTests {
    @Test func boundedSweepLooksOnlyAtTheOldest() {
        var table = BucketTable(capacity: 100)
        for n in 0..<10 {
            let state = BucketState(first: epoch, second: 1, expiresAt: epoch + Int64(n % 2 == 0 ? 1 : 100) * second)
            table.store(BucketKey(client: .v4(UInt32(n)), rule: 1), state, slot: BucketTable.none, now: epoch)
        }
        // Oldest first: 0 (expired), 1, 2 (expired), 3: a budget of 4 finds two.
        #expect(table.sweep(now: epoch + 2 * second, budget: 4) == 2)
        #expect(table.sweep(now: epoch + 2 * second) == 3)
        #expect(table.liveCount == 5 && table.expirations == 5)
        let store = MemoryRateLimitStore(maxBuckets: 10)
        #expect(store.sweep(now: epoch, budgetPerShard: 1) == 0)
    }
}
