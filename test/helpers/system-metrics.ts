// A system_metrics row as the collector writes it, for tests that seed samples from the past.

/** A healthy sample of `instanceId` at `recordedAt`; `cpuPercent` can mark it to find it again in a series. */
export function systemMetricsRow(instanceId: string, recordedAt: Date, cpuPercent = 1) {
  return {
    recorded_at: recordedAt,
    instance_id: instanceId,
    cpu_percent: cpuPercent,
    memory_percent: 10,
    rss_bytes: 1,
    heap_used_bytes: 1,
    event_loop_lag_ms: 1,
    request_count: 0,
    error_count: 0,
    request_rate: 0,
    http_p95_ms: 0,
    db_p95_ms: 0,
    db_reachable: true,
    pool_total: 0,
    pool_idle: 0,
    pool_waiting: 0,
  };
}
