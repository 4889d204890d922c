/**
 * Streams the lines of a gzip-compressed text file (node:zlib gunzip + node:readline), for the
 * recorded-data readers. Yields every line, blank ones included, so callers can count line numbers.
 */

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { PermanentError } from '../core/errors.ts';

/**
 * Lines of `path` (gzip), without line terminators, in file order.
 * @throws PermanentError `DATA_READ` naming the file and the last line read, for a missing file or a
 *   corrupt/truncated gzip stream. Errors thrown by the consumer pass through unchanged.
 */
export async function* readGzipLines(path: string): AsyncGenerator<string> {
  const source = createReadStream(path);
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  const lines = createInterface({ input: source.pipe(gunzip), crlfDelay: Infinity });
  let lineNo = 0;
  const iterator = lines[Symbol.asyncIterator]();
  try {
    for (;;) {
      let r: IteratorResult<string>;
      try {
        r = await iterator.next();
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new PermanentError(
          'DATA_READ',
          `${path}:${lineNo}: cannot read (${why})`,
          { file: path, line: lineNo },
          { cause: err },
        );
      }
      if (r.done === true) return;
      lineNo++;
      yield r.value;
    }
  } finally {
    lines.close();
    source.destroy();
    gunzip.destroy();
  }
}
