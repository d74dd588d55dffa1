// The output formats. `diff` streams file by file from run.ts; every other format is a report over all results,
// printed once at the end.
import { formatCodeclimate } from './codeclimate.js';
import { dockmodPackage } from './docs-links.js';
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
  codeclimate: formatCodeclimate,
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
  return dockmodPackage()?.pkg.version ?? '0.0.0';
}
