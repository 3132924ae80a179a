import type { ComplexityEstimator } from 'graphql-query-complexity';

/** A backtest is a worker job running the model over every minute of its range. */
export const FORECAST_COST = 1000;
/** A public status page reads 90 days of every public endpoint, without a key. */
export const STATUS_PAGE_COST = 100;

const MINUTE = 60_000;

function time(value: unknown): number {
  return value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
}

/** Buckets and days of raw samples a `telemetry` field reads (the resolver caps buckets at 1440). */
function telemetryCost(args: Record<string, unknown>): number {
  const minutes = (time(args.to) - time(args.from)) / MINUTE;
  if (!(minutes > 0)) return 5;
  const bucketMinutes = Number(args.bucketMinutes ?? 1) >= 1 ? Number(args.bucketMinutes ?? 1) : 1;
  const buckets = Math.min(1440, Math.ceil(minutes / bucketMinutes));
  return 5 + Math.ceil(buckets / 4) + 5 * Math.ceil(minutes / 1440);
}

/**
 * Cost that follows the work for the root fields whose work does not show in their selection:
 * `telemetry` by buckets and days scanned, `forecast` as a worker job (and counted, so a request
 * can be capped), the keyless `statusPage` by what it reads, `ingestSamples` by its rows. Other
 * fields fall through to the next estimator (1 per field, times the page size for connections).
 */
export function workEstimator(counts: { forecasts: number }): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    switch (type.name === 'Query' ? field.name : '') {
      case 'telemetry':
        return telemetryCost(args) + childComplexity;
      case 'forecast':
        counts.forecasts++;
        return FORECAST_COST + childComplexity;
      case 'statusPage':
        return STATUS_PAGE_COST + childComplexity;
      default:
        break;
    }
    if (type.name === 'Mutation' && field.name === 'ingestSamples') {
      // A point per ten rows: a key's budget bounds the rows it writes, not just its calls.
      const samples = (args.input as { samples?: unknown[] } | undefined)?.samples;
      return 1 + Math.ceil((Array.isArray(samples) ? samples.length : 0) / 10) + childComplexity;
    }
    return undefined;
  };
}
