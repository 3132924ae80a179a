import type Bull from 'bull';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { ApiQueues } from './api-queues';

export interface ProcessorDeps {
  config: Config;
  dataSource: DataSource;
  /** Queues a processor may produce into (e.g. the prober enqueues rollups). */
  queues: ApiQueues;
  logger: Logger;
}

/** A queue the worker consumes, and how. */
export interface ProcessorRegistration {
  queue: string;
  concurrency: number;
  process: (job: Bull.Job, deps: ProcessorDeps) => Promise<unknown>;
  /** Releases what the processor holds (clients, sockets) when the worker stops. */
  close?: () => Promise<void>;
}
