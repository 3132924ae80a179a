import crypto from 'node:crypto';
import type * as TF from '@tensorflow/tfjs';

/** A model as stored in PostgreSQL: TF.js topology JSON and weight bytes, with their SHA-256. */
export interface ModelArtifact {
  topology: object;
  weightSpecs: TF.io.WeightsManifestEntry[];
  weights: Buffer;
  sha256: string;
}

export class TamperedArtifactError extends Error {
  constructor() {
    super('model artifact does not match its SHA-256: refusing to load it');
  }
}

function digest(topology: object, weightSpecs: object, weights: Buffer): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(topology))
    .update(JSON.stringify(weightSpecs))
    .update(weights)
    .digest('hex');
}

export async function serializeModel(model: TF.LayersModel, tf: typeof TF): Promise<ModelArtifact> {
  let artifact: ModelArtifact | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = Buffer.from(artifacts.weightData as ArrayBuffer);
      const topology = artifacts.modelTopology as object;
      const weightSpecs = artifacts.weightSpecs ?? [];
      artifact = { topology, weightSpecs, weights, sha256: digest(topology, weightSpecs, weights) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifact!;
}

/** Loads from memory only (never from a path), after checking the hash on every load. */
export async function loadModel(artifact: ModelArtifact, tf: typeof TF): Promise<TF.LayersModel> {
  if (digest(artifact.topology, artifact.weightSpecs, artifact.weights) !== artifact.sha256)
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
