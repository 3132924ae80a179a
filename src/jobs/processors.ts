import { maintenanceProcessor } from './maintenance-jobs';
import { createProbeProcessor } from './probe-jobs';
import type { ProcessorRegistration } from './processor';
import { rollupProcessor } from './rollup-jobs';

/** Every queue the worker consumes. */
export function createProcessors(): ProcessorRegistration[] {
  return [rollupProcessor, createProbeProcessor(), maintenanceProcessor];
}
