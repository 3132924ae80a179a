import pl from 'nodejs-polars';
import type { Endpoint } from '../../src/entities/endpoint.entity';

/** Rollup columns as fetched from PostgreSQL for one endpoint, in time order. */
export interface RollupColumns {
  minute: Date[];
  n: number[];
  e: number[];
  s: number[];
  b: number[];
  fails: number[];
  p50: number[];
  p95: number[];
  p99: number[];
}

export interface PolarsFeatureRow {
  minute: Date;
  features: number[];
  label: 0 | 1;
  breached: boolean;
  onset: boolean;
  burnAlert: boolean;
}

const DAY_MINUTES = 1440;

/**
 * The 17 features, labels and burn-rate alert of src/ml/features.ts, computed with nodejs-polars
 * rolling windows instead of SQL window functions. Bench-only: it exists to compare the two
 * (docs/DECISIONS.md), and bench/features checks that it gives the same numbers.
 */
export function polarsFeatureRows(
  columns: RollupColumns,
  endpoint: Endpoint,
  from: Date,
  to: Date,
  horizon: number,
): PolarsFeatureRow[] {
  const threshold = endpoint.latencyThresholdMs;
  const budget = 1 - endpoint.availabilityTarget;
  const df = pl
    .DataFrame({
      minute: columns.minute,
      n: columns.n,
      e: columns.e,
      s: columns.s,
      b: columns.b,
      fails: columns.fails,
      p50r: columns.p50.map((v) => v / threshold),
      p95r: columns.p95.map((v) => v / threshold),
      p99r: columns.p99.map((v) => v / threshold),
    })
    .withColumns(pl.col('p99r').minus(pl.col('p50r')).alias('spread'));

  // One rolling pass per window length, closed on the right: (t - period, t], like SQL's frames.
  const rolling = (period: string, first: pl.Expr, ...rest: pl.Expr[]) =>
    df
      .groupByRolling({ indexColumn: 'minute', period, closed: 'right' })
      .agg(first, ...rest)
      .drop('minute');
  const sum = (column: string, suffix: string) => pl.col(column).sum().alias(`${column}_${suffix}`);
  const mean = (column: string, suffix: string) =>
    pl.col(column).mean().alias(`${column}_${suffix}`);
  const windows = [
    rolling(
      '5m',
      mean('p95r', '5m'),
      mean('spread', '5m'),
      sum('s', '5m'),
      sum('n', '5m'),
      sum('e', '5m'),
      sum('b', '5m'),
    ),
    rolling('15m', sum('s', '15m'), sum('n', '15m'), sum('e', '15m'), sum('fails', '15m')),
    rolling('30m', mean('p95r', '30m'), sum('b', '30m'), sum('n', '30m')),
    rolling('60m', sum('e', '60m'), sum('n', '60m'), sum('b', '60m')),
    rolling('6h', sum('b', '6h'), sum('n', '6h')),
    rolling('1d', mean('p95r', '1d')),
    rolling(`${endpoint.windowMinutes}m`, sum('n', 'sla'), sum('e', 'sla'), sum('s', 'sla')),
  ];
  let all = windows.reduce((frame, w) => frame.hstack(w), df);
  const ratio = (a: string, b: string) => pl.col(a).cast(pl.Float64).div(pl.col(b));
  const slowAllowed = 1 - endpoint.latencyPercentile / 100;
  all = all.withColumns(
    pl
      .col('n_sla')
      .gt(0)
      .and(
        ratio('e_sla', 'n_sla')
          .gt(endpoint.errorRateThreshold)
          .or(ratio('s_sla', 'n_sla').gt(slowAllowed)),
      )
      .alias('breached'),
    ratio('b_60m', 'n_60m')
      .gt(14.4 * budget)
      .and(ratio('b_5m', 'n_5m').gt(14.4 * budget))
      .or(
        ratio('b_6h', 'n_6h')
          .gt(6 * budget)
          .and(ratio('b_30m', 'n_30m').gt(6 * budget)),
      )
      .alias('burn_alert'),
  );
  all = all.withColumns(
    pl.col('breached').and(pl.col('breached').shift(1).fillNull(false).not()).alias('onset'),
    pl
      .when(pl.col('breached'))
      .then(pl.col('minute'))
      .otherwise(pl.lit(null))
      .forwardFill()
      .shift(1)
      .alias('last_breach'),
  );
  // The label looks forward: an onset in (t, t + horizon].
  const ahead = all
    .groupByRolling({
      indexColumn: 'minute',
      period: `${Math.trunc(horizon)}m`,
      offset: '0m',
      closed: 'right',
    })
    .agg(pl.col('onset').cast(pl.Int32).sum().alias('onsets_ahead'))
    .drop('minute');
  all = all.hstack(ahead);

  const records = all
    .filter(
      pl
        .col('minute')
        .gt(pl.lit(from))
        .and(pl.col('minute').ltEq(pl.lit(to))),
    )
    .toRecords() as Array<Record<string, unknown>>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return records.map((r) => {
    const minute = r.minute as Date;
    const epochDays = minute.getTime() / 86_400_000;
    const sinceMinutes = r.last_breach
      ? (minute.getTime() - (r.last_breach as Date).getTime()) / 60_000
      : DAY_MINUTES;
    const features = [
      r.p95r,
      r.p95r_5m,
      num(r.p95r_5m) - num(r.p95r_30m),
      r.spread_5m,
      num(r.s_5m) / num(r.n_5m),
      num(r.s_15m) / num(r.n_15m),
      num(r.e_5m) / num(r.n_5m),
      num(r.e_15m) / num(r.n_15m),
      num(r.e_60m) / num(r.n_60m),
      num(r.fails_15m) / num(r.n_15m),
      num(r.p95r_5m) / num(r.p95r_1d) - 1,
      num(r.n_5m) / 5 / (num(r.n_60m) / 60) - 1,
      Math.sin(2 * Math.PI * epochDays),
      Math.cos(2 * Math.PI * epochDays),
      Math.sin((2 * Math.PI * (epochDays + 4)) / 7),
      Math.cos((2 * Math.PI * (epochDays + 4)) / 7),
      Math.min(1, Math.log(1 + sinceMinutes) / Math.log(1 + DAY_MINUTES)),
    ].map(num);
    return {
      minute,
      features,
      label: num(r.onsets_ahead) > 0 ? 1 : 0,
      breached: r.breached === true,
      onset: r.onset === true,
      burnAlert: r.burn_alert === true,
    };
  });
}
