/**
 * Static checks of temporal-compose.yml (no Docker engine runs here): structure, pinned images,
 * environment wiring between services, healthchecks, and that no secret is written inline.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { MMFLOW_SEARCH_ATTRIBUTES } from '../../infra/embedded/search-attributes.ts';

const COMPOSE_FILE = fileURLToPath(new URL('../../temporal-compose.yml', import.meta.url));
/** The git-ignored folder of Docker secret files (infra/secrets/.gitignore). */
const SECRETS_DIR = fileURLToPath(new URL('../../infra/secrets/', import.meta.url));

const StringList = z.array(z.string());
const Service = z.strictObject({
  image: z.string(),
  restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']),
  environment: z.record(z.string(), z.string()).optional(),
  secrets: StringList.optional(),
  depends_on: z
    .record(
      z.string(),
      z.strictObject({
        condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']),
      }),
    )
    .optional(),
  healthcheck: z
    .strictObject({
      test: z.union([z.string(), StringList.min(1)]),
      interval: z.string(),
      timeout: z.string(),
      retries: z.number().int().positive(),
      start_period: z.string().optional(),
    })
    .optional(),
  ports: StringList.optional(),
  volumes: StringList.optional(),
  entrypoint: z.union([z.string(), StringList]).optional(),
  command: z.union([z.string(), StringList]).optional(),
});
type Service = z.infer<typeof Service>;
const Compose = z.strictObject({
  name: z.string(),
  'x-mmflow-env': z.record(z.string(), z.string()),
  'x-mmflow-entrypoint': StringList,
  services: z.record(z.string(), Service),
  secrets: z.record(z.string(), z.strictObject({ file: z.string() })),
  volumes: z.record(z.string(), z.null()),
});
type Compose = z.infer<typeof Compose>;

let text: string;
let compose: Compose;

beforeAll(async () => {
  text = await readFile(COMPOSE_FILE, 'utf8');
  // `merge: true` resolves `<<: *anchor` like Docker Compose does.
  compose = Compose.parse(parse(text, { merge: true }));
});

/** The service called `name` (fails the test when missing). */
function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`service ${name} missing`);
  return found;
}

/** The environment of service `name`. */
function envOf(name: string): Record<string, string> {
  return service(name).environment ?? {};
}

