import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { Client } from 'pg';
import { loadConfig } from '../../config/config';
import { bulkIngest } from '../../telemetry/bulk-ingest';
import { recomputeTouched } from '../../telemetry/rollups';
import { createProgress } from '../progress';
import { withAppDataSource } from '../with-services';

/** The endpoint's tenant, looked up as the owner: the operator names an endpoint, not a tenant. */
async function tenantOfEndpoint(ownerUrl: string, endpointId: string): Promise<string> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const rows = (
      await client.query('select tenant_id from endpoints where id::text = $1', [endpointId])
    ).rows;
    if (!rows[0]) throw new Error(`no endpoint ${endpointId}`);
    return rows[0].tenant_id;
  } finally {
    await client.end();
  }
}

/** Same file, same endpoint: same batch id, so importing a file twice stores it once. */
async function fileDigest(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex').slice(0, 32);
}

export function registerImport(program: Command): void {
  program
    .command('import <file>')
    .description(
      'import CSV (header: observedAt,latencyMs[,statusCode,errorKind]) or NDJSON telemetry for one endpoint',
    )
    .requiredOption(
      '--endpoint <id>',
      'the endpoint the samples belong to (rows may also name their own endpointId)',
    )
    .action(async (file: string, options: { endpoint: string }) => {
      const format = /\.csv$/i.test(file)
        ? 'csv'
        : /\.(nd)?jsonl?$/i.test(file)
          ? 'ndjson'
          : undefined;
      if (!format) throw new Error('the file must end in .csv, .ndjson or .jsonl');
      const size = fs.statSync(file).size;
      const batchId = `import:${options.endpoint}:${await fileDigest(file)}`;

      const summary = await withAppDataSource(async (dataSource, services) => {
        const tenantId = await tenantOfEndpoint(services.ownerDatabaseUrl, options.endpoint);
        const totalMiB = Math.max(1, Math.ceil(size / 1048576));
        const bar = createProgress(totalMiB);
        const name = path.basename(file).slice(0, 30);
        let read = 0;
        const progress = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            read += chunk.length;
            const mib = Math.floor(read / 1048576);
            // Whole tens of percent: the text changes, so a pipe gets one line per step.
            const tenth = Math.floor((mib / totalMiB) * 10) * 10;
            bar.update(mib, `${name} ${tenth}% of ${totalMiB} MiB`);
            done(null, chunk);
          },
        });
        const started = Date.now();
        const result = await bulkIngest({
          dataSource,
          tenantId,
          batchId,
          body: fs.createReadStream(file).pipe(progress),
          format,
          maxBytes: Number.MAX_SAFE_INTEGER,
          ...loadConfig().telemetry,
          defaultEndpointId: options.endpoint,
        }).finally(() => bar.stop());
        const minutes = await recomputeTouched(dataSource, tenantId, result.touched);
        return { ...result.outcome, minutes, seconds: (Date.now() - started) / 1000 };
      });

      console.log(
        summary.replayed
          ? `already imported (batch ${batchId}): ${summary.accepted} rows were stored then, nothing stored now`
          : `imported ${summary.accepted} rows, rejected ${summary.rejected}, ${summary.minutes} minutes rolled up, in ${summary.seconds.toFixed(1)} s`,
      );
      for (const rejection of summary.rejections.slice(0, 10)) {
        const problems = rejection.problems ?? [rejection];
        console.log(
          `  row ${rejection.index}: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
        );
      }
      if (summary.rejected > 10)
        console.log(`  ... and ${summary.rejected - 10} more rejected rows`);
    });
}
