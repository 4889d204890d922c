/**
 * Accounts of the simulator, configured at start: `--account KEY:SECRET:BTC=1,USDT=100000` (repeatable)
 * or a JSON file `{ "accounts": [{ "apiKey", "secret", "balances": { "BTC": 1, "USDT": 100000 } }] }`.
 * Parsed at the edge; errors name the flag or the file and field.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';

/** One account: API key, HMAC secret, starting balances (asset units). */
export interface AccountSpec {
  readonly apiKey: string;
  readonly secret: string;
  readonly balances: Readonly<Record<string, number>>;
}

const keyText = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'printable ASCII without spaces, 1–128 characters');
const accountSchema = z.strictObject({
  apiKey: keyText,
  secret: keyText,
  balances: z.record(
    z.string().regex(/^[A-Z0-9]{1,20}$/, 'an upper-case asset'),
    z.number().finite().nonnegative(),
  ),
});
const fileSchema = z.strictObject({ accounts: z.array(accountSchema).min(1) });

/**
 * Parses one `--account KEY:SECRET:ASSET=amount,…` value.
 * @throws PermanentError `CONFIG` naming the value and the problem.
 */
export function parseAccountFlag(text: string): AccountSpec {
  const fail = (why: string): PermanentError =>
    new PermanentError('CONFIG', `--account ${JSON.stringify(text)}: ${why}`, { flag: '--account' });
  const [apiKey, secret, balancesText, ...rest] = text.split(':');
  if (apiKey === undefined || secret === undefined || rest.length > 0)
    throw fail('expected KEY:SECRET[:ASSET=amount,…]');
  const balances: Record<string, number> = {};
  for (const pair of (balancesText ?? '').split(',').filter((p) => p !== '')) {
    const [asset, amount] = pair.split('=');
    if (asset === undefined || amount === undefined || !/^\d+(\.\d+)?$/.test(amount)) {
      throw fail(`balance "${pair}" is not ASSET=amount`);
    }
    balances[asset] = Number(amount);
  }
  const r = accountSchema.safeParse({ apiKey, secret, balances });
  if (!r.success) throw fail(issueText(r.error.issues[0]));
  return r.data;
}

/**
 * Reads an accounts JSON file.
 * @throws PermanentError `CONFIG` naming the file and the field.
 */
export function loadAccountsFile(path: string): AccountSpec[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PermanentError(
      'CONFIG',
      `${path}: cannot read as JSON (${err instanceof Error ? err.message : String(err)})`,
      { file: path },
    );
  }
  const r = fileSchema.safeParse(json);
  if (!r.success)
    throw new PermanentError('CONFIG', `${path}: ${issueText(r.error.issues[0])}`, { file: path });
  return r.data.accounts;
}

/** @throws PermanentError `CONFIG` if two accounts share an API key. */
export function checkUniqueKeys(specs: readonly AccountSpec[]): void {
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.apiKey)) throw new PermanentError('CONFIG', `duplicate API key ${s.apiKey}`, {});
    seen.add(s.apiKey);
  }
}

function issueText(
  issue: { readonly path: readonly PropertyKey[]; readonly message: string } | undefined,
): string {
  if (issue === undefined) return 'invalid';
  const field = issue.path
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
    .join('')
    .replace(/^\./, '');
  return `field "${field || '(root)'}": ${issue.message}`;
}
