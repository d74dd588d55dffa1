// merge-runs: every RUN is a layer; consecutive RUNs that belong together (`RUN apt-get update` then
// `RUN apt-get install ...`, a row of small set-up steps) make more layers than needed, and files one RUN deletes
// stay in the layer of the RUN that created them. Consecutive RUNs become one `a && b` RUN.
// Unsafe: a later edit of one part re-runs the whole merged RUN, and a failure is reported for the merged step.
// Refuses, and says why, when a detail of two plain RUNs is in the way (a near miss): a first RUN that changes
// the shell's state (cd, export, set, ...) or ends with a comment or a background job; a second RUN that is not a
// plain `&&` chain (a `;` or `||` in it would no longer stop at a failure of the first).
// Leaves alone without a report what is kept apart by design: RUNs with different flags (--mount, --network,
// --security), exec form, heredocs, scripts that do not parse, a shell other than sh, a dependency install from
// manifests (`npm ci`, `pip install -r`, whose layer must stay apart to stay cached), a comment between the two (or
// in the second, before its first command).
import type { Edit, BuiltinTransformModule } from '../src/engine/types.js';
import { eachStage } from '../src/engine/iterate.js';
import type { Document, Instruction } from '../src/engine/document.js';
import { argValues } from '../src/tools/commands.js';
import { matchInstall } from '../src/tools/installs.js';
import { losesFailureOfPrefix } from '../src/engine/shell.js';
import { changesShellState, lastCommandEnd, runsPosixShell, toDocStart } from '../src/engine/run-edits.js';

/**
 * The RUN can take part in a merge: shell form without heredocs, parsed, run by sh, and not a dependency install
 * from manifests (a layer that must stay apart to stay cached).
 */
function mergeable(doc: Document, run: Instruction): boolean {
  if (doc.execForm(run) || doc.hasHeredoc(run)) return false;
  const script = doc.runScript(run);
  if (!script || script.hasError || !runsPosixShell(doc, run)) return false;
  return !script.commands().some((c) => matchInstall([c.name, ...argValues(c)]));
}

/** The edit that joins `b` onto `a` with `&&`; why they cannot be joined (a near miss); or null when they are kept apart by design. */
function join(doc: Document, a: Instruction, b: Instruction): Edit | { refuse: string } | null {
  if (doc.flagsKey(a) !== doc.flagsKey(b)) return null;
  const first = doc.runScript(a)!;
  const second = doc.runScript(b)!;
  if (changesShellState(first)) return { refuse: `${doc.quote(a)} changes the shell's state (cd, export, set, ...)` };
  const lost = losesFailureOfPrefix(second);
  if (lost) return { refuse: `${doc.quote(b)} would not stop at a failure of the RUN before: ${lost}` };
  if (!second.andChain()) return { refuse: `${doc.quote(b)} is not a plain \`&&\` chain` };
  const last = lastCommandEnd(first);
  if ('refuse' in last) return { refuse: `${doc.quote(a)} ${last.refuse.replace(/^the RUN /, '')}` };
  if (/#/.test(first.text.slice(last.at))) return { refuse: `${doc.quote(a)} ends with a comment` };
  const start = first.toDoc(last.at);
  const end = toDocStart(second, second.andChain()![0]!.startIndex);
  // A comment between the two, or inside the second before its first command (which the joining edit replaces).
  const between = doc.text.slice(doc.endOfLineAfter(a), end);
  if (/#/.test(between)) return null;
  const firstLine = a.getRange().start.line;
  const lastLine = a.getRange().end.line;
  const indent = (lastLine > firstLine && doc.indentAt(doc.lineStarts[lastLine]!)) || '    ';
  const eol = doc.eolAt(lastLine);
  const leading = /^[ \t]*&&/.test(doc.text.slice(doc.lineStarts[lastLine]!, start));
  const text = leading ? ` ${doc.escapeChar}${eol}${indent}&& ` : ` && ${doc.escapeChar}${eol}${indent}`;
  return { start, end, text };
}

export const mergeRuns: BuiltinTransformModule = {
  id: 'merge-runs',
  summary: 'merge consecutive RUNs into one layer (unsafe: changes what re-runs on an edit)',
  safety: 'unsafe',
  trigger: { instructions: ['RUN'] },
  apply: (doc) =>
    eachStage(doc, (stage, findings) => {
      const list = stage.instructions;
      let group: { line: number; edits: Edit[]; count: number; joined: Instruction[] } | null = null;
      const close = () => {
        if (group && group.edits.length) findings.change(`merge ${group.count} consecutive RUNs into one`, group.edits, group.line, group.joined.map((ins) => ({ kind: 'instruction', text: doc.instructionText(ins), moved: true })));
        group = null;
      };
      for (let i = 0; i + 1 < list.length; i++) {
        const [a, b] = [list[i]!, list[i + 1]!];
        if (a.getKeyword() !== 'RUN' || b.getKeyword() !== 'RUN') {
          close();
          continue;
        }
        const edit = mergeable(doc, a) && mergeable(doc, b) ? join(doc, a, b) : null;
        if (!edit || 'refuse' in edit) {
          if (edit) findings.skip(`not merged with the RUN before: ${edit.refuse}`, b.getRange().start.line);
          close();
          continue;
        }
        group ??= { line: a.getRange().start.line, edits: [], count: 1, joined: [] };
        group.edits.push(edit);
        group.joined.push(b);
        group.count++;
      }
      close();
    }),
};
