import type { ProcessorRegistration } from './processor';
import { rollupProcessor } from './rollup-jobs';

/** Every queue the worker consumes. */
export const processors: ProcessorRegistration[] = [rollupProcessor];
