// The loop every transform would otherwise repeat: each instruction of one kind, with the changes and skips the
// rule finds there collected, so that a transform holds only its rule.
import type { Document, Instruction, Stage } from './document.js';
import type { Change, Edit, Removal, Skip, TransformResult } from './types.js';

/** What a rule finds: changes and skips, on the line of the instruction it looks at unless told another. */
export class Findings {
  readonly changes: Change[] = [];
  readonly skips: Skip[] = [];
  /** The 0-based line of the instruction being looked at. */
  line = 0;

  change(message: string, edits: Edit[], line = this.line, removes?: Removal[]): void {
    this.changes.push({ message, line, edits, ...(removes && { removes }) });
  }

  skip(reason: string, line = this.line): void {
    this.skips.push({ line, reason });
  }

  result(): TransformResult {
    return { changes: this.changes, skips: this.skips };
  }
}

/** Runs `visit` on each instruction with one of `keywords` (`RUN`, `ADD`, ...), with `findings.line` on its line. */
export function eachInstruction(doc: Document, keywords: string | readonly string[], visit: (ins: Instruction, findings: Findings) => void, findings = new Findings()): TransformResult {
  const wanted = typeof keywords === 'string' ? [keywords] : keywords;
  for (const ins of doc.instructions()) {
    if (!wanted.includes(ins.getKeyword())) continue;
    findings.line = ins.getRange().start.line;
    visit(ins, findings);
  }
  return findings.result();
}

/** Runs `visit` on each stage, with `findings.line` on its FROM. */
export function eachStage(doc: Document, visit: (stage: Stage, findings: Findings) => void): TransformResult {
  const findings = new Findings();
  for (const stage of doc.stages()) {
    findings.line = stage.from.getRange().start.line;
    visit(stage, findings);
  }
  return findings.result();
}
