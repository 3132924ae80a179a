/**
 * Platt scaling: p = sigmoid(a * logit(score) + b), fitted on the validation minutes, so that
 * `probability` means the chance of a breach onset within the horizon (class weighting in
 * training inflates raw scores). Two numbers stored with the model; monotone, so it never changes
 * which minutes rank above which (docs/DECISIONS.md says why Platt rather than isotonic).
 */
export interface Calibration {
  method: 'platt';
  a: number;
  b: number;
}

const EPS = 1e-7;

function logit(p: number): number {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** A raw network output as a calibrated probability; models trained before calibration: as is. */
export function calibrate(score: number, calibration: Calibration | null | undefined): number {
  if (!calibration) return score;
  return sigmoid(calibration.a * logit(score) + calibration.b);
}

/**
 * Fits a and b by Newton's method on the log-loss, with Platt's smoothed targets
 * ((positives + 1) / (positives + 2) and 1 / (negatives + 2)), which keep a few positives from
 * driving the fit to certainty. Null without both classes.
 */
export function fitPlatt(scores: number[], labels: Array<0 | 1>): Calibration | null {
  const positives = labels.filter((l) => l === 1).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  const x = scores.map(logit);
  const t = labels.map((l) => (l === 1 ? hi : lo));
  const loss = (a: number, b: number) => {
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      const z = a * x[i]! + b;
      // log(1 + e^z) - t z, computed without overflow.
      sum += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t[i]! * z;
    }
    return sum;
  };
  // Platt's start: slope 0, the base rate; Newton steps, halved until the loss goes down.
  let a = 0;
  let b = Math.log((positives + 1) / (negatives + 1));
  let current = loss(a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < x.length; i++) {
      const p = sigmoid(a * x[i]! + b);
      const d = p - t[i]!;
      const w = p * (1 - p);
      ga += d * x[i]!;
      gb += d;
      haa += w * x[i]! * x[i]!;
      hab += w * x[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-300)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = loss(a - da, b - db);
    while (!(next < current) && step > 1e-10) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (!(next < current)) break;
    a -= step * da;
    b -= step * db;
    if (current - next < 1e-12 * Math.max(1, Math.abs(current))) break;
    current = next;
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  return { method: 'platt', a, b };
}
