import { BadInputError, type FieldProblem } from '../errors/app-errors';
import { isUuid } from '../services/ids';
import type { TrainingRequest } from './training-events';

/**
 * The ranges a training request must keep, whoever makes it (GraphQL's TrainModelInput declares
 * the same numbers for its schema; `sentinel train` relies on these checks alone).
 */
export const TRAINING_LIMITS = {
  horizonMinutes: { min: 5, max: 120 },
  epochs: { min: 1, max: 200 },
  windowDays: { min: 2, max: 90 },
  seed: { min: 0, max: 2_147_483_647 },
  endpointIds: { min: 1, max: 1000 },
} as const;

type Ranged = 'horizonMinutes' | 'epochs' | 'windowDays' | 'seed';

/** Throws BAD_USER_INPUT naming every field out of range; nothing is recorded or queued first. */
export function assertValidTrainingRequest(request: TrainingRequest): void {
  const problems: FieldProblem[] = [];
  const check = (field: Ranged, value: number | null) => {
    if (value === null) return;
    const { min, max } = TRAINING_LIMITS[field];
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push({ field, message: `must be an integer from ${min} to ${max}` });
  };
  check('horizonMinutes', request.horizonMinutes);
  check('epochs', request.epochs);
  check('windowDays', request.windowDays);
  check('seed', request.seed);
  if (request.endpointIds !== null) {
    const { min, max } = TRAINING_LIMITS.endpointIds;
    if (request.endpointIds.length < min || request.endpointIds.length > max)
      problems.push({ field: 'endpointIds', message: `must list ${min} to ${max} endpoints` });
    else if (!request.endpointIds.every(isUuid))
      problems.push({ field: 'endpointIds', message: 'must be endpoint ids' });
  }
  if (problems.length > 0) throw new BadInputError(problems);
}
