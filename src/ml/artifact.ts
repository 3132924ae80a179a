import crypto from 'node:crypto';
import type * as TF from '@tensorflow/tfjs';

/**
 * What a model does besides its weights: a threshold of 0 makes every minute alert, a wrong
 * normalisation or calibration every probability wrong. The SHA-256 covers it all.
 */
export interface ModelRecord {
  horizonMinutes: number;
  featureNames: string[];
  normalization: object;
  hiddenUnits: number[];
  threshold: number;
  calibration: object | null;
}

/**
 * A model as stored in PostgreSQL: TF.js topology JSON and weight bytes, and the SHA-256 over
 * them and (models from digest version 2 on) over the whole record.
 */
export interface ModelArtifact {
  topology: object;
  weightSpecs: TF.io.WeightsManifestEntry[];
  weights: Buffer;
  sha256: string;
  /** Absent: a model stored before records were covered (digest version 1), weights only. */
  record?: ModelRecord;
}

export class TamperedArtifactError extends Error {
  constructor() {
    super('model artifact does not match its SHA-256: refusing to load it');
  }
}

/** JSON with keys sorted at every level: jsonb does not keep key order, the digest must. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** The SHA-256 of an artifact (and its record, when given): what `loadModel` checks. */
export function digest(
  topology: object,
  weightSpecs: object,
  weights: Buffer,
  record: ModelRecord | undefined,
): string {
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify(topology))
    .update(JSON.stringify(weightSpecs))
    .update(weights);
  if (record) hash.update(canonicalJson(record));
  return hash.digest('hex');
}

/** The artifact of a trained model; with `record`, its SHA-256 covers the record too. */
export async function serializeModel(
  model: TF.LayersModel,
  tf: typeof TF,
  record?: ModelRecord,
): Promise<ModelArtifact> {
  let artifact: ModelArtifact | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = Buffer.from(artifacts.weightData as ArrayBuffer);
      const topology = artifacts.modelTopology as object;
      const weightSpecs = artifacts.weightSpecs ?? [];
      artifact = {
        topology,
        weightSpecs,
        weights,
        sha256: digest(topology, weightSpecs, weights, record),
        ...(record ? { record } : {}),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifact!;
}

/** Loads from memory only (never from a path), after checking the hash on every load. */
export async function loadModel(artifact: ModelArtifact, tf: typeof TF): Promise<TF.LayersModel> {
  if (
    digest(artifact.topology, artifact.weightSpecs, artifact.weights, artifact.record) !==
    artifact.sha256
  )
    throw new TamperedArtifactError();
  const weights = artifact.weights.buffer.slice(
    artifact.weights.byteOffset,
    artifact.weights.byteOffset + artifact.weights.byteLength,
  );
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: artifact.topology,
      weightSpecs: artifact.weightSpecs,
      weightData: weights as ArrayBuffer,
    }),
  );
}
