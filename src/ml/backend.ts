import type * as TF from '@tensorflow/tfjs';
import type { Logger } from '../config/logger';

/** Which TensorFlow.js backend runs the models, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface LoadedTf {
  tf: typeof TF;
  backend: BackendName;
}

let loaded: Promise<LoadedTf> | undefined;

/**
 * Loads TensorFlow.js once per process with the fastest backend that works here:
 * `@tensorflow/tfjs-node` (native libtensorflow; an optional dependency whose install needs the
 * internet, so often absent), else the wasm backend (about 3x the pure-JS one for our MLPs), else
 * cpu. Only the worker calls this: the API process never loads TensorFlow.
 */
export function loadTf(
  logger: Logger,
  prefer: BackendName[] = ['tensorflow', 'wasm', 'cpu'],
): Promise<LoadedTf> {
  loaded ??= pickBackend(logger, prefer);
  return loaded;
}

async function pickBackend(logger: Logger, prefer: BackendName[]): Promise<LoadedTf> {
  for (const name of prefer) {
    try {
      const tf = await attempt(name);
      if (tf) {
        logger.info({ backend: name }, 'TensorFlow.js backend selected');
        return { tf, backend: name };
      }
    } catch (err) {
      logger.info(
        { backend: name, reason: (err as Error).message.split('\n')[0] },
        'TensorFlow.js backend unavailable',
      );
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, so the API never pays for them */
async function attempt(name: BackendName): Promise<typeof TF | undefined> {
  if (name === 'tensorflow') {
    // Its binding is a native addon; requiring it throws when libtensorflow was not installed.
    const tf = require('@tensorflow/tfjs-node') as typeof TF;
    return (await tf.setBackend('tensorflow')) ? tf : undefined;
  }
  const tf = require('@tensorflow/tfjs') as typeof TF;
  if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(name))) return undefined;
  await tf.ready();
  return tf;
}
/* eslint-enable @typescript-eslint/no-require-imports */
