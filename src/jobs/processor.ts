import type Bull from 'bull';
import type { DataSource } from 'typeorm';
import type { Logger } from '../config/logger';

export interface ProcessorDeps {
  dataSource: DataSource;
  redisUrl: string;
  logger: Logger;
}

/** A queue the worker consumes, and how. */
export interface ProcessorRegistration {
  queue: string;
  concurrency: number;
  process: (job: Bull.Job, deps: ProcessorDeps) => Promise<unknown>;
}
