// split-copy-install: `COPY . .` before `RUN npm ci` makes every source edit re-run the install, because the
// COPY's cache key is the content of the whole context. Copying only the manifests first, installing, then
// copying the sources keeps the install cached until a manifest changes.
// Refuses (with the reason) when the build context is unknown, a manifest is missing, the install may need the
// sources (lifecycle scripts, local-path dependencies, `pip install .`), anything between the copy and the
// install might read or write the copied files, or the ignore file must leave out a folder the install writes
// but cannot be edited (src/contexts/ignore-edits.ts).
import path from 'node:path';
import type { BuiltinTransform, Change, Edit, Skip, BuildContext } from '../src/engine/types.js';
import { IMAGE_WORKDIR, expand, type CopyArgs, type Document, type Instruction, type Stage } from '../src/engine/document.js';
import type { Command, ShellNode, ShellScript } from '../src/engine/shell.js';
import { argValues } from '../src/tools/commands.js';
import { PRIMARY_MANIFESTS, matchInstall } from '../src/tools/installs.js';
import { renderCommand, type InstallMatch, type WrittenCommand } from '../src/tools/ecosystems/installer.js';
import { commandLeavesSourcesAlone, isWithin, stepLeavesSourcesAlone } from '../src/tools/sources.js';
import { contextIgnoreMatcher, ignoreFileName } from '../src/contexts/dockerignore.js';
import { ignoreFileLeavingOut } from '../src/contexts/ignore-edits.js';
import { landings, readContextCopy } from '../src/contexts/context-files.js';
import picomatch from 'picomatch';

/** Instructions that neither read nor write files, so the source copy may move past them. */
const NEUTRAL = new Set(['ENV', 'ARG', 'LABEL', 'EXPOSE', 'MAINTAINER', 'USER', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'SHELL', 'WORKDIR']);

/**
 * The context folder a COPY brings in as sources (`''` for the whole context), or null for a copy of single
 * files, globs or several sources, which dockmod leaves where they are.
 */