describe('temporal-compose.yml', () => {
  it('declares Temporal on PostgreSQL with its UI, a TimescaleDB, the worker and the engine', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'mmflow-db',
      'mmflow-engine',
      'mmflow-migrate',
      'mmflow-recorder',
      'mmflow-worker',
      'temporal',
      'temporal-db',
      'temporal-init',
      'temporal-schema',
      'temporal-ui',
    ]);
    expect(service('mmflow-db').image).toMatch(/^timescale\/timescaledb:/);
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
  });

  it('pins every image to an explicit tag other than latest', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      const match = /^[a-z0-9][a-z0-9./_-]*:([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(s.image);
      expect(match, `${name}: ${s.image}`).not.toBeNull();
      expect(match?.[1], name).not.toBe('latest');
    }
  });

  it('wires the mmflow services to the temporal service and the mmflow database', () => {
    for (const name of ['mmflow-migrate', 'mmflow-worker', 'mmflow-engine']) {
      const env = envOf(name);
      expect(env['TEMPORAL_ADDRESS'], name).toBe('temporal:7233');
      expect(env['TEMPORAL_NAMESPACE'], name).toBe('default');
      const url = new URL(env['DATABASE_URL'] ?? '');
      const db = envOf(url.hostname);
      expect(url.protocol).toBe('postgres:');
      expect(url.username).toBe(db['POSTGRES_USER']);
      expect(url.pathname).toBe(`/${db['POSTGRES_DB']}`);
      expect(service(name).secrets).toContain('mmflow_db_password');
    }
    expect(envOf('temporal-ui')['TEMPORAL_ADDRESS']).toBe('temporal:7233');
    expect(envOf('temporal-init')['TEMPORAL_ADDRESS']).toBe('temporal:7233');
    expect(envOf('temporal')).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'temporal-db',
      POSTGRES_USER: 'temporal',
    });
    expect(envOf('temporal-db')['POSTGRES_USER']).toBe('temporal');
    expect(service('mmflow-worker').command).toEqual(['worker']);
    expect(service('mmflow-migrate').command).toEqual(['migrate']);
  });

  it("registers exactly mmflow's search attributes in the init job", () => {
    const names = (envOf('temporal-init')['MMFLOW_SEARCH_ATTRIBUTES'] ?? '').split(/\s+/).filter(Boolean);
    expect(names.sort()).toEqual(Object.keys(MMFLOW_SEARCH_ATTRIBUTES).sort());
  });

  it('gives every long-running service a healthcheck and orders start-up by health or completion', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.restart !== 'no') expect(s.healthcheck, `${name} has no healthcheck`).toBeDefined();
      for (const [target, { condition }] of Object.entries(s.depends_on ?? {})) {
        const dependency = service(target);
        if (condition === 'service_healthy')
          expect(dependency.healthcheck, `${name} → ${target}`).toBeDefined();
        if (condition === 'service_completed_successfully')
          expect(dependency.restart, `${name} → ${target}`).toBe('no');
      }
    }
  });

  it('keeps secrets out of the file: *_FILE variables pointing at mounted Docker secrets, no URL passwords', () => {
    const secretLike = /(PASSWORD|PWD|SECRET|TOKEN|API_KEY)/i;
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (secretLike.test(key)) {
          expect(key, `${name}.${key}`).toMatch(/_FILE$/);
          const secret = /^\/run\/secrets\/([a-z0-9_]+)$/.exec(value)?.[1];
          expect(secret, `${name}.${key}=${value}`).toBeDefined();
          expect(s.secrets ?? [], `${name} must mount ${secret}`).toContain(secret);
        }
        if (/^[a-z]+:\/\//.test(value)) expect(new URL(value).password, `${name}.${key}`).toBe('');
      }
      for (const secret of s.secrets ?? []) {
        // Compose resolves a secret's file against the compose file's folder.
        const file = compose.secrets[secret]?.file ?? '';
        expect(resolve(dirname(COMPOSE_FILE), file).startsWith(SECRETS_DIR), `${secret}: ${file}`).toBe(true);
      }
    }
    expect(text).not.toMatch(/POSTGRES_PASSWORD:\s|POSTGRES_PWD:\s|PGPASSWORD:\s/);
  });

  it('publishes ports on loopback only and keeps database data in declared named volumes', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const port of s.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        expect(Object.keys(compose.volumes), `${name}: ${volume}`).toContain(source);
      }
    }
  });

  it('shares the model store volume: the worker writes trained artifacts, the engine reads them', () => {
    const store = compose['x-mmflow-env']['MMFLOW_MODEL_STORE'];
    expect(store).toBe('/var/lib/mmflow/models');
    expect(service('mmflow-worker').volumes).toContain(`mmflow-models:${store}`);
    expect(service('mmflow-engine').volumes).toContain(`mmflow-models:${store}:ro`);
    for (const name of ['mmflow-worker', 'mmflow-engine'])
      expect(envOf(name)['MMFLOW_MODEL_STORE']).toBe(store);
  });

  it('runs the recorder on the market-data volume the worker reads (MMFLOW_DATA_DIR)', () => {
    const data = compose['x-mmflow-env']['MMFLOW_DATA_DIR'];
    expect(data).toBe('/var/lib/mmflow/data');
    const recorder = service('mmflow-recorder');
    expect(recorder.image).toBe(service('mmflow-worker').image);
    expect(recorder.restart).toBe('unless-stopped');
    expect(envOf('mmflow-recorder')['MMFLOW_DATA_DIR']).toBe(data);
    expect(recorder.volumes).toEqual([`mmflow-market-data:${data}`]);
    expect(recorder.entrypoint?.at(-1)).toMatch(/^exec node bin\/mmflow\.mjs record --venue /);
    expect(service('mmflow-worker').volumes).toContain(`mmflow-market-data:${data}:ro`);
    expect(envOf('mmflow-worker')['MMFLOW_DATA_DIR']).toBe(data);
  });

  it('gives every ${VAR} interpolation a default so `docker compose config` needs no environment', () => {
    const interpolations = [...text.matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((m) => m[1] ?? '');
    expect(interpolations.length).toBeGreaterThan(0);
    for (const expr of interpolations) expect(expr).toMatch(/^[A-Z_][A-Z0-9_]*:-[^}]*$/);
  });
});
