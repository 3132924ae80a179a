import type { EndpointRows } from '../../src/ml/pipeline';

/**
 * PROTOTYPE (not kept): trend features computed in JS from cached rows' p95_ratio (feature 0),
 * to judge whether they move the lead before writing them in SQL.
 */
function fit(ts: number[], ys: number[]): { slope: number; level: number; r2: number } | null {
  const n = ts.length;
  if (n < 3) return null;
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sx += ts[i]!;
    sy += ys[i]!;
    sxx += ts[i]! * ts[i]!;
    sxy += ts[i]! * ys[i]!;
    syy += ys[i]! * ys[i]!;
  }
  const vx = n * sxx - sx * sx;
  const vy = n * syy - sy * sy;
  if (vx <= 0) return null;
  const slope = (n * sxy - sx * sy) / vx;
  const intercept = (sy - slope * sx) / n;
  const r2 = vy > 0 ? (n * sxy - sx * sy) ** 2 / (vx * vy) : 0;
  return { slope, level: intercept, r2 }; // level at t = 0 (the current minute)
}

export function augment(data: EndpointRows[], which: string): EndpointRows[] {
  return data.map((d) => {
    const t = d.rows.map((r) => r.minute.getTime() / 60_000);
    const y = d.rows.map((r) => r.features[0]!);

    return {
      endpointId: d.endpointId,
      rows: d.rows.map((r, i) => {
        const extra: number[] = [];
        for (const k of [15, 30, 60]) {
          const ts: number[] = [];
          const ys: number[] = [];
          for (let j = i; j >= 0 && t[j]! > t[i]! - k; j--) {
            if (y[j]! === 0) continue;
            ts.push(t[j]! - t[i]!);
            ys.push(y[j]!);
          }
          const f = fit(ts, ys);
          const slope = f?.slope ?? 0;
          const level = f?.level ?? 0;
          const ttt = slope > 0 ? Math.min(120, Math.max(0, (1 - level) / slope)) : 120;
          if (which.includes('s')) extra.push(slope * k);
          if (which.includes('t')) extra.push(ttt / 120);
          if (which.includes('r')) extra.push(f?.r2 ?? 0);
        }
        if (which.includes('c')) {
          // curvature: slope of the last 15 minus slope of the 15 before
          const a = [] as number[],
            b = [] as number[],
            c = [] as number[],
            e = [] as number[];
          for (let j = i; j >= 0 && t[j]! > t[i]! - 30; j--) {
            if (y[j]! === 0) continue;
            if (t[j]! > t[i]! - 15) {
              a.push(t[j]! - t[i]!);
              b.push(y[j]!);
            } else {
              c.push(t[j]! - t[i]!);
              e.push(y[j]!);
            }
          }
          extra.push(((fit(a, b)?.slope ?? 0) - (fit(c, e)?.slope ?? 0)) * 15);
        }

        return { ...r, features: [...r.features, ...extra] };
      }),
    };
  });
}
