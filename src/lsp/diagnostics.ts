// A Dockerfile's result as LSP diagnostics: one per change on the lines of the instruction it concerns (code: the
// transform id, codeDescription: its docs page), unsafe changes as hints, skips as information when asked for.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Document } from '../engine/document.js';
import type { AppliedChange } from '../engine/types.js';
import { docsUrl, dockmodDocsBase } from '../formats/docs-links.js';
import type { Analysis } from './analysis.js';

export interface DiagnosticSettings {
  /** Unsafe changes that `dockmod --write` leaves (no --unsafe) shown as hints. */
  showUnsafe: boolean;
  /** Each skip (a transform that looked and left an instruction alone) shown as information, with its reason. */
  showSkips: boolean;
}

export const SOURCE = 'dockmod';

/** A diagnostic and the change it shows (none for a skip or a refusal). */
export interface Finding {
  diagnostic: Diagnostic;
  change?: AppliedChange;
}

/** Lines `first`..`last` (0-based) whole, without the last one's line break. */
function lineRange(document: TextDocument, first: number, last: number) {
  const lastText = document.getText({ start: { line: last, character: 0 }, end: { line: last + 1, character: 0 } });
  return { start: { line: first, character: 0 }, end: { line: last, character: lastText.replace(/\r?\n$/, '').length } };
}

export function findingsOf(analysis: Analysis, document: TextDocument, settings: DiagnosticSettings): Finding[] {
  if ('nothing' in analysis) return [];
  if ('refusal' in analysis) {
    if (analysis.refusal === 'empty file') return [];
    const line = Math.min((analysis.line ?? 1) - 1, document.lineCount - 1);
    const diagnostic: Diagnostic = { range: lineRange(document, line, line), severity: DiagnosticSeverity.Information, source: SOURCE, message: `dockmod leaves this file alone: ${analysis.refusal}` };
    return [{ diagnostic }];
  }
  const { result, inline } = analysis;
  const doc = inline ? undefined : new Document(result.before.replace(/^\uFEFF/, ''));
  // The instruction that starts on a 1-based line, as 0-based first and last lines (the line alone when none
  // starts there, and in a compose file, whose lines are YAML).
  const instructionLines = (line: number): [number, number] => {
    const ins = doc?.instructions().find((i) => i.getRange().start.line === line - 1);
    return [line - 1, ins?.getRange().end.line ?? line - 1];
  };
  const base = dockmodDocsBase();
  const codeDescription = (id: string) => {
    const docs = result.docs[id];
    return docs === undefined || base === undefined ? {} : { codeDescription: { href: docsUrl(docs, base) } };
  };
  const at = (line: number, id: string, severity: DiagnosticSeverity, message: string): Diagnostic => ({
    range: lineRange(document, ...instructionLines(line)),
    severity,
    source: SOURCE,
    code: id,
    ...codeDescription(id),
    message,
  });
  const changeSeverity = (c: AppliedChange) => (c.safety === 'unsafe' ? DiagnosticSeverity.Hint : DiagnosticSeverity.Warning);
  const findings: Finding[] = result.changes.map((change) => ({ change, diagnostic: at(change.line, change.transform, changeSeverity(change), change.message) }));
  if (settings.showUnsafe) {
    for (const change of result.heldBack) {
      findings.push({ change, diagnostic: at(change.line, change.transform, DiagnosticSeverity.Hint, `${change.message} (unsafe: dockmod applies it only with --unsafe)`) });
    }
  }
  if (settings.showSkips) {
    for (const skip of result.skips) findings.push({ diagnostic: at(skip.line, skip.transform, DiagnosticSeverity.Information, `left alone: ${skip.reason}`) });
  }
  return findings.sort((a, b) => a.diagnostic.range.start.line - b.diagnostic.range.start.line);
}
