/**
 * The build context of infra/Dockerfile (`COPY . .`) is what .dockerignore lets in: everything the image
 * runs, and no dependencies, local state, secrets, generated model artifacts or test fixtures. The
 * rules are evaluated with Docker's semantics (@balena/dockerignore), not gitignore's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { isExcluded, parseDockerignore, type DockerignoreRules } from './dockerignore.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Top-level folders the image runs from (tsx runs the TypeScript sources; SQL, JSON and YAML read at run time). */
const RUNTIME_FOLDERS = [
  'activities',
  'app',
  'bin',
  'cli',
  'config',
  'core',
  'db',
  'exchange-sim',
  'infra',
  'ml',
  'native',
  'pipeline-dsl',
  'pipelines',
  'venues',
  'workflows',
];
/** Top-level folders the image does without. */
const DEV_FOLDERS = ['.ci', 'bench', 'docs', 'models', 'test'];
/** Single files the image needs. */
const RUNTIME_FILES = ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'models/README.md'];

/** Untracked files a developer's or CI's checkout holds, none of which may reach the image. */
const NEVER_IN_CONTEXT = [
  'node_modules/pg/package.json',
  'node_modules/.bin/tsx',
  'app/node_modules/x/index.js',
  '.mmflow/pg/PG_VERSION',
  '.mmflow/temporal/dev.db',
  'infra/secrets/api_key',
  'infra/secrets/binance_api_secret.txt',
  'infra/secrets/mmflow_db_password.txt',
  'infra/secrets/.gitignore',
  'models/alpha-3f2a9c1e.onnx',
  'models/alpha-3f2a9c1e.onnx.tmp-4242-0b7e1c9a',
  'models/sub/alpha-1.onnx',
  '.git/HEAD',
  '.git/config',
  'test/fixtures/histories/demo.json',
  'test/fixtures/pipelines/malformed/bad.yaml',
  'coverage/lcov.info',
  'dist/cli/main.js',
  'mmflow.log',
  'native/engine.log',
  '.env',
  '.env.production',
  'config/.env.local',
  'infra/tls/server.key',
  'deploy.pem',
  'core/book/scratch.tmp',
];

let rules: DockerignoreRules;

beforeAll(() => {
  rules = parseDockerignore(readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8'));
});

describe('Docker semantics of the rules (the examples of its documentation)', () => {
  // The examples of Docker's .dockerignore documentation.
  it.each([
    ['*/temp*', 'somedir/temporary.txt', true],
    ['*/temp*', 'somedir/temp/file', true],
    ['*/temp*', 'temporary.txt', false],
    ['*/*/temp*', 'somedir/subdir/temporary.txt', true],
    ['temp?', 'tempa', true],
    ['temp?', 'dir/tempa', false],
    ['**/*.go', 'main.go', true],
    ['**/*.go', 'a/b/main.go', true],
    ['/node_modules', 'node_modules/x/y.js', true],
    ['node_modules', 'app/node_modules/x.js', false],
  ])('%s on %s → excluded: %s', (pattern, path, excluded) => {
    expect(isExcluded(parseDockerignore(pattern), path)).toBe(excluded);
  });

  it('lets the last matching rule win, so ! re-includes inside an excluded folder', () => {
    const doc = parseDockerignore('# comment\n*.md\n!README*.md\nREADME-secret.md\n');
    expect(isExcluded(doc, 'notes.md')).toBe(true);
    expect(isExcluded(doc, 'README.md')).toBe(false);
    expect(isExcluded(doc, 'README-secret.md')).toBe(true);
    const nested = parseDockerignore('*\n!src\nsrc/secret\n');
    expect(isExcluded(nested, 'src/a/b.ts')).toBe(false);
    expect(isExcluded(nested, 'src/secret/key')).toBe(true);
    expect(isExcluded(nested, 'other/b.ts')).toBe(true);
  });
});

describe('.dockerignore', () => {
  it('is the ignore file Docker uses for infra/Dockerfile (no Dockerfile-specific one beside it)', () => {
    expect(existsSync(new URL('../../infra/Dockerfile.dockerignore', import.meta.url))).toBe(false);
  });

  it.each(NEVER_IN_CONTEXT)('keeps %s out of the build context', (path) => {
    expect(isExcluded(rules, path)).toBe(true);
  });

  it("lets in every file the Dockerfile's COPY instructions name", () => {
    const dockerfile = readFileSync(new URL('../../infra/Dockerfile', import.meta.url), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY\s+(?:--\S+\s+)*(.+)$/gm)].flatMap((m) =>
      (m[1] ?? '').trim().split(/\s+/).slice(0, -1),
    );
    expect(sources).toContain('package-lock.json');
    for (const source of sources.filter((s) => s !== '.'))
      expect(isExcluded(rules, source), source).toBe(false);
  });

  it('lets in exactly the tracked files of the runtime folders and the runtime files', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n')
      .filter((path) => path !== '' && existsSync(join(repoRoot, path)));
    for (const path of tracked) {
      const top = path.split('/')[0] ?? '';
      const needed =
        RUNTIME_FILES.includes(path) || (RUNTIME_FOLDERS.includes(top) && !path.startsWith('infra/secrets/'));
      expect(isExcluded(rules, path), path).toBe(!needed);
    }
    expect(tracked).toContain('infra/migrations/0001_market-data.sql');
    expect(tracked).toContain('bin/mmflow.mjs');
  });

  it('knows every top-level folder: a new one must be declared a runtime or a development folder', () => {
    const folders = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n')
      .filter((path) => path.includes('/'))
      .map((path) => path.split('/')[0] ?? '');
    const unknown = [...new Set(folders)].filter(
      (f) => !RUNTIME_FOLDERS.includes(f) && !DEV_FOLDERS.includes(f),
    );
    expect(unknown).toEqual([]);
  });
});
