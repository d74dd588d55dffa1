// The parsers of the manifest formats some ecosystems read (YAML, TOML, JavaScript), loaded on their first use:
// most Dockerfiles' contexts need none of them, and loading the three is a fifth of a cold start.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let yaml: typeof import('yaml') | undefined;
let toml: typeof import('smol-toml') | undefined;
let acorn: typeof import('acorn') | undefined;

export const parseYaml = (text: string): unknown => (yaml ??= require('yaml') as typeof import('yaml')).parse(text);

export const parseToml = (text: string): Record<string, unknown> => (toml ??= require('smol-toml') as typeof import('smol-toml')).parse(text);

export const parseJavaScript: typeof import('acorn').parse = (code, options) => (acorn ??= require('acorn') as typeof import('acorn')).parse(code, options);
