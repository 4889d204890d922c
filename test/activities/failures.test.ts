/**
 * Failure classification of the step activities (activities/failures.ts) and of database errors
 * (db/errors.ts): connection loss and server restarts are transient (retried), permanent errors and
 * unclassified ones become non-retryable ApplicationFailures saying why.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { DatabaseError } from 'pg';
import { describe, expect, it } from 'vitest';
import { classified, toActivityFailure, UNCLASSIFIED_ERROR } from '../../activities/failures.ts';
import { InvariantViolation, PermanentError, TransientError } from '../../core/errors.ts';
import { mapDbError } from '../../db/errors.ts';

const pgError = (code: string): DatabaseError => {
  const e = new DatabaseError('server said no', 0, 'error');
  e.code = code;
  return e;
};
const nodeError = (code: string): Error =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

describe('database errors', () => {
  it('classifies connection errors and classes 08 / 57P0x as transient', () => {
    for (const err of [
      nodeError('ECONNREFUSED'),
      nodeError('ECONNRESET'),
      new AggregateError([nodeError('ECONNREFUSED'), nodeError('ECONNREFUSED')], ''),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      pgError('08006'),
      pgError('57P01'),
      pgError('57P02'),
      pgError('57P03'),
    ])
      expect(mapDbError(err, 'save x'), String(err)).toBeInstanceOf(TransientError);
  });

  it('classifies constraint, data and schema errors and foreign errors as permanent', () => {
    for (const err of [pgError('23505'), pgError('22P02'), pgError('42P01'), new Error('boom')])
      expect(mapDbError(err, 'save x')).toBeInstanceOf(PermanentError);
  });
});

describe('step activity failures', () => {
  it('lets transient errors and Temporal failures through as they are (retryable / cancellation)', () => {
    const transient = new TransientError('DB_CONNECTION', 'save x: connect ECONNREFUSED');
    expect(toActivityFailure(transient, 'a')).toBe(transient);
    const cancelled = new CancelledFailure('cancelled');
    expect(toActivityFailure(cancelled, 'a')).toBe(cancelled);
    expect(toActivityFailure(nodeError('ECONNREFUSED'), 'a')).toBeInstanceOf(TransientError);
  });

  it('turns permanent errors and invariant violations into non-retryable failures with a reason', () => {
    const failure = toActivityFailure(
      new PermanentError('MODEL_NOT_FOUND', 'model version "x@7" is not in the registry', { model: 'x@7' }),
      'a',
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'PermanentError',
      nonRetryable: true,
      details: [{ code: 'MODEL_NOT_FOUND', model: 'x@7' }],
    });
    expect((failure as Error).message).toContain('[MODEL_NOT_FOUND: not retried, a permanent error');
    expect(toActivityFailure(new InvariantViolation('NAN_PRICE', 'NaN'), 'a')).toMatchObject({
      type: 'InvariantViolation',
      nonRetryable: true,
    });
  });

  it('does not retry an unclassified error, and says so', async () => {
    const run = classified('train alpha', async (): Promise<number> => {
      throw new TypeError('x is undefined');
    });
    await expect(run()).rejects.toMatchObject({
      type: UNCLASSIFIED_ERROR,
      nonRetryable: true,
      message: expect.stringContaining('train alpha: x is undefined [not retried: an unclassified error'),
    });
  });
});
