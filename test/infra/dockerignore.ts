/**
 * `.dockerignore` evaluated with Docker's own semantics (`@balena/dockerignore`, a port of Docker's
 * fileutils matcher), so tests can ask which files of the repository enter the build context
 * (https://docs.docker.com/build/concepts/context/#dockerignore-files). Unlike `.gitignore`, a rule
 * matches from the context root only (`foo` is `./foo`, never `a/foo`), `*` never crosses `/`, and the
 * last matching rule wins, so `!` re-includes inside an excluded folder.
 */
import dockerignoreModule, { type Ignore } from '@balena/dockerignore';

/** The factory: the package is CommonJS and sets `module.exports.default` to itself for TypeScript. */
const dockerignore = dockerignoreModule.default;

/** The rules of a `.dockerignore` text. */
export type DockerignoreRules = Ignore;

/** Parses a `.dockerignore` text (comments, `!` re-inclusions, leading `/`). */
export function parseDockerignore(text: string): DockerignoreRules {
  return dockerignore().add(text.replace(/^\uFEFF/, '').split(/\r?\n/));
}

/** Whether `path` (slash-separated, relative to the context root) is left out of the build context. */
export function isExcluded(rules: DockerignoreRules, path: string): boolean {
  return rules.ignores(path);
}
