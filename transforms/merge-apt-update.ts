// merge-apt-update: a RUN that only runs `apt-get update` is its own cached layer. When a later RUN's package
// list changes, that later RUN re-runs but the update layer stays cached, so apt installs from stale lists
// (or fails on vanished versions). Running the update in the same RUN as the install keeps them together.
// Refuses when the two RUNs have different flags, when a RUN or COPY/ADD stands between them, or when the
// update or the install RUN is a heredoc (or the install is exec form).
import type { Edit, BuiltinTransformModule } from '../src/engine/types.js';
import { eachStage } from '../src/engine/iterate.js';
import type { Document, Instruction } from '../src/engine/document.js';
import { isAptFetch, isAptUpdate } from '../src/tools/vocabulary/apt.js';
import { runComments } from '../src/engine/run-edits.js';
import { losesFailureOfPrefix } from '../src/engine/shell.js';

/** Instructions that cannot depend on the package lists, so an update may move past them. */
const NEUTRAL = new Set(['ENV', 'ARG', 'LABEL', 'EXPOSE', 'MAINTAINER']);

/**
 * The RUN's update commands as one `a && b` text, when the RUN does nothing but update the package lists; why
 * such a RUN cannot be moved (a heredoc); null for any other RUN.
 */
function loneUpdate(doc: Document, run: Instruction): { text: string; comments: string[] } | { refuse: string } | null {
  const script = doc.runScript(run);
  if (!script || script.hasError) return null;
  const commands = script.commands();
  if (!commands.length || !commands.every(isAptUpdate)) return null;
  if (doc.hasHeredoc(run)) return { refuse: 'the update RUN is a heredoc' };
  const steps = script.andChain();
  if (!steps?.length || steps.some((s) => s.type !== 'command')) return null;
  const text = script.text.slice(steps[0]!.startIndex, steps[steps.length - 1]!.endIndex);
  return { text, comments: runComments(doc, run, script) };
}

export const mergeAptUpdate: BuiltinTransformModule = {
  id: 'merge-apt-update',
  summary: 'merge a lone `RUN apt-get update` into the RUN that installs, so the package lists are never stale',
  safety: 'safe',
  imageDifferences: { paths: ['/var/lib/apt/lists/**'] },
  trigger: { instructions: ['RUN'], tools: ['apt'] },
  apply: (doc) =>
    eachStage(doc, (stage, findings) => {
      const list = stage.instructions;
      for (let i = 0; i < list.length; i++) {
        const update = list[i]!;
        if (update.getKeyword() !== 'RUN') continue;
        const lone = loneUpdate(doc, update);
        if (!lone) continue;
        const line = update.getRange().start.line;
        if ('refuse' in lone) {
          findings.skip(lone.refuse, line);
          continue;
        }
        const j = list.findIndex((ins, k) => k > i && !NEUTRAL.has(ins.getKeyword()));
        const next = j < 0 ? undefined : list[j]!;
        if (!next || next.getKeyword() !== 'RUN') {
          const what = next ? doc.quote(next) : 'the end of the stage';
          findings.skip(`the update is followed by ${what}, not by a RUN that installs with apt`, line);
          continue;
        }
        const nextScript = doc.runScript(next);
        const nextCommands = nextScript && !nextScript.hasError ? nextScript.commands() : [];
        const fetchAt = nextCommands.findIndex(isAptFetch);
        if (fetchAt < 0) {
          findings.skip(`the next RUN, ${doc.quote(next)}, does not install with apt (or does not parse)`, line);
          continue;
        }
        if (doc.flagsKey(update) !== doc.flagsKey(next)) {
          findings.skip(`the update and the install RUN, ${doc.quote(next)}, have different flags`, line);
          continue;
        }
        if (doc.hasHeredoc(next)) {
          findings.skip('the install RUN is a heredoc', line);
          continue;
        }
        // Drop the update RUN; the comments it carried stay, each on its own line.
        const eol = doc.eolAt(line);
        const removeStart = doc.lineStartOf(doc.offsetAt(update.getRange().start));
        const kept = lone.comments.map((c) => `${c}${eol}`).join('');
        const edits: Edit[] = [{ start: removeStart, end: doc.endOfLineAfter(update), text: kept }];
        // Its own update replaces this one only when a failure of it fails that RUN as this RUN's failure did.
        const steps = nextScript!.andChain() ?? [];
        const updatesAlready = nextCommands.slice(0, fetchAt).some((c) => isAptUpdate(c) && steps.some((s) => s.startIndex === c.start && s.endIndex === c.end));
        const lost = updatesAlready ? null : losesFailureOfPrefix(nextScript!);
        if (lost) {
          findings.skip(`not merged into ${doc.quote(next)}, which would not stop at a failing update: ${lost}`, line);
          continue;
        }
        if (!updatesAlready) edits.push(prependToRun(doc, next, lone.text));
        const message = updatesAlready ? 'drop a lone apt-get update: the install RUN updates itself' : 'run apt-get update in the same RUN as the install';
        findings.change(message, edits, line, [{ kind: 'instruction', text: doc.text.slice(removeStart, doc.endOfLineAfter(update)), ...(updatesAlready ? {} : { moved: true }) }]);
        i = j;
      }
    }),
};

/**
 * Puts `text && ` before a RUN's script. A RUN continued over several lines gets it as a line of its own,
 * ending in the escape character, with the indentation of the RUN's second line.
 */
function prependToRun(doc: Document, run: Instruction, text: string): Edit {
  const script = doc.runScript(run)!;
  const at = script.toDoc(script.root.namedChildren[0]?.startIndex ?? 0);
  const { start, end } = run.getRange();
  if (end.line > start.line && doc.lineAt(at) === start.line) {
    const secondLine = doc.lineStarts[start.line + 1]!;
    return { start: at, end: at, text: `${text} && ${doc.escapeChar}${doc.eolAt(start.line)}${doc.indentAt(secondLine)}` };
  }
  return { start: at, end: at, text: `${text} && ` };
}
