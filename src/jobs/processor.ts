import type Bull from 'bull';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { Channels } from '../realtime/channels';
import type { ApiQueues } from './api-queues';
import type { FinalFailure } from './job-definition';

export interface ProcessorDeps {
  config: Config;
  dataSource: DataSource;
  /** Queues a processor may produce into (e.g. the prober enqueues rollups). */
  queues: ApiQueues;
  logger: Logger;
  /** Events for API instances to serve (training progress, risk changes). */
  channels: Channels;
  redis: Redis;
  /** For child processes, which open their own pool. */
  appDatabaseUrl: string;
  /** The platform role's URL, for global training's child (reads the aggregate). */
  platformDatabaseUrl?: string;
}

/** A queue the worker consumes, and how. */
export interface ProcessorRegistration {
  queue: string;
  concurrency: number;
  process: (job: Bull.Job, deps: ProcessorDeps) => Promise<unknown>;
  /** Bull queue options beyond the defaults (e.g. a shorter lock for long jobs in tests). */
  settings?: Bull.AdvancedSettings;
  /** Called once a job has failed for good: out of attempts, or stalled too often. */
  onFinalFailure?: (job: Bull.Job, failure: FinalFailure, deps: ProcessorDeps) => Promise<void>;
  /** The worker is stopping: abandon long jobs so that they are retried, rather than wait. */
  interrupt?: () => void;
  /** Releases what the processor holds (clients, sockets) when the worker stops. */
  close?: () => Promise<void>;
}
