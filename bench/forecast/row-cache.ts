import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { EndpointRows } from '../../src/ml/pipeline';

// Feature rows kept on disk between runs, so training and threshold variants can be compared on
// exactly the same minutes without regenerating and re-reading them (bench/forecast/variants.ts).

export function saveRows(dir: string, name: string, data: EndpointRows[]): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.v8`), v8.serialize(data));
}

export function loadRows(dir: string, name: string): EndpointRows[] {
  return v8.deserialize(fs.readFileSync(path.join(dir, `${name}.v8`))) as EndpointRows[];
}
