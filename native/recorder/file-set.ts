/**
 * One recording file set: the depth, trades, bookTicker and gap files of one symbol over one hour,
 * gzip-compressed JSON lines in the /work/shared/data layout (see its README):
 * `depth/<prefix>.depth.jsonl.gz`, `trades/<prefix>.trades.jsonl.gz`,
 * `bookticker/<prefix>.bookTicker.jsonl.gz`, `gaps/<prefix>.gaps.jsonl.gz` with
 * `prefix = binance-<market>_<SYMBOL>_<first UTC>-<last UTC>` (UTC minutes of the first and last line's
 * receive time, `YYYYMMDDTHHMMZ`).
 *
 * While open, every file is written under `<name of the first minute>.<kind>.jsonl.gz.partial`, which
 * no reader lists (`listSessions` looks for `.depth.jsonl.gz`); `close` ends the gzip streams and
 * renames them to their final names, the depth file last, so a session appears complete or not at all.
 * A file is only created when its first line arrives (a session without trades has no trades file).
 */
import { createWriteStream, existsSync, mkdirSync, openSync, renameSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';

/** The file kinds of a session and their folders (README: depth/, trades/, bookticker/; gaps/ is the recorder's). */
export const FILE_KINDS = {
  depth: { folder: 'depth', suffix: 'depth' },
  trade: { folder: 'trades', suffix: 'trades' },
  bookTicker: { folder: 'bookticker', suffix: 'bookTicker' },
  gap: { folder: 'gaps', suffix: 'gaps' },
} as const;
export type FileKind = keyof typeof FILE_KINDS;

/** `20240808T2354Z` for a Unix epoch ms (UTC minute, floored). */
export function utcMinute(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-08-08T23:54:14.206Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

/** Session prefix `binance-<market>_<SYMBOL>_<first>-<last>` for first/last receive times in ms. */
export function sessionPrefixOf(
  market: 'spot' | 'usdm',
  symbol: string,
  firstMs: number,
  lastMs: number,
): string {
  return `binance-${market}_${symbol}_${utcMinute(firstMs)}-${utcMinute(lastMs)}`;
}

interface OpenFile {
  readonly gzip: Gzip;
  readonly out: WriteStream;
  readonly partialPath: string;
  readonly done: Promise<void>;
}

/** What `close` produced: the session prefix and the final paths, by kind. */
export interface ClosedFileSet {
  readonly prefix: string;
  readonly paths: Readonly<Partial<Record<FileKind, string>>>;
  /** Lines written, by kind. */
  readonly lines: Readonly<Record<FileKind, number>>;
}

/** The files of one symbol over one rotation period. Not reusable after `close`. */
export class RecordingFileSet {
  private readonly files = new Map<FileKind, OpenFile>();
  private readonly lines: Record<FileKind, number> = { depth: 0, trade: 0, bookTicker: 0, gap: 0 };
  private lastMs: number;
  private closed = false;

  /**
   * @param dataDir data directory root (folders are created as needed).
   * @param firstMs receive time of the set's first line, Unix epoch ms (names the partial files).
   */
  constructor(
    private readonly dataDir: string,
    private readonly market: 'spot' | 'usdm',
    private readonly symbol: string,
    readonly firstMs: number,
  ) {
    this.lastMs = firstMs;
  }

  /** Lines written so far to the depth file (0 = the next depth line is the file's first). */
  get depthLines(): number {
    return this.lines.depth;
  }

  /**
   * Appends one line (without newline) to the file of `kind`.
   * @param recvMs its receive time, Unix epoch ms (the set's last UTC minute follows the latest).
   * @throws Error after `close`.
   */
  write(kind: FileKind, line: string, recvMs: number): void {
    if (this.closed) throw new Error(`recording file set ${this.symbol} is closed`);
    let f = this.files.get(kind);
    if (f === undefined) {
      f = this.open(kind);
      this.files.set(kind, f);
    }
    f.gzip.write(`${line}\n`);
    this.lines[kind]++;
    if (recvMs > this.lastMs) this.lastMs = recvMs;
  }

  private open(kind: FileKind): OpenFile {
    const { folder, suffix } = FILE_KINDS[kind];
    const dir = join(this.dataDir, folder);
    mkdirSync(dir, { recursive: true });
    const partialPath = join(
      dir,
      `${sessionPrefixOf(this.market, this.symbol, this.firstMs, this.firstMs)}.${suffix}.jsonl.gz.partial`,
    );
    const gzip = createGzip();
    // Opened synchronously: the partial file exists from the first line, and a bad folder throws here.
    const out = createWriteStream(partialPath, { fd: openSync(partialPath, 'w') });
    const done = new Promise<void>((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
      gzip.on('error', reject);
    });
    done.catch(() => undefined); // reported by `close`, which awaits it
    gzip.pipe(out);
    return { gzip, out, partialPath, done };
  }

  /**
   * Ends every gzip stream, waits for the bytes to reach the disk, and renames the partial files to
   * their final names (depth last).
   * @throws Error `recording file … exists` when a final name is taken (a second recorder of the same
   *   symbol in the same minutes): the partial files are left for an operator.
   */
  async close(): Promise<ClosedFileSet> {
    this.closed = true;
    const prefix = sessionPrefixOf(this.market, this.symbol, this.firstMs, this.lastMs);
    for (const f of this.files.values()) f.gzip.end();
    await Promise.all([...this.files.values()].map((f) => f.done));
    const paths: Partial<Record<FileKind, string>> = {};
    const order: FileKind[] = ['trade', 'bookTicker', 'gap', 'depth'];
    for (const kind of order) {
      const f = this.files.get(kind);
      if (f === undefined) continue;
      const { folder, suffix } = FILE_KINDS[kind];
      const finalPath = join(this.dataDir, folder, `${prefix}.${suffix}.jsonl.gz`);
      if (existsSync(finalPath)) throw new Error(`recording file ${finalPath} exists; left ${f.partialPath}`);
      renameSync(f.partialPath, finalPath);
      paths[kind] = finalPath;
    }
    return { prefix, paths, lines: { ...this.lines } };
  }
}
