/**
 * The lint rules that keep core/ pure (eslint.config.js) fire: each snippet below, linted as a file of
 * core/ with the project's own configuration, yields the expected rule's error; a pure snippet and the
 * same impure snippets outside core/ pass. Type information is switched off for these virtual files
 * (they are in no tsconfig project), so the type-aware rules are off too; the purity rules need none.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: fileURLToPath(new URL('../../eslint.config.js', import.meta.url)),
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false } },
      rules: { '@typescript-eslint/no-floating-promises': 'off' },
    },
  });
});

/** The rule ids of the errors ESLint reports for `code` as the file `filePath`. */
async function errorsOf(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}${filePath}` });
  const messages = result?.messages ?? [];
  expect(messages.filter((m) => m.fatal === true)).toEqual([]);
  return messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? '');
}

const IMPURE: ReadonlyArray<readonly [string, string, string]> = [
  ['Date.now()', 'export const t = Date.now();', 'no-restricted-properties'],
  ['new Date()', 'export const t = new Date().getTime();', 'no-restricted-syntax'],
  ['Date()', 'export const t = Date();', 'no-restricted-syntax'],
  ['performance.now()', 'export const t = performance.now();', 'no-restricted-properties'],
  ['Math.random()', 'export const u = Math.random();', 'no-restricted-properties'],
  [
    'a destructured Math.random',
    'const { random } = Math;\nexport const u = random();',
    'no-restricted-properties',
  ],
  ['crypto.randomUUID()', 'export const id = crypto.randomUUID();', 'no-restricted-properties'],
  [
    'crypto.getRandomValues()',
    'export const b = crypto.getRandomValues(new Uint8Array(4));',
    'no-restricted-properties',
  ],
  ['setTimeout', 'setTimeout(() => undefined, 10);', 'no-restricted-globals'],
  ['setInterval', 'export const h = setInterval(() => undefined, 10);', 'no-restricted-globals'],
  ['setImmediate', 'setImmediate(() => undefined);', 'no-restricted-globals'],
  ['queueMicrotask', 'queueMicrotask(() => undefined);', 'no-restricted-globals'],
  ['fetch', "export const r = fetch('https://api.binance.com/api/v3/time');", 'no-restricted-globals'],
  ['process', "export const e = process.env['X'];", 'no-restricted-globals'],
  ['globalThis', 'export const t = globalThis.Date.now();', 'no-restricted-globals'],
  [
    "import from 'node:fs'",
    "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;",
    'no-restricted-imports',
  ],
  [
    "import from 'fs'",
    "import { readFileSync } from 'fs';\nexport const f = readFileSync;",
    'no-restricted-imports',
  ],
  [
    "import from 'timers/promises'",
    "import { setTimeout } from 'timers/promises';\nexport const s = setTimeout;",
    'no-restricted-imports',
  ],
  ['a dynamic import', "export const m = import('./ports.ts');", 'no-restricted-syntax'],
];

describe('the core/ purity lint rules', () => {
  it.each(IMPURE)('reject %s in core/', async (_name, code, rule) => {
    expect(await errorsOf(code, 'core/purity-probe.ts')).toContain(rule);
  });

  it('accept pure code: injected clock, seeded PRNG, conversions of given instants', async () => {
    const code = [
      "import type { Clock } from './ports.ts';",
      "import { createStream } from './random/xoshiro.ts';",
      '',
      '/** ISO time of an event stamp (µs) and one seeded draw. */',
      'export function stampAndDraw(clock: Clock, seed: number): readonly [string, number, number] {',
      '  const iso = new Date(Math.floor(clock.nowUs() / 1000)).toISOString();',
      '  return [iso, Date.UTC(2024, 0, 1), createStream(seed, 1).nextFloat()];',
      '}',
      '',
    ].join('\n');
    expect(await errorsOf(code, 'core/purity-probe.ts')).toEqual([]);
  });

  it('leave the rest of the code base alone', async () => {
    const code = [
      "import { readFileSync } from 'node:fs';",
      'export const f = readFileSync;',
      'export const t = Date.now() + performance.now() + Math.random() + new Date().getTime();',
      'setTimeout(() => undefined, 10);',
      '',
    ].join('\n');
    expect(await errorsOf(code, 'native/purity-probe.ts')).toEqual([]);
  });
});
