// `--format rdjson`: reviewdog's Diagnostic Format (DiagnosticResult as JSON). One diagnostic per change; the first
// change of each finding carries a line-based suggestion whose range equals the diagnostic's, which is what
// reviewdog needs to post it as a GitHub suggested change. Held-back unsafe changes are INFO without suggestions.
// A built-in transform's code links its docs page (`code.url`).
import type { AppliedChange } from '../engine/types.js';
import type { FileReport } from '../engine/report.js';
import { locate, otherFilesNote, relativePath, transformDocs, withoutEol, type FormatInput } from './findings.js';

type Severity = 'ERROR' | 'WARNING' | 'INFO';
interface LineRange {
  start: { line: number };
  end?: { line: number };
}
interface Diagnostic {
  message: string;
  location: { path: string; range?: LineRange };
  severity: Severity;
  code?: { value: string; url?: string };
  suggestions?: { range: LineRange; text: string }[];
}

function fileDiagnostics(f: FileReport, input: FormatInput): Diagnostic[] {
  const cwd = input.cwd;
  const path = relativePath(f.file, cwd);
  let note = otherFilesNote(f, cwd);
  const diagnostic = (c: AppliedChange, range: LineRange, severity: Severity, message: string): Diagnostic => {
    const url = transformDocs(c.transform, input)?.url;
    return { message, location: { path, range }, severity, code: url ? { value: c.transform, url } : { value: c.transform } };
  };
  const diagnostics = locate(f).map(({ change, finding, first }) => {
    const message = note ? `${change.message} (the rewrite also ${note})` : change.message;
    note = undefined;
    if (!finding) return diagnostic(change, { start: { line: change.line } }, 'WARNING', message);
    const range = { start: { line: finding.start }, end: { line: finding.end } };
    const d = diagnostic(change, range, 'WARNING', message);
    return first ? { ...d, suggestions: [{ range, text: finding.replacement.map(withoutEol).join('\n') }] } : d;
  });
  const held = f.heldBack.map((h) => diagnostic(h, { start: { line: h.line } }, 'INFO', `${h.message} (unsafe, held back: --unsafe applies it)`));
  return [...diagnostics, ...held];
}

export function formatRdjson(input: FormatInput): string {
  const result = {
    source: { name: 'dockmod' },
    severity: 'WARNING',
    diagnostics: [
      ...input.files.flatMap((f) => fileDiagnostics(f, input)),
      ...input.errors.map((e): Diagnostic => ({ message: e.message, location: { path: relativePath(e.file, input.cwd) }, severity: 'ERROR' })),
    ],
  };
  return `${JSON.stringify(result, null, 2)}\n`;
}
