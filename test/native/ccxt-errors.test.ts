import { describe, expect, it } from 'vitest';
import * as ccxt from 'ccxt';
import { PermanentError, TransientError, isRetryable } from '../../core/errors.ts';
import { mapCcxtError } from '../../native/venues/ccxt-errors.ts';
import { Secret } from '../../native/secret.ts';

describe('mapCcxtError', () => {
  it.each([
    [new ccxt.RateLimitExceeded('binance 429'), TransientError, 'RATE_LIMIT'],
    [new ccxt.DDoSProtection('binance 418'), TransientError, 'RATE_LIMIT'],
    [new ccxt.RequestTimeout('binance GET timed out'), TransientError, 'TIMEOUT'],
    [new ccxt.OnMaintenance('binance maintenance'), TransientError, 'EXCHANGE_UNAVAILABLE'],
    [new ccxt.ExchangeNotAvailable('binance 503'), TransientError, 'EXCHANGE_UNAVAILABLE'],
    [new ccxt.ChecksumError('binance checksum'), TransientError, 'BOOK_CHECKSUM'],
    [new ccxt.NetworkError('socket hang up'), TransientError, 'NETWORK'],
    [new ccxt.NullResponse('empty'), TransientError, 'BAD_RESPONSE'],
    [new ccxt.CancelPending('pending'), TransientError, 'CANCEL_PENDING'],
    [new ccxt.AuthenticationError('binance {"code":-2015}'), PermanentError, 'AUTH'],
    [new ccxt.PermissionDenied('no trading permission'), PermanentError, 'AUTH'],
    [new ccxt.InsufficientFunds('binance {"code":-2010}'), PermanentError, 'INSUFFICIENT_FUNDS'],
    [new ccxt.OrderNotFound('binance {"code":-2011}'), PermanentError, 'ORDER_NOT_FOUND'],
    [new ccxt.OrderImmediatelyFillable('would immediately match'), PermanentError, 'POST_ONLY_WOULD_CROSS'],
    [new ccxt.OrderNotFillable('binance {"code":-5022}'), PermanentError, 'ORDER_NOT_FILLABLE'],
    [new ccxt.InvalidOrder('binance {"code":-1013}'), PermanentError, 'INVALID_ORDER'],
    [new ccxt.BadSymbol('binance does not have market symbol X/Y'), PermanentError, 'UNKNOWN_SYMBOL'],
    [new ccxt.BadRequest('binance {"code":-1102}'), PermanentError, 'BAD_REQUEST'],
    [new ccxt.NotSupported('fetchX not supported'), PermanentError, 'NOT_SUPPORTED'],
    [new ccxt.MarketClosed('closed'), PermanentError, 'REJECTED'],
    [
      new ccxt.ExchangeError('binance {"code":-1100,"msg":"Illegal characters"}'),
      PermanentError,
      'EXCHANGE_ERROR',
    ],
    // Outcome unknown (Binance: a 5xx "could have been a success"; -1000/-1001/-1008 "try again").
    [new ccxt.ExchangeError('binance {"code":-1000}'), TransientError, 'EXCHANGE_UNAVAILABLE'],
    [
      new ccxt.ExchangeError('binance {"code":-1001,"msg":"Internal error"}'),
      TransientError,
      'EXCHANGE_UNAVAILABLE',
    ],
    [
      new ccxt.ExchangeError(
        'binance 503 Service Unavailable {"code":-1008,"msg":"Server is currently overloaded"}',
      ),
      TransientError,
      'EXCHANGE_UNAVAILABLE',
    ],
    [new ccxt.ExchangeError('binance 500 Internal Server Error'), TransientError, 'EXCHANGE_UNAVAILABLE'],
    [new ccxt.ExchangeError('binance {"code":-10008}'), PermanentError, 'EXCHANGE_ERROR'],
    [new TypeError('x is undefined'), PermanentError, 'UNEXPECTED'],
    ['a string', PermanentError, 'UNEXPECTED'],
  ] as const)('maps %s', (err, cls, code) => {
    const mapped = mapCcxtError(err, { op: 'createOrder' });
    expect(mapped).toBeInstanceOf(cls);
    expect(mapped.code).toBe(code);
    expect(isRetryable(mapped)).toBe(cls === TransientError);
    expect(mapped.details?.['op']).toBe('createOrder');
  });

  it('names the original ccxt class and drops the cause', () => {
    const mapped = mapCcxtError(new ccxt.InsufficientFunds('no money'));
    expect(mapped.details?.['ccxtClass']).toBe('InsufficientFunds');
    expect(mapped.cause).toBeUndefined();
  });

  it('scrubs credentials and signatures from the message', () => {
    const key = new Secret('myApiKey123');
    const err = new ccxt.RequestTimeout(
      'binance POST https://api.binance.com/api/v3/order?symbol=BTCUSDT&signature=deadbeef01 apikey myApiKey123',
    );
    const mapped = mapCcxtError(err, {}, [key]);
    expect(mapped.message).not.toContain('myApiKey123');
    expect(mapped.message).not.toContain('deadbeef01');
    expect(mapped.message).toContain('signature=[redacted]');
  });
});
