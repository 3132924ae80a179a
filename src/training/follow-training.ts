import type { DataSource } from 'typeorm';
import { channelIterator, type Channels } from '../realtime/channels';
import { TERMINAL_STATES, trainingChannel, type TrainingEvent } from './training-events';
import { readTrainingJob } from './training-jobs';

/**
 * A job's progress as a stream: first its current state, then every later event in order, ending
 * after COMPLETED, FAILED or CANCELLED. The channel is subscribed before the row is read, and
 * events are numbered, so nothing falls between the two and nothing arrives twice. Throws
 * NOT_FOUND (before any event) for a job the tenant cannot see: other tenants' jobs included.
 */
export async function followTraining(
  dataSource: DataSource,
  channels: Channels,
  tenantId: string,
  jobId: string,
): Promise<AsyncIterableIterator<TrainingEvent>> {
  const live = await channelIterator<TrainingEvent>(channels, trainingChannel(jobId));
  let current: TrainingEvent;
  try {
    current = (await readTrainingJob(dataSource, tenantId, jobId)).lastEvent;
  } catch (err) {
    await live.return!();
    throw err;
  }
  let lastSeq = 0;
  let finished = false;
  const finish = async (): Promise<IteratorResult<TrainingEvent>> => {
    finished = true;
    await live.return!();
    return { done: true, value: undefined };
  };
  const emit = async (event: TrainingEvent): Promise<IteratorResult<TrainingEvent>> => {
    lastSeq = event.seq;
    if (TERMINAL_STATES.includes(event.state)) await finish();
    return { done: false, value: event };
  };
  const iterator: AsyncIterableIterator<TrainingEvent> = {
    next: async () => {
      if (lastSeq === 0) return emit(current);
      while (!finished) {
        const next = await live.next();
        if (next.done) break;
        if (next.value.seq > lastSeq) return emit(next.value);
      }
      return { done: true, value: undefined };
    },
    return: finish,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
