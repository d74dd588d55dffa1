// apk-no-cache: `apk add` without `--no-cache` keeps the package index (APKINDEX) in /var/cache/apk, in the layer.
// `apk add --no-cache` fetches a fresh index and keeps nothing, which also makes an `apk update` before it and an
// `rm -rf /var/cache/apk/*` after it pointless: both steps are dropped from the RUN's `&&` chain.
// Leaves alone a RUN whose cache mount holds apk's cache. Keeps the `apk update` when something else in the RUN
// (`apk upgrade`) or a later RUN needs its index, or when it is not a step of a plain `&&` chain (reported); keeps
// the cache removal when an earlier RUN left the index in the cache folder, which it also clears from the image.
import type { Edit, Skip, BuiltinTransformModule } from '../src/engine/types.js';
import type { Document, Instruction } from '../src/engine/document.js';
import type { ShellScript } from '../src/engine/shell.js';
import { cacheMountHolds, earlierRunLeavesApkCache, laterRunNeedsApkIndex } from '../src/tools/packages.js';
import { apkSubcommand, apkUsesNoCache, isApkAdd, isApkUpdate, removesApkCache } from '../src/tools/vocabulary/apk.js';
import { insertAfter, removeCommands } from '../src/engine/run-edits.js';
import { eachReadableRun } from '../src/tools/commands.js';

const FLAG = '--no-cache';

/** Edits dropping the `apk update` and apk cache removal steps that `--no-cache` on every add makes useless. */
function dropUselessSteps(doc: Document, run: Instruction, script: ShellScript, skips: Skip[]): Edit[] {
  const commands = script.commands();
  const apk = commands.filter((c) => apkSubcommand(c));
  if (!apk.every((c) => isApkAdd(c) || isApkUpdate(c) || apkSubcommand(c)!.name === 'del')) return [];
  const updates = commands.filter(isApkUpdate);
  // A removal that also clears what an earlier RUN left in the cache folder stays.
  const removals = commands.some(removesApkCache) && earlierRunLeavesApkCache(doc, run) ? [] : commands.filter(removesApkCache);
  if (!updates.length && !removals.length) return [];
  const line = run.getRange().start.line;
  const later = laterRunNeedsApkIndex(doc, run);
  if (updates.length && later) {
    skips.push({ line, reason: `the \`apk update\` stays: ${doc.quote(later)} uses its index` });
    return [];
  }
  const edits = removeCommands(doc, run, script, [...updates, ...removals]);
  if (!edits) {
    skips.push({ line, reason: 'the `apk update`/cache removal is not a step of its own (a `&&` step or a heredoc line before the last), or a comment sits next to it, so it is left in place' });
    return [];
  }
  return edits;
}

export const apkNoCache: BuiltinTransformModule = {
  id: 'apk-no-cache',
  summary: 'use apk add --no-cache and drop the apk update / rm -rf /var/cache/apk/* it makes useless',
  safety: 'safe',
  imageDifferences: { paths: ['/var/cache/apk/**'] },
  trigger: { instructions: ['RUN'], tools: ['apk'] },
  apply: (doc) =>
    eachReadableRun(
      doc,
      isApkAdd,
      (run, script, findings) => {
        if (!script.commands().some(isApkAdd)) return;
        const adds = script.commands().filter((c) => isApkAdd(c) && !apkUsesNoCache(c));
        const edits: Edit[] = adds.map((c) => insertAfter(script, apkSubcommand(c)!.word, FLAG));
        const dropped = dropUselessSteps(doc, run, script, findings.skips);
        if (!edits.length && !dropped.length) return;
        const parts = [adds.length ? `add ${FLAG} to apk add` : '', dropped.length ? 'drop the apk update / cache removal it makes useless' : ''];
        findings.change(parts.filter(Boolean).join(' and '), [...edits, ...dropped], undefined, dropped.map((e) => ({ kind: 'words', text: doc.text.slice(e.start, e.end) })));
      },
      (run) => cacheMountHolds(doc, run, 'apk'),
    ),
};
