import type { Config } from '../config/config';
import { createForecastProcessor } from './forecast-jobs';
import { incidentProcessor } from './incident-jobs';
import { maintenanceProcessor } from './maintenance-jobs';
import { createProbeProcessor } from './probe-jobs';
import type { ProcessorRegistration } from './processor';
import { retrainingProcessor } from './retraining-jobs';
import { rollupProcessor } from './rollup-jobs';
import { createScoringProcessor } from './scoring-jobs';
import { createTrainingProcessor } from './training-processor';
import { createWebhookProcessor } from './webhook-jobs';

/** Every queue the worker consumes. */
export function createProcessors(config: Config): ProcessorRegistration[] {
  return [
    rollupProcessor,
    createProbeProcessor(config.probeAllowNetworks),
    maintenanceProcessor,
    createTrainingProcessor(config),
    createScoringProcessor(),
    createForecastProcessor(),
    createWebhookProcessor(config.probeAllowNetworks),
    incidentProcessor,
    retrainingProcessor,
  ];
}