function copiedFolder(copy: CopyArgs, context: BuildContext | undefined): string | null {
  if (copy.sources.length !== 1) return null;
  const source = copy.sources[0]!;
  if (/^\.\/?$/.test(source)) return '';
  if (/[*?[$]/.test(source) || !context) return null;
  const folder = path.posix.normalize(source).replace(/^\.\//, '').replace(/\/$/, '');
  if (!isWithin(folder, '.')) return null;
  return context.listFiles().some((f) => f.startsWith(`${folder}/`)) ? folder : null;
}

/** A dependency install found in a RUN, with what is needed to split the RUN after it. */
interface FoundInstall {
  run: Instruction;
  match: InstallMatch;
  written: WrittenCommand;
  /** The install's working directory (absolute, or under IMAGE_WORKDIR), or null when it cannot be known. */
  cwd: string | null;
  /** For a shell RUN that goes on after the install: the split point and what follows. */
  split?: { script: ShellScript; lastKept: ShellNode; firstMoved: ShellNode; cdPrefix: string };
  /** Why the RUN cannot be split as needed. */
  refuse?: string;
}

/** The first dependency install of a RUN, or null when the RUN installs nothing from the context. */
function findInstall(doc: Document, run: Instruction, dest: string): FoundInstall | null {
  const workdir = doc.workdirAt(run);
  const exec = doc.execForm(run);
  if (exec) {
    const match = matchInstall(exec);
    return match && { run, match, written: { prefix: '', words: exec.map((w) => JSON.stringify(w)), json: true }, cwd: workdir };
  }
  const script = doc.runScript(run);
  if (!script || script.hasError) return null;
  const commands = script.commands();
  const index = commands.findIndex((c) => matchInstall([c.name, ...argValues(c)]));
  if (index < 0) return wrappedInstall(run, commands);
  const cmd = commands[index]!;
  const match = matchInstall([cmd.name, ...argValues(cmd)])!;
  const written = { prefix: script.text.slice(cmd.start, cmd.nameWord.start), words: wordTexts(cmd), json: false };
  const steps = script.andChain();
  const at = steps?.findIndex((s) => s.startIndex <= cmd.start && cmd.end <= s.endIndex) ?? -1;
  if (!steps || at < 0 || steps[at]!.type !== 'command') {
    return { run, match, written, cwd: null, refuse: 'the install is inside a script that is not a plain `a && b` chain' };
  }
  let cwd = workdir;
  const cds: string[] = [];
  for (const step of steps.slice(0, at)) {
    if (!stepLeavesSourcesAlone(script, step, dest)) {
      return { run, match, written, cwd, refuse: `\`${step.text}\` runs before the install in the same RUN and may use the sources` };
    }
    const first = commands.find((c) => c.node.startIndex === step.startIndex);
    if (first?.name === 'cd') {
      cwd = cwd === null ? null : path.posix.resolve(cwd, first.args[0]!.value!);
      cds.push(step.text);
    }
  }
  // Clean-up right after the install (cache cleaning, rm of caches) stays with it.
  let last = at;
  while (last + 1 < steps.length && stepLeavesSourcesAlone(script, steps[last + 1]!, dest)) last++;
  const found: FoundInstall = { run, match, written, cwd };
  if (last + 1 < steps.length) {
    // The moved steps start a RUN of their own, whose leading `--word` Docker would read as a flag of that RUN.
    if (!cds.length && steps[last + 1]!.text.startsWith('-')) {
      return { ...found, refuse: `\`${steps[last + 1]!.text.split(/\s/)[0]}\` after the install would read as a flag of a RUN of its own` };
    }
    found.split = { script, lastKept: steps[last]!, firstMoved: steps[last + 1]!, cdPrefix: cds.map((c) => `${c} && `).join('') };
  }
  return found;
}

const wordTexts = (cmd: Command): string[] => [cmd.nameWord.text, ...cmd.args.map((w) => w.text)];

/** An install run through an unknown wrapper (`entrypoint.sh mvn package`): found, but never split. */
function wrappedInstall(run: Instruction, commands: Command[]): FoundInstall | null {
  for (const cmd of commands) {
    const argv = [cmd.name, ...argValues(cmd)];
    for (let k = 1; k < argv.length; k++) {
      const match = matchInstall(argv.slice(k));
      if (match) return { run, match, written: { prefix: '', words: wordTexts(cmd).slice(k), json: false }, cwd: null, refuse: `the install runs through \`${cmd.name}\`, which dockmod does not know` };
    }
  }
  return null;
}

/** A RUN between the copy and the install that provably leaves the copied files alone. */
function runLeavesSourcesAlone(doc: Document, run: Instruction, dest: string): boolean {
  const script = doc.runScript(run);
  if (!script || script.hasError) return false;
  const steps = script.andChain();
  if (steps) return steps.every((s) => stepLeavesSourcesAlone(script, s, dest));
  return script.commands().every((c) => commandLeavesSourcesAlone(c, dest)) && !/[<>|]/.test(script.text.replace(/&&|\|\|/g, ''));
}

/**
 * The context folder of an install that runs outside the copied folder: where an earlier single-file COPY of
 * one of its manifests came from (`COPY package*.json ./`, `COPY app/go.mod .`). Null when none did.
 */
function manifestFolderFromEarlierCopies(doc: Document, list: Instruction[], index: number, cwd: string, manifests: string[]): string | null {
  if (!manifests.length) return null;
  for (const ins of list.slice(0, index).reverse()) {
    const copy = doc.copyArgs(ins);
    if (!copy || doc.flag(ins, 'from') !== undefined) continue;
    const workdir = doc.workdirAt(ins);
    const dest = expand(copy.dest, doc.variablesAt(ins));
    if (workdir === null || dest === null) continue;
    for (const source of copy.sources) {
      const name = path.posix.basename(source);
      // A glob source (`package*.json`) counts when it covers a manifest name; a literal one when a pattern covers it.
      const covers = /[*?[]/.test(name) ? manifests.some((m) => picomatch.isMatch(m.replace(/\*/g, 'app'), name)) : picomatch.isMatch(name, manifests);
      if (!covers) continue;
      const target = dest.endsWith('/') || copy.sources.length > 1 || /[*?[]/.test(source) ? path.posix.resolve(workdir, dest) : path.posix.dirname(path.posix.resolve(workdir, dest));
      if (target === cwd) return path.posix.dirname(path.posix.normalize(source)).replace(/^\.$/, '');
    }
  }
  return null;
}

/** The first dependency install in a stage built FROM `stage` (directly), for a specific skip reason. */
function installInChildStage(doc: Document, stage: Stage): { install: string; stage: string } | null {
  for (const child of doc.stages()) {
    if (doc.parentStage(child) !== stage) continue;
    for (const ins of child.instructions) {
      if (ins.getKeyword() === 'RUN' && findInstall(doc, ins, IMAGE_WORKDIR)) return { install: doc.quote(ins), stage: child.name ?? String(child.index) };
    }
  }
  return null;
}

/** A COPY instruction in the style of `ins` (keyword case, flags, JSON or plain form). */
function copyInstruction(ins: Instruction, copy: CopyArgs, sources: string[], dest: string): string {
  const keyword = /^[a-z]/.test(ins.getInstruction()) ? 'copy' : 'COPY';
  const flags = copy.flagsText ? `${copy.flagsText} ` : '';
  const args = [...sources, dest];
  const json = copy.json || args.some((a) => /\s/.test(a));
  return `${keyword} ${flags}${json ? `[${args.map((a) => JSON.stringify(a)).join(', ')}]` : args.join(' ')}`;
}

/** The manifest COPY lines: one per folder, so that every file lands where the copy of `folder` puts it. */
function manifestCopies(doc: Document, ins: Instruction, copy: CopyArgs, folder: string, files: string[]): string {
  const byFolder = new Map<string, string[]>();
  for (const f of files) {
    const dir = path.posix.relative(folder || '.', path.posix.dirname(f)) || '.';
    byFolder.set(dir, [...(byFolder.get(dir) ?? []), f]);
  }
  const base = copy.dest.endsWith('/') ? copy.dest : `${copy.dest}/`;
  // The files are named one by one, as the source copy brings them: its --exclude patterns have no part here.
  const flagsText = copy.flags.filter((f) => f.getName().toLowerCase() !== 'exclude').map((f) => doc.slice(f.getRange())).join(' ');
  return [...byFolder]
    .map(([dir, group]) => copyInstruction(ins, { ...copy, flagsText }, group, dir === '.' ? base : `${base}${dir}/`))
    .join(doc.eolAt(ins.getRange().start.line));
}

/** A RUN before `index` in the stage already fetches this ecosystem's dependencies. */
function fetchedEarlier(doc: Document, list: Instruction[], index: number, ecosystem: string): boolean {
  return list.slice(0, index).some((ins) => {
    if (ins.getKeyword() !== 'RUN') return false;
    const exec = doc.execForm(ins);
    if (exec) return matchInstall(exec)?.installer.ecosystem === ecosystem;
    const script = doc.runScript(ins);
    return !!script && !script.hasError && script.commands().some((c) => matchInstall([c.name, ...argValues(c)])?.installer.ecosystem === ecosystem);
  });
}

export const splitCopyInstall: BuiltinTransform = {
  id: 'split-copy-install',
  summary: 'copy dependency manifests and install before copying the sources, so source edits keep the install cached',
  safety: 'safe',
  imageDifferences: { paths: ['/**/.dockerignore', '/**/*.dockerignore', '/root/.cache/go-build/**', '/**/.gradle/**'] },
  docs: 'docs/transforms/split-copy-install.md',
  trigger: { instructions: ['COPY', 'ADD', 'RUN'], tools: ['npm', 'yarn', 'pnpm', 'bun', 'pip', 'pipenv', 'poetry', 'uv', 'go', 'maven', 'gradle', 'dotnet', 'bundler', 'composer', 'mix', 'cargo'] },
  apply(doc, { context }) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const stage of doc.stages()) {
      const list = stage.instructions;
      // From the last source copy up: each one moved lets the one before it reach the install next pass.
      for (let i = list.length - 1; i >= 0; i--) {
        const ins = list[i]!;
        const copy = doc.copyArgs(ins);
        if (!copy || doc.flag(ins, 'from') !== undefined) continue;
        const folder = copiedFolder(copy, context);
        if (folder === null) continue;
        const line = ins.getRange().start.line;
        const result = planSplit(doc, list, i, copy, folder, context);
        if (result === null) {
          const child = installInChildStage(doc, stage);
          if (child) skips.push({ line, reason: `the install ${child.install} runs in stage ${child.stage}, built from this one; dockmod does not move copies across stages` });
          continue;
        }
        if ('skip' in result) {
          skips.push({ line, reason: result.skip });
          continue;
        }
        changes.push({ line, ...result });
        // One change per stage and pass: the engine re-parses and runs again for any other copy.
        break;
      }
    }
    return { changes, skips };
  },
};

/** The change for the source copy at `list[i]`, a skip with its reason, or null when no install follows it. */
function planSplit(doc: Document, list: Instruction[], i: number, copy: CopyArgs, folder: string, context: BuildContext | undefined): Omit<Change, 'line'> | { skip: string } | null {
  const ins = list[i]!;
  const workdir = doc.workdirAt(ins);
  const destValue = expand(copy.dest, doc.variablesAt(ins));
  const dest = workdir === null || destValue === null ? null : path.posix.resolve(workdir, destValue);
  let found: FoundInstall | null = null;
  let blocker: string | null = null;
  for (const next of list.slice(i + 1)) {
    if (next.getKeyword() === 'RUN') found = findInstall(doc, next, dest ?? IMAGE_WORKDIR);
    if (found) break;
    const kw = next.getKeyword();
    const neutral = NEUTRAL.has(kw) || (kw === 'RUN' && dest !== null && runLeavesSourcesAlone(doc, next, dest));
    if (!neutral && !blocker) blocker = `${doc.quote(next)} comes between the copy and the install and may use the copied files`;
  }
  if (!found) return null;
  const what = `\`${found.written.json ? found.match.argv.join(' ') : found.written.words.join(' ')}\``;
  const skip = (reason: string) => ({ skip: `${what}: ${reason}` });
  if (blocker) return skip(blocker);
  if (found.match.installer.unsupported) return skip(found.match.installer.unsupported);
  if (found.refuse) return skip(found.refuse);
  if (!context) return skip('the build context is unknown, so the manifests cannot be listed');
  if (dest === null) return skip("the copy's destination depends on a variable that cannot be resolved");
  const brought = readContextCopy(doc, ins);
  if (brought === null || 'unknown' in brought) return skip(brought?.unknown ?? 'the copy cannot be read');
  if (brought.sources.some((s) => s.base !== undefined)) return skip("the copy uses --parents, which keeps each file's path below the context root under the destination; dockmod does not split such a copy");
  if (found.cwd === null) return skip("the install's working directory cannot be resolved");
  if (doc.endsInContinuation(found.run)) return skip(`${doc.quote(found.run)} ends in a line continuation, which would join the source copy put after it`);
  const { installer, argv } = found.match;
  const fetchWords = installer.prefetch?.(argv);
  const prefetch = fetchWords ? renderCommand(fetchWords, found.written) : null;
  // Already split (often by dockmod's own fetch step): what runs after the copy only builds the project.
  if (prefetch && fetchedEarlier(doc, list, i, installer.ecosystem)) return null;

  // Inside the copied folder, the install reads its manifests from the copy: those are copied first. Outside
  // it, an earlier COPY of its main manifest shows which context folder its working directory holds.
  const cwd = found.cwd;
  const inside = isWithin(cwd, dest);
  const fromFolder = (target: string) => path.posix.join(folder, path.posix.relative(dest, target));
  const earlier = inside ? null : manifestFolderFromEarlierCopies(doc, list, i, cwd, [...PRIMARY_MANIFESTS[installer.ecosystem]]);
  const dir = inside ? fromFolder(cwd) : earlier;
  if (dir === null && !installer.readsNamedPaths) return skip(`the install runs in ${cwd}, outside the copied folder, and no earlier COPY shows where its manifests come from`);
  const toContext = (named: string): string | null => {
    const target = path.posix.resolve(cwd, named);
    if (isWithin(target, dest)) return fromFolder(target);
    return dir !== null && isWithin(target, cwd) ? path.posix.join(dir, path.posix.relative(cwd, target)) : null;
  };
  const manifests = installer.manifests(argv, dir === null || dir === '.' ? '' : dir, context, toContext);
  if ('refuse' in manifests) return skip(manifests.refuse);
  const ignore = contextIgnoreMatcher(context);
  const excluded = manifests.files.find((f) => ignore.ignores(f) && !manifests.optional.includes(f));
  if (excluded) return skip(`${excluded} is excluded by ${ignoreFileName(context)}`);
  // A manifest the source copy's --exclude keeps out is not what the install reads from it.
  const keptOut = (f: string) => isWithin(f, folder || '.') && landings(brought, f).length === 0;
  const excludedByCopy = manifests.files.find((f) => !ignore.ignores(f) && keptOut(f) && !manifests.optional.includes(f));
  if (excludedByCopy) return skip(`${excludedByCopy} is kept out by the --exclude of ${doc.quote(ins)}`);
  const files = manifests.files.filter((f) => !ignore.ignores(f) && !keptOut(f));
  // Where the install reads each manifest, to know which ones this copy brings.
  const readAt = (f: string): string | null =>
    installer.readsNamedPaths || inside ? (isWithin(f, folder || '.') ? path.posix.resolve(dest, path.posix.relative(folder || '.', f)) : null) : path.posix.resolve(cwd, path.posix.relative(dir!, f));
  const fromCopy = files.filter((f) => {
    const at = readAt(f);
    return at !== null && isWithin(at, dest);
  });

  const eol = doc.eolAt(ins.getRange().start.line);
  const copyStart = doc.offsetAt(ins.getRange().start);
  const copyEnd = doc.offsetAt(ins.getRange().end);
  // A source copy moved past a WORKDIR change keeps its destination by naming it in full.
  const movedPastWorkdir = doc.workdirAt(found.run) !== workdir && !path.posix.isAbsolute(destValue!);
  if (movedPastWorkdir && dest.startsWith(IMAGE_WORKDIR)) return skip("WORKDIR changes between the copy and the install, and the copy's destination is relative to the base image's WORKDIR");
  const copyText = movedPastWorkdir ? copyInstruction(ins, copy, copy.sources, `${dest}/`) : doc.text.slice(copyStart, copyEnd);
  const manifestCopy = fromCopy.length ? manifestCopies(doc, ins, copy, folder, fromCopy) : '';
  const run = found.run;
  const runFlags = doc.flags(run).map((f) => doc.slice(f.getRange())).join(' ');
  const runKeyword = `${run.getInstruction()} ${runFlags ? `${runFlags} ` : ''}`;
  const copyLine = { start: doc.lineStartOf(copyStart), end: doc.endOfLineAfter(ins) };
  const edits: Edit[] = [];
  if (prefetch) {
    // The build stays after the source copy; a fetch from the manifests alone goes before it.
    const runDir = doc.workdirAt(run);
    const cd = runDir !== null && runDir !== cwd ? `cd ${path.posix.relative(runDir, cwd)} && ` : '';
    const runStart = doc.lineStartOf(doc.offsetAt(run.getRange().start));
    edits.push({ ...copyLine, text: '' });
    edits.push({ start: runStart, end: runStart, text: `${manifestCopy ? `${manifestCopy}${eol}` : ''}${runKeyword}${cd}${prefetch}${eol}${copyText}${eol}` });
  } else {
    edits.push(manifestCopy ? { start: copyStart, end: copyEnd, text: manifestCopy } : { ...copyLine, text: '' });
    if (found.split) {
      const { script, lastKept, firstMoved, cdPrefix } = found.split;
      const gapStart = script.toDoc(lastKept.endIndex);
      const gapEnd = script.toDoc(firstMoved.startIndex);
      const comments = doc.text.slice(gapStart, gapEnd).split(/\r?\n/).filter((l) => /^\s*#/.test(l)).map((l) => `${l.trim()}${eol}`).join('');
      edits.push({ start: gapStart, end: gapEnd, text: `${eol}${copyText}${eol}${comments}${runKeyword}${cdPrefix}` });
    } else {
      const end = doc.endOfLineAfter(run);
      const endsWithNewline = end > 0 && doc.text[end - 1] === '\n';
      edits.push({ start: end, end, text: endsWithNewline ? `${copyText}${eol}` : `${eol}${copyText}` });
    }
  }
  // Only a moved source copy lands on top of the install's output (a prefetch is followed by the original).
  const shadowed = (manifests.shadowed ?? []).map((f) => ({ ...f, paths: f.paths.filter((p) => isWithin(p, folder || '.')) })).filter((f) => f.paths.length);
  const ignoreEdit = prefetch || !shadowed.length ? null : ignoreFileLeavingOut(context, shadowed);
  if (ignoreEdit && 'refuse' in ignoreEdit) return skip(`${ignoreEdit.folders.join(', ')} must be left out of the source copy, but ${ignoreEdit.refuse}; not edited`);
  const how = prefetch ? `fetch dependencies with \`${prefetch}\`` : `run ${what}`;
  const message = fromCopy.length ? `copy ${fromCopy.join(', ')} and ${how} before copying the sources` : `${how} before copying ${folder || 'the sources'}`;
  return { message, edits, ...(ignoreEdit ? { files: [ignoreEdit.write] } : {}) };
}
