// core/errors.ts taxonomy (kept with the venue tests: adapters are where errors get mapped).
import { describe, expect, it } from 'vitest';
import {
  InvariantViolation,
  isMmflowError,
  isRetryable,
  PermanentError,
  TransientError,
} from '../../core/errors.ts';

describe('error taxonomy', () => {
  it('carries code, details, cause and a retryability flag', () => {
    const cause = new Error('socket hang up');
    const t = new TransientError('NETWORK', 'fetch failed', { url: 'x' }, { cause });
    expect([t.name, t.code, t.retryable, t.message]).toEqual([
      'TransientError',
      'NETWORK',
      true,
      'fetch failed',
    ]);
    expect(t.details).toEqual({ url: 'x' });
    expect(t.cause).toBe(cause);
    expect(t).toBeInstanceOf(Error);
    const p = new PermanentError('UNKNOWN_INSTRUMENT', 'no such symbol');
    expect([p.name, p.retryable, p.details]).toEqual(['PermanentError', false, undefined]);
    expect(new InvariantViolation('BOOK_CROSSED', 'crossed').name).toBe('InvariantViolation');
  });

  it('isRetryable: transient yes, permanent and invariant no, foreign errors yes (Temporal default)', () => {
    expect(isRetryable(new TransientError('RATE_LIMIT', 'x'))).toBe(true);
    expect(isRetryable(new PermanentError('BAD', 'x'))).toBe(false);
    expect(isRetryable(new InvariantViolation('NAN_PRICE', 'x'))).toBe(false);
    expect(isRetryable(new Error('ECONNRESET'))).toBe(true);
    expect(isRetryable('thrown string')).toBe(true);
  });

  it('subclasses keep the taxonomy', () => {
    class ConfigError extends PermanentError {}
    const e = new ConfigError('CONFIG_INVALID', 'bad');
    expect(isRetryable(e)).toBe(false);
    expect(isMmflowError(e)).toBe(true);
    expect(isMmflowError(new Error('x'))).toBe(false);
  });
});
