// The output formats. `diff` streams file by file from run.ts; every other format is a report over all results,
// printed once at the end.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatMarkdown } from './markdown.js';
import { formatRdjson } from './rdjson.js';
import { formatSarif } from './sarif.js';
import type { FormatInput, Formatter } from './findings.js';

export type { FormatInput, Formatter } from './findings.js';

const REPORTS = {
  json: formatJson,
  sarif: formatSarif,
  rdjson: formatRdjson,
  github: formatGithub,
  markdown: formatMarkdown,
} satisfies Record<string, Formatter>;

export type ReportFormat = keyof typeof REPORTS;
export type FormatName = 'diff' | ReportFormat;
export const FORMAT_NAMES: readonly FormatName[] = ['diff', ...(Object.keys(REPORTS) as ReportFormat[])];

export function renderReport(format: ReportFormat, input: FormatInput): string {
  return REPORTS[format](input);
}

/** dockmod's version from its package.json (found upwards from this module, in src/ or dist/src/). */
export function dockmodVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'dockmod') return pkg.version ?? '0.0.0';
  }
  return '0.0.0';
}
