// `--format json`: every processed file with its changes, held-back unsafe changes, skips and patch. The shape is
// documented in docs/formats.md and docs/report.schema.json; `schemaVersion` changes only when a field changes
// meaning or goes away (new fields may be added).
import { unifiedDiff } from './output.js';
import type { AppliedChange } from '../engine/types.js';
import { isChanged, type FileReport } from '../engine/report.js';
import { relativePath, type FormatInput } from './findings.js';

export const JSON_SCHEMA_VERSION = 1;

const change = (c: AppliedChange) => ({ transform: c.transform, message: c.message, line: c.line, safety: c.safety, edited: c.edited });

function fileReport(f: FileReport, cwd: string) {
  return {
    path: relativePath(f.file, cwd),
    changed: isChanged(f),
    changes: f.changes.map(change),
    heldBack: f.heldBack.map(change),
    skips: f.skips.map((s) => ({ transform: s.transform, line: s.line, reason: s.reason })),
    otherFiles: f.extra
      .filter((e) => e.before !== e.after)
      .map((e) => ({ path: relativePath(e.file, cwd), status: e.before === undefined ? 'created' : 'modified' })),
    patch: [unifiedDiff(f.file, f.before, f.after, cwd), ...f.extra.map((e) => unifiedDiff(e.file, e.before, e.after, cwd))].join(''),
  };
}

export function formatJson(input: FormatInput): string {
  const files = input.files.map((f) => fileReport(f, input.cwd));
  const report = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: 'dockmod', version: input.version },
    summary: {
      files: files.length,
      changed: files.filter((f) => f.changed).length,
      changes: files.reduce((n, f) => n + f.changes.length, 0),
      heldBack: files.reduce((n, f) => n + f.heldBack.length, 0),
      skips: files.reduce((n, f) => n + f.skips.length, 0),
      errors: input.errors.length,
    },
    files,
    errors: input.errors.map((e) => ({ path: relativePath(e.file, input.cwd), message: e.message })),
    // Only when there are some, so that the report of a clean tree stays as it was.
    ...(input.warnings?.length ? { warnings: input.warnings.map((w) => ({ path: relativePath(w.file, input.cwd), message: w.message })) } : {}),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
