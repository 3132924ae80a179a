import type { EntityManager } from 'typeorm';

export interface TelemetryBucket {
  start: Date;
  sampleCount: number;
  errorCount: number;
  latencyP50: number | null;
  latencyP95: number | null;
  latencyP99: number | null;
  latencyMax: number | null;
}

/**
 * Buckets of `bucketMinutes` over [from, to), from the raw samples so that percentiles of wide
 * buckets are exact (per-minute percentiles cannot be merged). Empty buckets are included.
 */
export async function telemetrySeries(
  manager: EntityManager,
  endpointId: string,
  from: Date,
  to: Date,
  bucketMinutes: number,
): Promise<TelemetryBucket[]> {
  return manager.query(
    `with buckets as (
       select generate_series(date_bin(make_interval(mins => $4), $2::timestamptz, 'epoch'),
                              $3::timestamptz - interval '1 microsecond', make_interval(mins => $4)) as start),
     agg as (
       select date_bin(make_interval(mins => $4), observed_at, 'epoch') as start, count(*)::int as sample_count,
              count(error_kind)::int as error_count,
              percentile_cont(0.5) within group (order by latency_ms) filter (where error_kind is null) as p50,
              percentile_cont(0.95) within group (order by latency_ms) filter (where error_kind is null) as p95,
              percentile_cont(0.99) within group (order by latency_ms) filter (where error_kind is null) as p99, max(latency_ms) as max
         from samples where endpoint_id = $1 and observed_at >= $2 and observed_at < $3
        group by 1)
     select b.start as "start", coalesce(a.sample_count, 0) as "sampleCount", coalesce(a.error_count, 0) as "errorCount",
            a.p50 as "latencyP50", a.p95 as "latencyP95", a.p99 as "latencyP99", a.max as "latencyMax"
       from buckets b left join agg a using (start) order by b.start`,
    [endpointId, from, to, bucketMinutes],
  );
}
