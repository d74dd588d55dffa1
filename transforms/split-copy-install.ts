// split-copy-install: `COPY . .` before `RUN npm ci` makes every source edit re-run the install, because the
// COPY's cache key is the content of the whole context. Copying only the manifests first, installing, then
// copying the sources keeps the install cached until a manifest changes.
// Refuses (with the reason) when the build context is unknown, a manifest is missing, the install may need the
// sources (lifecycle scripts, local-path dependencies, `pip install .`), anything between the copy and the
// install might read or write the copied files, or the ignore file must leave out a folder the install writes
// but cannot be edited (src/contexts/ignore-edits.ts).
import path from 'node:path';
import type { BuiltinTransformModule, Change, Edit, Skip, BuildContext } from '../src/engine/types.js';
import { IMAGE_WORKDIR, expand, shortened, type CopyArgs, type Document, type Instruction, type Stage } from '../src/engine/document.js';
import { POSIX_SHELLS, variableGuard, wordTexts, type Command, type ShellNode, type ShellScript } from '../src/engine/shell.js';
import { shellHasErrexit } from '../src/engine/run-edits.js';
import { argValues } from '../src/tools/commands.js';
import { PRIMARY_MANIFESTS, matchInstall } from '../src/tools/installs.js';
import { renderCommand, shadowedAt, type CommandWord, type Environment, type InstallMatch, type WrittenCommand } from '../src/tools/ecosystems/installer.js';
import { chainEffects, commandEffect, copyTarget, definedNames, isWithin, namesIn, overlaps, runEffects, runVariables, TOOL_ENVIRONMENT, UNKNOWN, unknownPart, type ChainStep, type Effect, type Paths, type ShellVariables } from '../src/tools/effects.js';
import { basename } from '../src/tools/vocabulary/tool.js';
import { instructionsBefore } from '../src/tools/packages.js';
import { toolOf } from '../src/tools/vocabulary/index.js';
import { contextIgnoreMatcher, ignoreFileName, sentContext } from '../src/contexts/dockerignore.js';
import { ignoreFileLeavingOut, type WrittenAnewAfter } from '../src/contexts/ignore-edits.js';
import { HIDDEN_INSTALL_RUNNERS, hiddenInstall, type HiddenUnread, type InstallFilter } from '../src/tools/hidden-installs.js';
import { landings, readContextCopy, type ContextCopy } from '../src/contexts/context-files.js';
import picomatch from 'picomatch';
import { changingIn, copiedFolder, stageCopiedFrom, stageCopySources, stageSources } from '../src/tools/stage-sources.js';

/** Instructions that neither read nor write files, so the source copy may move past them. */
const NEUTRAL = new Set(['ENV', 'ARG', 'LABEL', 'EXPOSE', 'MAINTAINER', 'USER', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'SHELL', 'WORKDIR']);
/** Instructions that change nothing a fetch run before them would see. */
const INERT_FOR_FETCH = new Set(['LABEL', 'EXPOSE', 'MAINTAINER', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'WORKDIR']);

/** A step of the install's RUN before the install itself (`cd app`, `. /tmp/env`), with its effect. */
interface PrefixStep {
  text: string;
  effect: Effect;
  unknownCommand?: string;
  /**
   * The step's text with the joiner after it (`apk add git && \\\n    `), as offsets in the Dockerfile: what taking
   * the step out removes. A comment line in the joiner (which Docker drops before the shell reads it) stays.
   */
  withJoiner: { start: number; end: number };
  /** It makes folders or files in the copied project (`mkdir -p storage/logs`): an inserted fetch runs without it. */
  scaffolds?: true;
}

/** A dependency install found in a RUN, with what is needed to split the RUN after it. */
interface FoundInstall {
  run: Instruction;
  match: InstallMatch;
  written: WrittenCommand;
  /** The install's working directory (absolute, or under IMAGE_WORKDIR), or null when it cannot be known. */
  cwd: string | null;
  /** The steps of the same RUN before the install. */
  prefix: PrefixStep[];
  environment: Environment;
  /** For a shell RUN that goes on after the install: the split point and what follows. */
  /** `statePrefix`: the install's steps before it that set what the moved steps run with (`cd`, `export`, `set -e`). */
  split?: { script: ShellScript; lastKept: ShellNode; firstMoved: ShellNode; statePrefix: string; heredoc: { opener: string; delimiter: string } | null };
  /** Why the RUN cannot be split as needed. */
  refuse?: string;
  /** Where the install is written when the RUN reaches it through a file of the copy (a Makefile target, a script). */
  hidden?: string;
  /** The `if` the install runs under (`[ -z "$SKIP" ]`): a fetch runs under it too. */
  guard?: InstallGuard;
  /** Why the RUN must stay where it is, so that only a fetch inserted before the copy can serve it. */
  staysPut?: string;
}

/** The condition of the `if` over variables an install runs under, which branch, and why the RUN must stay put. */
interface InstallGuard {
  condition: string;
  inThen: boolean;
  staysPut?: string;
}

/** The copy's files by their image paths, for an install a RUN reaches through one of them (hidden-installs.ts). */
interface CopyFiles {
  context: BuildContext;
  toContext(imagePath: string): string | null;
}

/**
 * For another Dockerfile sharing the ignore file: what the install after its copy `copying` writes anew in its
 * project (node_modules, Yarn's install state: the install's project outputs, as context paths), when the steps
 * before it leave the copied files alone. That copy does not need those paths from the context.
 */
function writtenAnewAfter(context: BuildContext): WrittenAnewAfter {
  return (doc, copying) => {
    const copy = doc.copyArgs(copying);
    const folder = copy && doc.flag(copying, 'from') === undefined ? copiedFolder(copy, context) : null;
    const dest = copyTarget(doc, copying);
    if (folder === null || dest === null) return [];
    const stage = doc.stages().find((s) => s.instructions.includes(copying))!;
    for (const next of stage.instructions.slice(stage.instructions.indexOf(copying) + 1)) {
      if (next.getKeyword() !== 'RUN') continue;
      const found = findInstall(doc, next, dest);
      if (found) {
        if (found.refuse || found.cwd === null || !isWithin(found.cwd, dest)) return [];
        const toContext = (named: string) => {
          const target = path.posix.resolve(found.cwd!, named);
          return isWithin(target, dest) ? path.posix.join(folder, path.posix.relative(dest, target)) : null;
        };
        const manifests = found.match.installer.manifests(found.match.argv, toContext('.') ?? '', sentContext(context), toContext, found.environment);
        return 'refuse' in manifests ? [] : (manifests.shadowed ?? []).flatMap((f) => f.paths);
      }
      const effect = runEffects(doc, next);
      if (!effect || effect.steps.some(({ effect: e }) => e === UNKNOWN || overlaps(e.reads, [dest]) || overlaps(e.writes, [dest]))) return [];
    }
    return [];
  };
}

/** The copy's files by their image paths, when its destination and the build context are known. */
function copyFiles(dest: string | null, folder: string, context: BuildContext | undefined): CopyFiles | undefined {
  return context && dest !== null ? { context, toContext: (p) => (isWithin(p, dest) ? path.posix.join(folder, path.posix.relative(dest, p)) : null) } : undefined;
}

/**
 * The first install a RUN runs, itself or through a Makefile or script this copy brings (`through`), or why the
 * RUN may install where dockmod cannot read it; null when it installs nothing from the context.
 */
function runInstall(doc: Document, run: Instruction, dest: string, through: CopyFiles | undefined, wanted: InstallFilter = () => true): FoundInstall | { skip: string } | null {
  const found = findInstall(doc, run, dest, wanted);
  if (found) return found;
  if (installsUnread(doc, run)) return { skip: `${doc.quote(run)} installs dependencies, but its script is one dockmod's shell parser cannot read, so it is left as it is` };
  const script = through ? doc.runScript(run) : null;
  const hidden = script && !script.hasError ? locateHidden(doc, run, script, through!, wanted) : null;
  if (hidden && 'unread' in hidden) return { skip: `${doc.quote(run)} may install dependencies, hidden where dockmod cannot read them: ${hidden.unread}` };
  return hidden ? installAt(doc, run, script!, dest, hidden) : null;
}

/** The first dependency install of a RUN, or null when the RUN installs nothing from the context. */
function findInstall(doc: Document, run: Instruction, dest: string, wanted: InstallFilter = () => true): FoundInstall | null {
  const workdir = doc.workdirAt(run);
  const exec = doc.execForm(run);
  if (exec) {
    const match = matchInstall(exec);
    return match && wanted(match) ? { run, match, written: { prefix: '', words: exec.map((w) => JSON.stringify(w)), json: true }, cwd: workdir, prefix: [], environment: installEnvironment(doc, run, new Map(), []) } : null;
  }
  const script = doc.runScript(run);
  if (!script || script.hasError) return null;
  const located = locateInstall(script.commands(), dest, workdir, wanted);
  return located && installAt(doc, run, script, dest, located);
}

/** A located install command: its place in the RUN's chain, the steps before it, and how the RUN splits after it. */
function installAt(doc: Document, run: Instruction, script: ShellScript, dest: string, located: LocatedInstall | { match: InstallMatch; written: WrittenCommand; refuse: string }): FoundInstall {
  const workdir = doc.workdirAt(run);
  if ('refuse' in located) return { run, ...located, cwd: null, prefix: [], environment: UNKNOWN_ENVIRONMENT };
  const { cmd, match, written } = located;
  if (written.prefix === '') written.prefix = script.text.slice(cmd.start, cmd.nameWord.start);
  const chain = chainEffects(script, workdir, runVariables(doc, run), shellHasErrexit(doc, run));
  const at = chain?.findIndex(({ step }) => step.startIndex <= cmd.start && cmd.end <= step.endIndex) ?? -1;
  const stepType = chain?.[at]?.step.type;
  if (stepType === 'redirected_statement' && chain![at]!.command?.node.startIndex !== cmd.node.startIndex) {
    return { run, match, written, cwd: null, prefix: [], environment: UNKNOWN_ENVIRONMENT, refuse: `the install's step \`${shortened(chain![at]!.step.text)}\` has a redirection dockmod does not follow (it follows \`> /dev/null\` and \`2>&1\` on the install alone)` };
  }
  if (!chain || at < 0 || (stepType !== 'command' && stepType !== 'if_statement' && stepType !== 'redirected_statement')) {
    return { run, match, written, cwd: null, prefix: [], environment: UNKNOWN_ENVIRONMENT, refuse: 'the install is inside a script that is not a plain `a && b` chain' };
  }
  const withJoiner = (step: ShellNode, next: ShellNode) => {
    const [end, nextStart] = [script.toDoc(step.endIndex), script.toDoc(next.startIndex)];
    const joiner = doc.text.slice(end, nextStart);
    return { start: script.toDoc(step.startIndex), end: /^\s*#/m.test(joiner) ? end + /^[ \t]*(&&|;)?[ \t]*/.exec(joiner)![0].length : nextStart };
  };
  const prefix: PrefixStep[] = chain.slice(0, at).map(({ step, effect, unknownCommand }, i) => ({ text: step.text, effect, unknownCommand, withJoiner: withJoiner(step, chain[i + 1]!.step) }));
  // An install the RUN reaches through a file runs with whatever that file sets too.
  const environment = located.hidden === undefined ? installEnvironment(doc, run, cmd.assignments, prefix) : UNKNOWN_ENVIRONMENT;
  // Where the install works: the shell's folder, or the one its own option names (`composer -d /app install`).
  const named = match.installer.workingDirectory?.(match.argv);
  if (named === null) return { run, match, written, cwd: null, prefix, environment, refuse: "the install's working-directory option depends on a variable" };
  const shellCwd = chain[at]!.cwd;
  const cwd = named === undefined ? shellCwd : path.posix.isAbsolute(named) ? path.posix.normalize(named) : shellCwd === null ? null : path.posix.resolve(shellCwd, named);
  const found: FoundInstall = { run, match, written, cwd, prefix, environment, ...(located.hidden !== undefined && { hidden: located.hidden }) };
  if (chain[at]!.step.type === 'if_statement') {
    const guard = installGuard(chain[at]!, cmd, script, dest, runVariables(doc, run));
    if ('refuse' in guard) return { ...found, refuse: guard.refuse };
    found.guard = guard;
  }
  const touchingAll = prefix.filter((p) => overlaps(p.effect.reads, [dest]) || overlaps(p.effect.writes, [dest]));
  for (const step of touchingAll) if (scaffoldsProject(step, dest)) step.scaffolds = true;
  const touching = touchingAll.find((p) => !p.scaffolds);
  if (touching) {
    const conflict = touching.effect.reads === 'any' ? `may use the sources${touching.unknownCommand ? ': dockmod cannot tell what it does' : ''}` : `reads or writes ${dest}`;
    return { ...found, refuse: `${unknownPart(touching)} runs before the install in the same RUN and ${conflict}` };
  }
  if (touchingAll.length) found.staysPut = `\`${touchingAll[0]!.text}\` runs before the install in the same RUN and writes in ${dest}, where the copy lands`;
  // Clean-up right after the install (cache cleaning, rm of caches) stays with it: steps that touch no copied file.
  const steps = chain.map((c) => c.step);
  const leavesSourcesAlone = ({ effect }: ChainStep) => effect !== UNKNOWN && !overlaps(effect.reads, [dest]) && !overlaps(effect.writes, [dest]);
  let last = at;
  while (last + 1 < steps.length && leavesSourcesAlone(chain[last + 1]!)) last++;
  if (last + 1 < steps.length) {
    // The moved steps start a RUN of their own: the state the prefix set up is set up again there. A prefix step
    // that sets state and writes too would write twice.
    const stateSteps = prefix.filter((p) => p.effect.cd !== undefined || p.effect.sets === 'any' || p.effect.sets.length > 0);
    const writing = stateSteps.find((p) => p.effect.writes === 'any' || p.effect.writes.length > 0);
    if (writing) return { ...found, refuse: `\`${writing.text}\` runs before the install and sets what the steps after it use, but also writes, so it cannot run again for them` };
    // Its leading `--word` Docker would read as a flag of that RUN.
    if (!stateSteps.length && steps[last + 1]!.text.startsWith('-')) {
      return { ...found, refuse: `\`${steps[last + 1]!.text.split(/\s/)[0]}\` after the install would read as a flag of a RUN of its own` };
    }
    // In a heredoc, the split closes the heredoc and opens another like it; a heredoc that is not the script
    // (`RUN cat <<EOF > f && npm ci && ...`) has its body after the line that the split would cut.
    const heredoc = doc.hasHeredoc(run) ? doc.heredocBody(run) : null;
    if (doc.hasHeredoc(run) && !heredoc) return { ...found, refuse: 'the install shares its RUN with a heredoc that a split would part from its command' };
    found.split = { script, lastKept: steps[last]!, firstMoved: steps[last + 1]!, statePrefix: stateSteps.map((p) => `${p.text} && `).join(''), heredoc };
  }
  return found;
}

/**
 * A step that only makes folders or files, or sets modes, in the copied project (`mkdir -p storage/logs`, `touch
 * .env`): it reads nothing, and an install does not need it unless it writes what the install reads or writes
 * (whyNotInsert looks at that), so a fetch inserted before the copy can leave it to the RUN, which stays.
 */
function scaffoldsProject(step: PrefixStep, dest: string): boolean {
  const { effect } = step;
  return effect !== UNKNOWN && effect.reads !== 'any' && effect.reads.length === 0 && effect.writes !== 'any' && effect.writes.every((w) => isWithin(w, dest)) && effect.cd === undefined && effect.sets !== 'any' && effect.sets.length === 0 && !effect.installsPrograms;
}

/** An environment none of whose variables is known. */
const UNKNOWN_ENVIRONMENT: Environment = () => null;

/**
 * The install's environment as the Dockerfile sets it: the command's own assignments, then what the steps before
 * it in its RUN set (not known), then ENV (an ARG, which the build may change, is not known).
 */
function installEnvironment(doc: Document, run: Instruction, assignments: ReadonlyMap<string, string | null>, prefix: readonly PrefixStep[]): Environment {
  const fixed = doc.fixedVariablesAt(run);
  return (name) => {
    if (assignments.has(name)) return assignments.get(name)!;
    if (prefix.some(({ effect: { sets } }) => sets === 'any' || sets.includes(name))) return null;
    return fixed.get(name);
  };
}

/**
 * How a fetch runs under the `if` over variables that an install's step is (`if [ -z "$SKIP" ]; then go build; fi`):
 * the branch the install is in, to run the fetch in the same branch of the same condition. `staysPut`: why the RUN
 * must stay where it is, so that a fetch before the copy is the one rewrite: the install is not alone in its branch
 * (a move would carry the other steps along), or the other branch may use the sources. Refused: a condition that
 * may read files, an install after other steps of its branch, an `elif`, and another branch that installs too.
 */
function installGuard(step: ChainStep, cmd: Command, script: ShellScript, dest: string, variables: ShellVariables): InstallGuard | { refuse: string } {
  const guard = variableGuard(step.step);
  if (!guard) return { refuse: 'the install runs under an `if` whose condition may read files or run commands' };
  const within = (statements: ShellNode[]) => statements.some((s) => s.startIndex <= cmd.start && cmd.end <= s.endIndex);
  const inThen = within(guard.then);
  const [branch, other] = inThen ? [guard.then, guard.otherwise] : [guard.otherwise, guard.then];
  const alone = branch.length === 1 && branch[0]!.startIndex === cmd.start && branch[0]!.endIndex === cmd.end;
  if (!alone && !(branch.length === 1 && firstOfAndChain(branch[0]!, cmd))) return { refuse: 'the install comes after other steps in its branch of an `if`' };
  const otherCommands = script.commands().filter((c) => other.some((s) => s.startIndex <= c.start && c.end <= s.endIndex));
  const installing = otherCommands.find((c) => matchInstall([c.name, ...argValues(c)]) !== null);
  if (installing) return { refuse: `the other branch of the install's \`if\` installs too (\`${script.text.slice(installing.start, installing.end)}\`)` };
  const found = { condition: guard.condition, inThen };
  if (!alone) return { ...found, staysPut: 'the install shares its branch of an `if` with other steps' };
  const effects = otherCommands.map((c) => commandEffect(c, step.cwd, variables));
  if (!guard.plainBranches || effects.includes(UNKNOWN)) return { ...found, staysPut: "dockmod cannot tell what the other branch of the install's `if` does" };
  if (effects.some((e) => overlaps(e.reads, [dest]) || overlaps(e.writes, [dest]))) return { ...found, staysPut: `the other branch of the install's \`if\` reads or writes ${dest}` };
  return found;
}

/** Whether `statement` is an `a && b && …` list whose first step is `cmd`. */
function firstOfAndChain(statement: ShellNode, cmd: Command): boolean {
  let node = statement;
  while (node.type === 'list') {
    const operator = node.children.find((c) => c && !c.isNamed && (c.type === '&&' || c.type === '||'));
    if (operator?.type !== '&&') return false;
    node = node.namedChildren.find((c): c is ShellNode => !!c && c.type !== 'comment')!;
  }
  return node.startIndex === cmd.start && node.endIndex === cmd.end;
}

/** An install command found in a RUN; `hidden`: where it is written when the RUN reaches it through a file of the copy. */
interface LocatedInstall {
  cmd: Command;
  match: InstallMatch;
  written: WrittenCommand;
  hidden?: string;
}

/**
 * An install a command of the RUN reaches through a file the copy brings, in the folder the command runs in (the
 * RUN's chain says it; outside a chain, the WORKDIR when no command changes folder); or why it cannot be read.
 */
function locateHidden(doc: Document, run: Instruction, script: ShellScript, through: CopyFiles, wanted: InstallFilter): LocatedInstall | HiddenUnread | null {
  const workdir = doc.workdirAt(run);
  const commands = script.commands();
  const chain = chainEffects(script, workdir, runVariables(doc, run), shellHasErrexit(doc, run));
  for (const cmd of commands) {
    const step = chain?.find(({ step }) => step.startIndex <= cmd.start && cmd.end <= step.endIndex);
    const cwd = chain ? (step?.cwd ?? null) : commands.some((c) => c.name === 'cd') ? null : workdir;
    if (cwd === null) continue;
    const found = hiddenInstall(cmd, cwd, through.toContext, through.context, wanted);
    if (!found) continue;
    if ('unread' in found) return found;
    return { cmd, match: found.match, written: { prefix: '', words: found.words, json: false, ...(found.makeWords && { unrepeatable: found.makeWords }) }, hidden: found.via };
  }
  return null;
}

/**
 * The command of a RUN that installs, directly or through a wrapper program that runs its arguments
 * (`/usr/local/bin/entrypoint-run.sh mvn package`): a fetch runs through the same wrapper, as the install does.
 * A wrapper the copy brings (`./build.sh npm ci`), or one named through a variable, is not known to be there
 * before the copy: found, but refused.
 */
function locateInstall(commands: Command[], dest: string, workdir: string | null, wanted: InstallFilter): { cmd: Command; match: InstallMatch; written: WrittenCommand } | { match: InstallMatch; written: WrittenCommand; refuse: string } | null {
  for (const cmd of commands) {
    const direct = matchInstall([cmd.name, ...argValues(cmd)]);
    if (direct && wanted(direct)) return { cmd, match: direct, written: { prefix: '', words: wordTexts(cmd), json: false } };
  }
  for (const cmd of commands) {
    const argv = [cmd.name, ...argValues(cmd)];
    const wrapped = installThroughWrapper(cmd);
    if (wrapped && wanted(wrapped.match)) {
      const { k, match } = wrapped;
      const words = wordTexts(cmd);
      const written = { prefix: `${words.slice(0, k).join(' ')} `, words: words.slice(k), json: false };
      const wrapper = cmd.nameWord.value;
      const fromCopy = wrapper === null || argv.slice(1, k).includes(null) || (wrapper.includes('/') && (workdir === null || isWithin(path.posix.resolve(workdir, wrapper), dest)));
      if (fromCopy) return { match, written, refuse: `the install runs through \`${cmd.name}\`, which may come with the copy` };
      return { cmd, match: { ...match, argv: argv.slice(k) }, written };
    }
  }
  return null;
}

/**
 * An install that a program runs as its arguments (`entrypoint-run.sh mvn package`): the first install in the
 * command's words after its name. A package tool is no wrapper (`apt-get install -y gradle` installs a package).
 */
function installThroughWrapper(cmd: Command): { k: number; match: InstallMatch } | null {
  if (toolOf(cmd) !== null) return null;
  const argv = [cmd.name, ...argValues(cmd)];
  for (let k = 1; k < argv.length; k++) {
    const match = matchInstall(argv.slice(k));
    if (match) return { k, match };
  }
  return null;
}

/**
 * The context folder of an install that runs outside the copied folder: where a single-file COPY of one of its
 * manifests before the install came from (`COPY package*.json ./`, `COPY app/go.mod .`), the source copy at
 * `index` aside. Null when none did.
 */
function manifestFolderFromOtherCopies(doc: Document, list: Instruction[], index: number, install: Instruction, cwd: string, manifests: string[]): string | null {
  if (!manifests.length) return null;
  const end = list.indexOf(install);
  const before = [...list.slice(0, index).reverse(), ...list.slice(index + 1, end < 0 ? list.length : end).reverse()];
  for (const ins of before) {
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
      // Into a folder: a trailing slash, several sources, a glob, or the working directory itself (`COPY go.mod .`).
      const intoFolder = dest.endsWith('/') || copy.sources.length > 1 || /[*?[]/.test(source) || path.posix.resolve(workdir, dest) === workdir;
      const target = intoFolder ? path.posix.resolve(workdir, dest) : path.posix.dirname(path.posix.resolve(workdir, dest));
      if (target === cwd) return path.posix.dirname(path.posix.normalize(source)).replace(/^\.$/, '');
    }
  }
  return null;
}

/**
 * For a source copy in a stage that later stages build FROM, with the install in such a child stage: a fetch put
 * before the copy in this stage, where it serves every child (the install stays where it is and finds the
 * download cache warm). Not when this stage's own image is also used (copied from, or the last stage): the
 * fetch would add files to it. Null when no child stage installs.
 */
function planForChildStage(doc: Document, stage: Stage, i: number, copy: CopyArgs, folder: string, context: BuildContext | undefined): Omit<Change, 'line'> | { skip: string } | null {
  // A fetch of the child's tool before the copy already serves it (the author's, or dockmod's own). An install the
  // child reaches through a Makefile or script of the copy counts (opengist's stages built from `base` run `make`).
  const dest = copyTarget(doc, stage.instructions[i]!);
  const through = copyFiles(dest, folder, context);
  // Installs by a tool fetched before the copy are passed over: a child's next install (`npm ci && go build .`) counts.
  const fetched = new Map<string, boolean>();
  const unfetched: InstallFilter = ({ installer: { ecosystem } }) => !(fetched.get(ecosystem) ?? fetched.set(ecosystem, fetchesEarlier(doc, stage.instructions, i, ecosystem).length > 0).get(ecosystem));
  const firstInstall = (child: Stage): FoundInstall | { skip: string } | null => {
    for (const ins of child.instructions) {
      const found = ins.getKeyword() === 'RUN' ? runInstall(doc, ins, IMAGE_WORKDIR, through, unfetched) : null;
      if (found) return found;
    }
    return null;
  };
  const children = doc.stages().filter((child) => doc.parentStage(child) === stage && firstInstall(child) !== null);
  const plans = children.map((child) => ({ child, plan: planSplit(doc, stage.instructions, i, copy, folder, context, child, unfetched) })).filter((p) => p.plan !== null);
  if (!plans.length) return null;
  // A child the fetch can serve as it is, before one that refuses: the fetch runs in this stage either way.
  const { child, plan } = plans.find((p) => !('skip' in p.plan!)) ?? plans[0]!;
  const first = firstInstall(child)!;
  if ('skip' in first) return { skip: `in stage ${child.name ?? child.index}, built from this one: ${first.skip}` };
  const ecosystem = first.match.installer.ecosystem;
  // The stages whose images hold what a fetch here adds: this one, and those built from it (at any depth) that do
  // not install with the same tool themselves.
  const descends = (s: Stage): boolean => {
    for (let p = doc.parentStage(s), depth = 0; p && depth < 100; p = doc.parentStage(p), depth++) if (p === stage) return true;
    return false;
  };
  const installsItself = (s: Stage) => {
    const install = firstInstall(s);
    return install !== null && !('skip' in install) && install.match.installer.ecosystem === ecosystem;
  };
  const holders = [stage, ...doc.stages().filter((s) => descends(s) && !installsItself(s))];
  const names = new Set(holders.map((s) => (s.name ?? String(s.index)).toLowerCase()));
  // A copy out of such a stage that takes in the folder the fetch writes in would bring what it adds.
  const writes = plan && 'fetchWrites' in plan ? plan.fetchWrites : [];
  const takesFetched = (ins: Instruction) =>
    names.has(doc.flag(ins, 'from')?.toLowerCase() ?? '') && (dest === null || (doc.copyArgs(ins)?.sources ?? []).some((s) => !path.posix.isAbsolute(s) || overlaps([path.posix.normalize(s)], writes ?? [dest])));
  const usedAt = doc.stages().flatMap((s) => s.instructions).find(takesFetched);
  if (usedAt) return { skip: `the install in stage ${child.name ?? child.index} is built from this stage, but ${doc.quote(usedAt)} copies from where a fetch here would write, so it would bring what the fetch adds` };
  const last = doc.stages().at(-1)!;
  if (last === stage) return { skip: `the install in stage ${child.name ?? child.index} is built from this stage, but this is the last stage, whose image a fetch here would add files to` };
  if (holders.includes(last)) return { skip: `the install in stage ${child.name ?? child.index} is built from this stage, but so is the last stage, which installs nothing itself, so its image would hold what a fetch here adds` };
  if ('skip' in plan!) return { skip: `in stage ${child.name ?? child.index}, built from this one: ${plan.skip}` };
  const { fetchWrites: _, ...change } = plan!;
  return { ...change, message: `${plan!.message} (the install in stage ${child.name ?? child.index}, built from this one, finds them)` };
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
function manifestCopies(doc: Document, ins: Instruction, copy: CopyArgs, folder: string, files: string[], into = copy.dest): string {
  const byFolder = new Map<string, string[]>();
  for (const f of files) {
    const dir = path.posix.relative(folder || '.', path.posix.dirname(f)) || '.';
    byFolder.set(dir, [...(byFolder.get(dir) ?? []), f]);
  }
  const base = into.endsWith('/') ? into : `${into}/`;
  // The files are named one by one, as the source copy brings them: its --exclude patterns have no part here.
  const flagsText = copy.flags.filter((f) => f.getName().toLowerCase() !== 'exclude').map((f) => doc.slice(f.getRange())).join(' ');
  return [...byFolder]
    .map(([dir, group]) => copyInstruction(ins, { ...copy, flagsText }, group, dir === '.' ? base : `${base}${dir}/`))
    .join(doc.eolAt(ins.getRange().start.line));
}

/**
 * An earlier context COPY of the stage lands `file` at `at`, and nothing after it up to the source copy at
 * `index` writes there: the install finds it without another copy.
 */
function alreadyCopied(doc: Document, list: Instruction[], index: number, file: string, at: string): boolean {
  for (let k = index - 1; k >= 0; k--) {
    const ins = list[k]!;
    const kw = ins.getKeyword();
    if (kw === 'COPY' || kw === 'ADD') {
      const copy = readContextCopy(doc, ins);
      if (copy && !('unknown' in copy) && landings(copy, file).some((l) => l.at === at && !('uncertain' in l))) return true;
      const target = copyTarget(doc, ins);
      if (target === null || overlaps([target], [at])) return false;
    } else if (kw === 'RUN') {
      const effect = runEffects(doc, ins);
      if (!effect || effect.steps.some((s) => overlaps(s.effect.writes, [at]))) return false;
    } else if (!['WORKDIR', 'USER', 'ENV', 'ARG', 'LABEL', 'EXPOSE'].includes(kw)) return false;
  }
  return false;
}

/** The install is one an earlier fetch warms, and a RUN before `index` already fetches for its ecosystem. */
function installerFetchedEarlier(doc: Document, list: Instruction[], index: number, match: InstallMatch): boolean {
  return Boolean(match.installer.prefetch?.(match.argv)) && fetchesEarlier(doc, list, index, match.installer.ecosystem).length > 0;
}

/** The RUNs before `index` in the stage (and the stages it builds on) that already fetch this ecosystem's dependencies. */
function fetchesEarlier(doc: Document, list: Instruction[], index: number, ecosystem: string): Instruction[] {
  // The stages this one builds on ran before it: their fetches count too.
  return instructionsBefore(doc, list[index]!).filter((ins) => {
    if (ins.getKeyword() !== 'RUN') return false;
    const exec = doc.execForm(ins);
    if (exec) return matchInstall(exec)?.installer.ecosystem === ecosystem;
    const script = doc.runScript(ins);
    if (!script || script.hasError) return false;
    // Directly or through a wrapper (`entrypoint-run.sh mvn dependency:go-offline`).
    return script.commands().some((c) => (matchInstall([c.name, ...argValues(c)]) ?? installThroughWrapper(c)?.match)?.installer.ecosystem === ecosystem);
  });
}

export const splitCopyInstall: BuiltinTransformModule = {
  id: 'split-copy-install',
  summary: 'copy dependency manifests and install before copying the sources, so source edits keep the install cached',
  safety: 'safe',
  // A fetch before the copy may download more than the build it warms uses (every module of the graph, plugins of
  // go-offline, packages of other platforms): the tools' download caches may hold more. Composer's differs by its
  // own runs: each may garbage-collect the cache (its Cache::gcIsNecessary, about one run in 51), and the fetch is
  // one run more.
  imageDifferences: {
    paths: ['/**/.dockerignore', '/**/*.dockerignore', '/root/.cache/go-build/**', '/**/.gradle/**', '/go/pkg/mod/**', '/root/go/pkg/mod/**', '/root/.m2/**', '/root/.nuget/**', '/usr/local/cargo/registry/**', '/usr/local/cargo/git/**', '/root/.cargo/registry/**', '/root/.cargo/git/**', '/root/.composer/cache/**', '/root/.cache/composer/**'],
  },
  trigger: { instructions: ['COPY', 'ADD', 'RUN'], tools: ['npm', 'yarn', 'pnpm', 'bun', 'pip', 'pipenv', 'poetry', 'uv', 'go', 'maven', 'gradle', 'dotnet', 'bundler', 'composer', 'mix', 'cargo', ...HIDDEN_INSTALL_RUNNERS.keys()] },
  apply(doc, { context }) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const stage of doc.stages()) {
      const list = stage.instructions;
      // Source copies one after another before the same install each meet its one blocker: said once per stage,
      // at the first (another stage's install is another, however alike its RUN).
      const stageSkips: Skip[] = [];
      // From the last source copy up: each one moved lets the one before it reach the install next pass.
      for (let i = list.length - 1; i >= 0; i--) {
        const ins = list[i]!;
        const copy = doc.copyArgs(ins);
        if (!copy) continue;
        const line = ins.getRange().start.line;
        const folder = doc.flag(ins, 'from') === undefined ? copiedFolder(copy, context) : null;
        if (folder === null) {
          // Not a folder of sources: no split, but say why an install after it still re-runs when it changes.
          const why = doc.flag(ins, 'from') === undefined ? whyFilesCopyReruns(doc, list, i, context) : whyStageCopyReruns(doc, list, i, context);
          if (why) stageSkips.push({ line, reason: why });
          continue;
        }
        const result = planSplit(doc, list, i, copy, folder, context);
        if (result === null) {
          const across = planForChildStage(doc, stage, i, copy, folder, context);
          if (across === null) continue;
          if ('skip' in across) {
            stageSkips.push({ line, reason: across.skip });
            continue;
          }
          changes.push({ line, ...across });
          break;
        }
        if ('skip' in result) {
          stageSkips.push({ line, reason: result.skip });
          continue;
        }
        changes.push({ line, ...result });
        // One change per stage and pass: the engine re-parses and runs again for any other copy.
        break;
      }
      const first = new Map<string, Skip>();
      for (const skip of stageSkips) if (!first.has(skip.reason) || first.get(skip.reason)!.line > skip.line) first.set(skip.reason, skip);
      skips.push(...first.values());
    }
    return { changes, skips };
  },
};

/** A COPY between the source copy and the install that brings the same context files to the same places. */
function landsAsSourceCopy(doc: Document, between: Instruction, source: Instruction, folder: string, dest: string, context: BuildContext): boolean {
  const copy = doc.copyArgs(between);
  const target = copyTarget(doc, between);
  if (!copy || !target || doc.flag(between, 'from') !== undefined || copy.flagsText !== doc.copyArgs(source)!.flagsText) return false;
  return copy.sources.every((s) => {
    if (/[*?[$]/.test(s)) return false;
    const rel = path.posix.normalize(s).replace(/^\.\//, '').replace(/\/$/, '');
    if (!isWithin(rel, folder || '.')) return false;
    const at = path.posix.resolve(dest, path.posix.relative(folder || '.', rel));
    const isFolder = rel === '.' || context.listFiles().some((f) => f.startsWith(`${rel}/`));
    const lands = isFolder || copy.dest.endsWith('/') || copy.sources.length > 1 ? (isFolder ? target : path.posix.join(target, path.posix.basename(rel))) : target;
    return lands === at;
  });
}

/**
 * Why the source copy cannot move down past `between` to just after the install, or null when the model proves
 * no step there reads what it brings (beyond the manifests, copied first), writes where it lands, or changes
 * what its words mean.
 */
function whyNotMove(doc: Document, source: Instruction, folder: string, dest: string, between: Instruction[], brings: readonly string[], manifestsAt: readonly string[], context: BuildContext, leaveOut: string[]): string | null {
  const copyUsesVariables = doc.slice(source.getRange()).includes('$');
  // Paths the copy lands files at (or creates folders for): a step reading one besides the manifests, or writing
  // one at all, depends on whether the copy came first.
  const touches = (paths: Paths, landed: readonly string[]) => paths === 'any' || paths.some((p) => landed.some((l) => isWithin(l, p) || isWithin(p, l)));
  const sources = brings.filter((l) => !manifestsAt.includes(l));
  // What a step writes below the destination, where this context holds nothing: the moved copy would bring such a
  // path from any context that holds it (a host's untracked `venv/`) over what the step wrote, so the ignore file
  // must leave it out (`leaveOut`, context paths), as it must an install's node_modules.
  const ignore = contextIgnoreMatcher(context);
  const mayLand = (paths: readonly string[]) => {
    for (const p of paths) {
      const at = path.posix.join(folder || '.', path.posix.relative(dest, p));
      if (isWithin(p, dest) && p !== dest && !manifestsAt.includes(p) && !ignore.ignores(at) && !leaveOut.includes(at)) leaveOut.push(at);
    }
  };
  for (const ins of between) {
    const kw = ins.getKeyword();
    const quoted = doc.quote(ins);
    if (NEUTRAL.has(kw)) {
      if ((kw === 'ENV' || kw === 'ARG') && copyUsesVariables) return `${quoted} comes between the copy and the install and may set a variable the copy uses`;
      continue;
    }
    if (kw === 'COPY' || kw === 'ADD') {
      if (landsAsSourceCopy(doc, ins, source, folder, dest, context)) continue;
      const writes = copyWrites(doc, ins, context);
      if (writes === null || overlaps(writes, brings.length ? brings : [dest])) return `${quoted} comes between the copy and the install and writes where the copy lands`;
      mayLand(writes);
      continue;
    }
    if (kw !== 'RUN') return `${quoted} comes between the copy and the install and may use the copied files`;
    const effect = runEffects(doc, ins);
    if (!effect) return `${quoted} comes between the copy and the install and may use the copied files`;
    for (const step of effect.steps) {
      if (step.effect === UNKNOWN) return `${quoted} comes between the copy and the install and may use the copied files${step.unknownCommand ? `: dockmod cannot tell what ${unknownPart(step)} does` : ''}`;
      if (touches(step.effect.reads, sources)) return `${quoted} comes between the copy and the install and may use the copied files (\`${step.text}\` ${step.effect.reads === 'any' ? 'may read' : 'reads'} them)`;
      // An install of programs writes somewhere in the system and home folders, not at a path it names.
      if (touches(step.effect.writes, brings)) return `${quoted} comes between the copy and the install and ${step.effect.installsPrograms ? 'may write' : 'writes'} where the copy lands files (\`${step.text}\`)`;
      mayLand(step.effect.writes as readonly string[]);
    }
  }
  return null;
}

/** What a fetch put before the source copy runs, and what it carries along. */
interface Insertion {
  /** Steps between the copy and the install that the fetch depends on (`chmod +x gradlew`), to run first. */
  carried: string[];
}

/**
 * Whether a fetch can run where the source copy is, with everything else left in place: it must see the same
 * user, shell and tool environment as the install, find the tool already there (no step between installs
 * programs), and nothing between may read or write what the fetch fills in the project. A step between that
 * only changes the manifests' modes (`chmod +x gradlew`) is carried into the fetch.
 */
function whyNotInsert(doc: Document, source: Instruction, between: Instruction[], found: FoundInstall, fetch: string, manifestsAt: readonly string[], otherManifestsAt: readonly string[], projectWrites: readonly string[], context: BuildContext): Insertion | { blocker: string } {
  const carried: string[] = [];
  const tool = basename(found.match.argv[0]);
  // The variables the fetch's RUN names: its flags (mounts), its steps before it, its condition and its own words.
  // One that only the options a fetch drops use (`--features "$FEATURES"`) may be set after it.
  const setBetween = new Map<string, string>();
  const fetchMentions = namesIn([doc.flags(found.run).map((f) => doc.slice(f.getRange())).join(' '), ...found.prefix.map((p) => p.text), found.guard?.condition ?? '', fetch].join('\n'));
  // The manifests this copy does not bring are read where the install reads them: a step between must not put them there.
  const reads = [...fetchReads(doc, found), ...otherManifestsAt];
  /** The first path of `writes` that the fetch, run before the copy, would read. */
  const readByFetch = (writes: readonly string[]) => writes.find((w) => reads.some((r) => isWithin(r, w) || isWithin(w, r)));
  for (const ins of between) {
    const kw = ins.getKeyword();
    const quoted = doc.quote(ins);
    if (INERT_FOR_FETCH.has(kw)) continue;
    if (kw === 'USER' || kw === 'SHELL') return { blocker: `${quoted} comes between the copy and the install, so a fetch before the copy would not run as the install does` };
    if (kw === 'ENV' || kw === 'ARG') {
      const name = definedNames(ins).find((n) => TOOL_ENVIRONMENT.test(n) || fetchMentions.has(n));
      if (name) return { blocker: `${quoted} sets ${name}, which a fetch before the copy would not see` };
      for (const n of definedNames(ins)) setBetween.set(n, quoted);
      continue;
    }
    if (kw === 'COPY' || kw === 'ADD') {
      const writes = copyWrites(doc, ins, context);
      if (writes === null || overlaps(writes, projectWrites)) return { blocker: `${quoted} comes between the copy and the install and writes where the fetch installs` };
      const read = readByFetch(writes);
      if (read) return { blocker: `${quoted} comes between the copy and the install and writes ${read}, which a fetch before the copy would run or read` };
      continue;
    }
    if (kw !== 'RUN') return { blocker: `${quoted} comes between the copy and the install` };
    const effect = runEffects(doc, ins);
    if (!effect) return { blocker: `${quoted} comes between the copy and the install, and dockmod cannot tell what it does` };
    for (const step of effect.steps) {
      if (step.command && basename(step.command.name) === tool) continue; // the same tool: the fetch only fills its cache
      if (step.effect === UNKNOWN) return { blocker: `${quoted} comes between the copy and the install, and dockmod cannot tell what ${unknownPart(step)} does` };
      if (step.effect.installsPrograms) return { blocker: `${quoted} comes between the copy and the install and may install what a fetch before the copy needs` };
      const writes = step.effect.writes as readonly string[];
      // A manifest it changes (`chmod +x gradlew`) is looked at below: such a step is carried into the fetch.
      const read = readByFetch(writes.filter((w) => !manifestsAt.includes(w)));
      if (read) return { blocker: `${quoted} comes between the copy and the install and writes ${read}, which a fetch before the copy would run or read (\`${step.text}\`)` };
      // What the fetch adds can change what a step writes; a step that only reads prints to the log alone.
      if (overlaps(writes, projectWrites) || (writes.length > 0 && overlaps(step.effect.reads, projectWrites))) return { blocker: `${quoted} uses what the install writes in the project` };
      if (!overlaps(writes, manifestsAt)) continue;
      const modeOnly = /^(chmod|chown|chgrp)$/.test(basename(step.command?.name)) && writes.every((w) => manifestsAt.includes(w));
      if (!modeOnly || doc.workdirAt(ins) !== doc.workdirAt(source)) return { blocker: `${quoted} changes the manifests between the copy and the install` };
      carried.push(step.text);
    }
  }
  const writing = prefixStepThatWrites(found);
  if (writing) return { blocker: `\`${writing.text}\` runs before the install in the same RUN` };
  // A step the fetch leaves to the RUN must make nothing the install reads or writes.
  const needed = found.prefix.find((p) => p.scaffolds && (overlaps(p.effect.writes, projectWrites) || overlaps(p.effect.writes, [...manifestsAt, ...otherManifestsAt])));
  if (needed) return { blocker: `\`${needed.text}\` runs before the install in the same RUN and writes where the install reads or writes, so a fetch without it would not do as the install does` };
  const unset = [...namesIn(carried.join('\n'))].find((n) => setBetween.has(n));
  if (unset) return { blocker: `${setBetween.get(unset)} sets ${unset}, which a step the fetch carries uses` };
  return { carried };
}

/** The folders a shell looks in for a program when PATH is the one base images set. */
const USUAL_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * What the fetch reads in the image where it runs, before the copy: the files its carried steps read (`. /tmp/rid.env`,
 * `V=$(cat /VERSION)`), a wrapper it runs through, and its program: the path it is named by, or the program of that
 * name in each folder of PATH (the usual ones, and those an ENV of the stage sets).
 */
function fetchReads(doc: Document, found: FoundInstall): string[] {
  const cwd = found.cwd ?? '/';
  const prefixReads = found.prefix.flatMap((p) => (p.effect.reads === 'any' ? [] : p.effect.reads));
  const wrappers = found.written.prefix.split(/\s+/).filter((w) => w.includes('/')).map((w) => path.posix.resolve(cwd, w));
  const program = found.match.argv[0];
  if (!program) return [...prefixReads, ...wrappers];
  if (program.includes('/')) return [...prefixReads, ...wrappers, path.posix.resolve(cwd, program)];
  const set = doc.variablesAt(found.run).get('PATH');
  const folders = typeof set === 'string' ? set.split(':') : [...USUAL_PATH, ...pathSetInStage(doc, found.run)];
  return [...prefixReads, ...wrappers, ...folders.filter((f) => f.startsWith('/')).map((f) => path.posix.join(f, program))];
}

/** The static folders the ENV and ARG instructions before `run` (in its stage and those it builds on) put in PATH. */
function pathSetInStage(doc: Document, run: Instruction): string[] {
  return instructionsBefore(doc, run)
    .filter((ins) => (ins.getKeyword() === 'ENV' || ins.getKeyword() === 'ARG') && definedNames(ins).includes('PATH'))
    .flatMap((ins) => [...doc.slice(ins.getRange()).matchAll(/\bPATH[=\s]+["']?([^\s"']+)/g)].flatMap((m) => m[1]!.split(':')))
    .filter((f) => f.startsWith('/') && !f.includes('$'));
}

/** Absolute paths where the files a context copy brings land (what a moved copy could collide with). */
function copyLandings(context: BuildContext, brought: ContextCopy, folder: string, dest: string): string[] {
  const ignore = contextIgnoreMatcher(context);
  return context
    .listFiles()
    .filter((f) => isWithin(f, folder || '.') && !ignore.ignores(f))
    .flatMap((f) => landings(brought, f).map((l) => (path.posix.isAbsolute(l.at) ? l.at : path.posix.resolve(dest, l.at))));
}

/**
 * Where a COPY or ADD writes: where each context file it brings lands, when it can be read and sets no owner or
 * mode (the folders it creates are then the same whichever copy comes first), or when it lands them all right in
 * the WORKDIR, which exists, so it creates no folder; else its whole destination; null when even that is unknown.
 */
function copyWrites(doc: Document, ins: Instruction, context: BuildContext): string[] | null {
  const brought = readContextCopy(doc, ins);
  if (brought && !('unknown' in brought) && !brought.downloads) {
    const landed = copyLandings(context, brought, '', brought.dest);
    const flags = doc.copyArgs(ins)!.flags.map((f) => f.getName());
    const ownerOrModeOnly = flags.every((f) => f === 'chown' || f === 'chmod');
    const workdir = doc.workdirAt(ins);
    if (!flags.length || (ownerOrModeOnly && landed.length > 0 && landed.every((l) => path.posix.dirname(l) === workdir))) return landed;
  }
  const target = copyTarget(doc, ins);
  return target === null ? null : [target];
}

/**
 * A step before the install in its own RUN that a fetch could not repeat as it is: one that writes (named first),
 * else one dockmod cannot tell the effect of; undefined when every one only reads or sets state (`cd`, `. file`).
 */
function prefixStepThatWrites(found: FoundInstall): FoundInstall['prefix'][number] | undefined {
  const repeated = found.prefix.filter((p) => !p.scaffolds);
  return repeated.find((p) => p.effect !== UNKNOWN && writesSomething(p)) ?? repeated.find((p) => p.effect === UNKNOWN);
}

const writesSomething = (p: PrefixStep): boolean => p.effect.writes === 'any' || p.effect.writes.length > 0;

/**
 * The steps before a build in its RUN that write (`apk add git`): the fetch inserted just before the build's RUN runs
 * them, and the build's RUN no longer does, so they run once and still before the fetch and the build. Only the
 * source copy then comes after them instead of before, which installAt has proved they do not touch. They must set
 * nothing the build uses, and no step left before them may read what they write (it would then read it written).
 */
function prefixIntoFetch(found: FoundInstall): { moved: PrefixStep[] } | { blocker: string } {
  const moved = found.prefix.filter(writesSomething);
  for (const step of moved) {
    // No step here is of unknown effect: installAt refused those (they may read the sources).
    if (step.effect.cd !== undefined || step.effect.sets === 'any' || step.effect.sets.length > 0) {
      return { blocker: `\`${step.text}\` runs before the install in the same RUN and both writes and sets what the install runs with, so it can run neither twice nor in the fetch's RUN alone` };
    }
    const reader = found.prefix.slice(0, found.prefix.indexOf(step)).find((p) => !writesSomething(p) && overlaps(p.effect.reads, step.effect.writes));
    if (reader) return { blocker: `\`${reader.text}\` runs before \`${step.text}\` in the install's RUN and reads what it writes, so the fetch cannot take \`${step.text}\` out of that RUN` };
  }
  return { moved };
}

/** What an instruction may write in the image: a COPY where its files land, a RUN its steps' writes. */
function stepWrites(doc: Document, ins: Instruction, context: BuildContext): Paths {
  const kw = ins.getKeyword();
  if (kw === 'COPY' || kw === 'ADD') return copyWrites(doc, ins, context) ?? 'any';
  if (kw !== 'RUN') return [];
  const effect = runEffects(doc, ins);
  if (!effect || effect.steps.some((step) => step.effect.writes === 'any')) return 'any';
  return effect.steps.flatMap((step) => step.effect.writes as readonly string[]);
}

/** The copy's text for a new place: in full where the WORKDIR there differs and its destination is relative. */
function movedCopyText(doc: Document, ins: Instruction, copy: CopyArgs, dest: string, workdirThere: string | null): string | { skip: string } {
  const written = expand(copy.dest, doc.variablesAt(ins));
  if (workdirThere === doc.workdirAt(ins) || (written !== null && path.posix.isAbsolute(written))) return doc.text.slice(doc.offsetAt(ins.getRange().start), doc.offsetAt(ins.getRange().end));
  if (dest.startsWith(IMAGE_WORKDIR)) return { skip: "WORKDIR changes between the copy and the install, and the copy's destination is relative to the base image's WORKDIR" };
  return copyInstruction(ins, copy, copy.sources, `${dest}/`);
}

/** A RUN whose script the parser reads only with errors, in which the commands it could still make out include an install. */
function installsUnread(doc: Document, run: Instruction): boolean {
  const script = doc.runScript(run);
  return !!script?.hasError && script.commands().some((c) => matchInstall([c.name, ...argValues(c)]) !== null);
}

/** An install after `index` in the stage, quoted, if any (through a wrapper, or hidden in a word: `su -c "npm i"`). */
function laterInstall(doc: Document, list: Instruction[], index: number): Instruction | undefined {
  return list.slice(index + 1).find((next) => next.getKeyword() === 'RUN' && (findInstall(doc, next, IMAGE_WORKDIR) !== null || INSTALL_WORDS.test(doc.slice(next.getRange()))));
}
/** Words that say a RUN installs dependencies, even where dockmod cannot parse the command (inside `su -c "..."`). */
const INSTALL_WORDS = /\b(npm|pnpm|yarn|bun|pip\d*|pipenv|poetry|uv|gem|bundle|composer|go|mvnw?|gradlew?|dotnet|cargo|mix)\b[^&|;\n]*?\s(ci|install|i|add|sync|restore|fetch|build|download|package|deps\.get|dependency:[\w-]+)\b/;

/**
 * Why an install after a COPY of single files or globs re-runs when they change: a later RUN runs the copied files.
 */
function whyFilesCopyReruns(doc: Document, list: Instruction[], i: number, context: BuildContext | undefined): string | null {
  const ins = list[i]!;
  const brought = readContextCopy(doc, ins);
  if (!context || brought === null || 'unknown' in brought || !laterInstall(doc, list, i)) return null;
  const landed = copyLandings(context, brought, '', brought.dest);
  // A copied program that is the install itself (`./gradlew`, `./mvnw`) is one of its manifests: not this case.
  const runsCopied = (c: Command | undefined, cwd: string | null) => !!c && !matchInstall([c.name, ...argValues(c)]) && runsFile(c, landed, cwd);
  const runner = list.slice(i + 1).find((next) => next.getKeyword() === 'RUN' && runEffects(doc, next)?.steps.some((s) => runsCopied(s.command, doc.workdirAt(next))));
  if (!runner || !laterInstall(doc, list, list.indexOf(runner) - 1)) return null;
  return `${doc.quote(runner)} runs files this copy brings, so it and every step after it re-run when they change; what it installs cannot come before the copy`;
}

/** The command runs one of `files` (as its program, or as the script of a shell, `.` or `source`). */
function runsFile(cmd: Command, files: readonly string[], cwd: string | null): boolean {
  const named = POSIX_SHELLS.includes(basename(cmd.name)) || cmd.name === '.' || cmd.name === 'source' ? cmd.args.find((a) => !a.value?.startsWith('-'))?.value : cmd.name;
  if (!named || cwd === null) return false;
  return files.includes(path.posix.resolve(cwd, named));
}

/**
 * Why an install after `COPY --from=<stage>` re-runs on a source edit: the copy is keyed by what it brings, and it
 * brings files of that stage that hold sources, copied there from a folder of the build context or made from one.
 */
function whyStageCopyReruns(doc: Document, list: Instruction[], i: number, context: BuildContext | undefined): string | null {
  const ins = list[i]!;
  const stage = stageCopiedFrom(doc, ins);
  const copy = doc.copyArgs(ins);
  const later = laterInstall(doc, list, i);
  if (!stage || !copy || !later) return null;
  // After a fetch by the same tool the install re-runs warm: no miss to explain.
  const found = findInstall(doc, later, IMAGE_WORKDIR);
  if (found && installerFetchedEarlier(doc, list, list.indexOf(later), found.match)) return null;
  const how = changingIn(stageSources(doc, stage, context), stageCopySources(copy), context);
  if (how === null) return null;
  const name = stage.name ?? String(stage.index);
  return `the files come from stage ${name}, which ${how === 'copied' ? 'copies a folder of the build context into them' : 'makes them from sources of the build context'}, so an install after this copy re-runs with them; dockmod does not split an install across stages`;
}

/** The change for the source copy at `list[i]`, a skip with its reason, or null when no install follows it. */
/** A planned change; an inserted fetch also tells where it writes (for a copy out of its stage to be checked). */
/** A change, or a skip; `lighterFetch`: the install's tool has a fetch that reads fewer files, to try next. */
type Plan = (Omit<Change, 'line'> & { fetchWrites?: string[] }) | { skip: string; lighterFetch?: true };

/**
 * The rewrite for the install after the copy at `i`, or why there is none. When the install can neither move nor
 * be its own fetch and its tool has a fetch that reads fewer files (`pnpm fetch`), that fetch is inserted before
 * the copy instead, everything else left as it is; null when such a fetch is already there.
 */
function planSplit(doc: Document, list: Instruction[], i: number, copy: CopyArgs, folder: string, context: BuildContext | undefined, childStage?: Stage, wanted?: InstallFilter): Plan | null {
  const plan = planSplitWith(doc, list, i, copy, folder, context, childStage, wanted, false);
  if (!plan || !('skip' in plan) || !plan.lighterFetch) return plan;
  const lighter = planSplitWith(doc, list, i, copy, folder, context, childStage, wanted, true);
  return lighter === null || !('skip' in lighter) ? lighter : { skip: plan.skip };
}

function planSplitWith(doc: Document, list: Instruction[], i: number, copy: CopyArgs, folder: string, context: BuildContext | undefined, childStage: Stage | undefined, wanted: InstallFilter | undefined, lighter: boolean): Plan | null {
  const ins = list[i]!;
  const workdir = doc.workdirAt(ins);
  const destValue = expand(copy.dest, doc.variablesAt(ins));
  const dest = workdir === null || destValue === null ? null : path.posix.resolve(workdir, destValue);
  let found: FoundInstall | null = null;
  const between: Instruction[] = [];
  // The steps after the copy up to the install: in this stage, then (across stages) in the child built from it.
  const through = copyFiles(dest, folder, context);
  for (const next of [...list.slice(i + 1), ...(childStage?.instructions ?? [])]) {
    if (next.getKeyword() === 'RUN') {
      const installs = runInstall(doc, next, dest ?? IMAGE_WORKDIR, through, wanted);
      if (installs && 'skip' in installs) return installs;
      found = installs;
    }
    if (found) break;
    between.push(next);
  }
  // An install of named packages alone (`pip install flask`) reads no manifest: reorder-for-cache moves it.
  if (!found) return null;
  const what = `\`${found.written.json ? found.match.argv.join(' ') : found.written.words.join(' ')}\`${found.hidden ? ` (in ${found.hidden}, which ${doc.quote(found.run)} runs)` : ''}`;
  let quietly = false;
  const skip = (reason: string): Plan | null => (quietly ? null : { skip: `${what}: ${reason}`, ...(found!.match.installer.lighterFetch && !lighter && { lighterFetch: true as const }) });
  if (found.match.installer.unsupported) return skip(found.match.installer.unsupported);
  // A build after an earlier fetch by the same tool (often dockmod's own) may be split already: until its manifests
  // show whether that fetch was for this project, nothing is said of it.
  quietly = installerFetchedEarlier(doc, list, i, found.match);
  const needsSources = found.match.installer.needsSources?.(found.match.argv);
  if (needsSources) return skip(needsSources);
  if (found.refuse) return skip(found.refuse);
  if (!context) return skip('the build context is unknown, so the manifests cannot be listed');
  if (dest === null) return skip("the copy's destination depends on a variable that cannot be resolved");
  const brought = readContextCopy(doc, ins);
  if (brought === null || 'unknown' in brought) return skip(brought?.unknown ?? 'the copy cannot be read');
  if (brought.sources.some((s) => s.base !== undefined)) return skip("the copy uses --parents, which keeps each file's path below the context root under the destination; dockmod does not split such a copy");
  if (found.cwd === null) return skip("the install's working directory cannot be resolved");
  if (doc.endsInContinuation(found.run)) return skip(`${doc.quote(found.run)} ends in a line continuation, which would join the source copy put after it`);
  const { installer, argv } = found.match;
  const earlierFetches = fetchesEarlier(doc, list, i, installer.ecosystem);

  // Inside the copied folder, the install reads its manifests from the copy: those are copied first. Outside
  // it, an earlier COPY of its main manifest shows which context folder its working directory holds.
  const cwd = found.cwd;
  const inside = isWithin(cwd, dest);
  const fromFolder = (target: string) => path.posix.join(folder, path.posix.relative(dest, target));
  const earlier = inside ? null : manifestFolderFromOtherCopies(doc, list, i, found.run, cwd, [...PRIMARY_MANIFESTS[installer.ecosystem]]);
  const dir = inside ? fromFolder(cwd) : earlier;
  if (dir === null && !installer.readsNamedPaths) {
    // No WORKDIR of the stage: the base image's, which is not in the Dockerfile (and a wrapper may change it).
    if (cwd.startsWith(IMAGE_WORKDIR)) return skip(`the install runs in the base image's working directory, which the Dockerfile does not set, so it is not known to be the copied folder ${dest}`);
    const fromStage = list.slice(0, list.indexOf(found.run)).reverse().find((ins) => doc.flag(ins, 'from') !== undefined && copyTarget(doc, ins) === cwd);
    if (fromStage) return skip(`the install runs in ${cwd}, outside the copied folder ${dest}, where ${doc.quote(fromStage)} brings another stage's files, which dockmod does not trace back to the build context`);
    return skip(`the install runs in ${cwd}, outside the copied folder ${dest}, and no COPY before it shows where its manifests come from`);
  }
  const toContext = (named: string): string | null => {
    const target = path.posix.resolve(cwd, named);
    if (isWithin(target, dest)) return fromFolder(target);
    return dir !== null && isWithin(target, cwd) ? path.posix.join(dir, path.posix.relative(cwd, target)) : null;
  };
  const projectDir = dir === null || dir === '.' ? '' : dir;
  const fetchOnly = lighter ? installer.lighterFetch!(argv, projectDir, sentContext(context)) : null;
  if (fetchOnly && 'refuse' in fetchOnly) return skip(fetchOnly.refuse);
  const manifests = fetchOnly ? fetchOnly.manifests : installer.manifests(argv, projectDir, sentContext(context), toContext, found.environment);
  if ('refuse' in manifests) return skip(manifests.refuse);
  // What the install reads in the image besides the manifests (a wheel a path dependency names) must be there,
  // as it is, before the source copy: not brought by it, nor written by a step between.
  const imageReads = (manifests.imageReads ?? []).map((p) => path.posix.resolve(cwd, p));
  const readBrought = imageReads.find((p) => overlaps([p], [dest]));
  if (readBrought) return skip(`the install reads ${readBrought}, which this copy brings, so nothing can run before the copy in its place`);
  const writesRead = imageReads.length ? between.find((b) => overlaps(stepWrites(doc, b, context), imageReads)) : undefined;
  if (writesRead) return skip(`the install reads ${imageReads.join(', ')}, which ${doc.quote(writesRead)} may write between the copy and the install`);
  const ignore = contextIgnoreMatcher(context);
  const excluded = manifests.files.find((f) => ignore.ignores(f) && !manifests.optional.includes(f));
  if (excluded) return skip(`${excluded} is excluded by ${ignoreFileName(context)}`);
  // A manifest the source copy's --exclude keeps out is not what the install reads from it.
  const keptOut = (f: string) => isWithin(f, folder || '.') && landings(brought, f).length === 0;
  const excludedByCopy = manifests.files.find((f) => !ignore.ignores(f) && keptOut(f) && !manifests.optional.includes(f));
  if (excludedByCopy) return skip(`${excludedByCopy} is kept out by the --exclude of ${doc.quote(ins)}`);
  const files = manifests.files.filter((f) => !ignore.ignores(f) && !keptOut(f));
  // What the install must not meet before the sources: a refusal only when the source copy brings it.
  const leftIn = manifests.unlessLeftOut?.find((u) => isWithin(u.path, folder || '.') && !ignore.ignores(u.path) && !keptOut(u.path));
  if (leftIn) return skip(leftIn.refuse);
  // Where the install reads each manifest, to know which ones this copy brings.
  const readAt = (f: string): string | null =>
    installer.readsNamedPaths || inside ? (isWithin(f, folder || '.') ? path.posix.resolve(dest, path.posix.relative(folder || '.', f)) : null) : path.posix.resolve(cwd, path.posix.relative(dir!, f));
  const fromCopy = files.filter((f) => {
    const at = readAt(f);
    return at !== null && isWithin(at, dest);
  });
  const manifestsAt = fromCopy.map((f) => readAt(f)!);
  const otherManifestsAt = files.filter((f) => !fromCopy.includes(f)).flatMap((f) => readAt(f) ?? []);
  // Manifests an earlier COPY already put where the install reads them (`COPY package*.json ./`) need no copy.
  const toCopy = fromCopy.filter((f) => !alreadyCopied(doc, list, i, f, readAt(f)!));
  // An earlier fetch by the same tool warms this install when it ran in the same folder, or when every manifest
  // this one reads was copied before it; a fetch for another project (the app's restore before a build of its test
  // project) does not. One in a stage this one builds on is taken to.
  const earlierCovers = earlierFetches.some((fetch) => {
    const at = list.indexOf(fetch);
    return at < 0 || [null, undefined, cwd].includes(findInstall(doc, fetch, IMAGE_WORKDIR)?.cwd) || fromCopy.every((f) => alreadyCopied(doc, list, at, f, readAt(f)!));
  });
  if (quietly && earlierCovers) return null;
  quietly = false;
  const inCopy = (p: string) => isWithin(p, folder || '.');
  const copied = context.listFiles().filter((f) => inCopy(f) && !ignore.ignores(f) && !keptOut(f));
  if (fromCopy.length && copied.every((f) => fromCopy.includes(f))) {
    return skip(`the copy brings only files the install reads (${fromCopy.join(', ')}), so no source edit re-runs it`);
  }
  const projectWrites = (manifests.shadowed ?? []).flatMap((f) => f.paths.filter(inCopy)).map((p) => path.posix.resolve(dest, path.posix.relative(folder || '.', p)));

  const eol = doc.eolAt(ins.getRange().start.line);
  const copyStart = doc.offsetAt(ins.getRange().start);
  const copyEnd = doc.offsetAt(ins.getRange().end);
  const manifestCopy = toCopy.length ? manifestCopies(doc, ins, copy, folder, toCopy) : '';
  const run = found.run;
  const runFlags = doc.flags(run).map((f) => doc.slice(f.getRange())).join(' ');
  const runKeyword = `${run.getInstruction()} ${runFlags ? `${runFlags} ` : ''}`;
  const copyLine = { start: doc.lineStartOf(copyStart), end: doc.endOfLineAfter(ins) };
  const runDir = doc.workdirAt(run);
  const buildFetch = fetchOnly?.words ?? manifests.fetch ?? installer.prefetch?.(argv) ?? null;
  const stubs = (manifests.stubs ?? []).map((f) => readAt(f));
  /** The fetch's shell text run from `from`: into the install's folder, its own prefix, stubs around it. */
  const fetchScript = (words: readonly CommandWord[], from: string | null, carried: readonly string[], prefix: readonly string[]): string | null => {
    const command = renderCommand(words, found!.written);
    const guard = found!.guard;
    const core = !guard ? command : guard.inThen ? `if ${guard.condition}; then ${command}; fi` : `if ${guard.condition}; then :; else ${command}; fi`;
    if (found!.written.json) return carried.length || prefix.length || stubs.length || from !== runDir ? null : core;
    if (stubs.includes(null) || from === null || runDir === null) return null;
    const rel = (p: string) => path.posix.relative(cwd, p) || '.';
    const made = new Set<string>();
    // Folders there before the fetch: the working directory's, and those the manifest copy made.
    const there = (d: string) => (from !== null && isWithin(from, d)) || manifestsAt.some((m) => isWithin(m, d));
    for (const stub of stubs as string[]) {
      for (let d = path.posix.dirname(stub); !there(d) && d !== '/'; d = path.posix.dirname(d)) made.add(d);
    }
    const deepestFirst = [...made].sort((a, b) => b.length - a.length);
    const around = stubs.length
      ? [`${made.size ? `mkdir -p ${deepestFirst.map(rel).join(' ')} && ` : ''}touch ${(stubs as string[]).map(rel).join(' ')}`, core, `rm ${(stubs as string[]).map(rel).join(' ')}${made.size ? ` && rmdir ${deepestFirst.map(rel).join(' ')}` : ''}`]
      : [core];
    // Into the install's folder: relative below the fetch's own, else in full (never relative to an unknown base).
    const into = from === runDir ? null : isWithin(runDir, from) ? path.posix.relative(from, runDir) : runDir.startsWith(IMAGE_WORKDIR) ? undefined : runDir;
    if (into === undefined) return null;
    const cd = into === null ? [] : [`cd ${into}`];
    return [...carried, ...cd, ...prefix, ...around].join(' && ');
  };
  const messageFor = (how: string) => (toCopy.length ? `copy ${toCopy.join(', ')} and ${how} before copying the sources` : `${how} before copying ${folder || 'the sources'}`);
  const brings = copyLandings(context, brought, folder, dest);
  // A moved source copy lands on top of what the install wrote in the project, so the ignore file must leave that
  // out; where it cannot be edited, an inserted fetch (the install re-runs after the copy, over what it brought)
  // needs no edit. A fetch moved before the copy leaves the install after it: nothing to leave out either.
  // It is asked only of a move the steps between allow: it reads the ignore file and every Dockerfile sharing it.
  const stepsWrite: string[] = [];
  const stepBlocker = childStage ? 'the install runs in another stage' : (found.guard?.staysPut ?? found.staysPut ?? whyNotMove(doc, ins, folder, dest, between, brings, manifestsAt, context, stepsWrite));
  const shadowed = (manifests.shadowed ?? []).map((f) => ({ ...f, paths: f.paths.filter(inCopy) })).filter((f) => f.paths.length);
  // What steps between write below the destination is left out for a build's fetch too: the copy still moves past them.
  const leftOut = [...(buildFetch ? [] : shadowed), ...stepsWrite.map(shadowedAt)];
  const ignoreEdit = !stepBlocker && leftOut.length ? ignoreFileLeavingOut(context, leftOut, writtenAnewAfter(context), { doc, copy: ins }) : null;
  const moveBlocker = stepBlocker ?? (ignoreEdit && 'refuse' in ignoreEdit ? `${ignoreEdit.folders.join(', ')} must be left out of the source copy, but ${ignoreEdit.refuse}; not edited` : null);

  // A fetch before the source copy, everything else left where and as it is.
  // An install that needs placeholder files (cargo's targets) runs only as an inserted fetch, which removes them;
  // so does one in a child stage: nothing moves across stages, and the install there finds the download cache warm.
  // So does one the RUN reaches through a file of the copy: the RUN needs the copy before it.
  const mustInsert = lighter || stubs.length > 0 || childStage !== undefined || found.hidden !== undefined;
  // What the lighter fetch writes in the project (pnpm's virtual store) the source copy must not land on.
  const overwritten = lighter ? shadowed.flatMap((f) => f.paths).find((p) => !ignore.ignores(p)) : undefined;
  if (overwritten !== undefined) return skip(`a fetch before the copy would write ${overwritten}, which ${ignoreFileName(context)} does not leave out of the copy`);
  const fetchWords = buildFetch ?? (installer.repeatsQuickly || mustInsert ? [...argv.keys()] : null);
  // A fetch by the same tool before the copy already warms the install: nothing to insert (and no loop).
  if (earlierCovers && (moveBlocker || mustInsert)) return null;
  // A fetch that only downloads, into a cache the install's RUN mounts, would save nothing.
  const mounted = buildFetch && !fetchOnly && installer.downloadCache ? doc.cacheMountTargets(found.run).find((t) => installer.downloadCache!.test(t)) : undefined;
  if (mounted !== undefined) return skip(`the install's RUN mounts a cache at ${mounted}, where a fetch before the copy would download to as well: the install already finds its downloads there`);
  const unrepeatable = fetchWords?.find((w): w is number => typeof w === 'number' && found!.written.unrepeatable?.has(w) === true);
  if (unrepeatable !== undefined) return skip(`the fetch would repeat \`${found.written.words[unrepeatable]}\`, a make variable, which a RUN's shell would not expand as make does`);
  const insertion = fetchWords && (buildFetch || moveBlocker || mustInsert) ? whyNotInsert(doc, ins, between, found, renderCommand(fetchWords, found.written), manifestsAt, otherManifestsAt, projectWrites, context) : null;
  if (fetchWords && insertion && !('blocker' in insertion)) {
    const exists = (d: string) => d === workdir || manifestsAt.some((m) => isWithin(m, d));
    const script = runDir !== null && exists(runDir) && exists(cwd) ? fetchScript(fetchWords, workdir, insertion.carried, found.prefix.filter((p) => !p.scaffolds).map((p) => p.text)) : null;
    if (script !== null) {
      const fetchText = renderCommand(fetchWords, found.written);
      const edits = [{ start: copyLine.start, end: copyLine.start, text: `${manifestCopy ? `${manifestCopy}${eol}` : ''}${runKeyword}${script}${eol}` }];
      const reached = found.hidden ? ` for \`${found.written.words.join(' ')}\` in ${found.hidden}, which ${doc.quote(found.run)} runs,` : '';
      return { message: messageFor(`fetch dependencies with \`${fetchText}\`${reached}`), edits, ...(childStage ? { fetchWrites: [...manifestsAt, ...projectWrites] } : {}) };
    }
  }
  if (moveBlocker || mustInsert) {
    const insertBlocker = insertion && 'blocker' in insertion ? insertion.blocker : null;
    if (buildFetch || mustInsert) return skip(insertBlocker ?? moveBlocker ?? 'the fetch cannot be written before the copy');
    // Neither way is open: both blockers are said.
    return skip(insertBlocker && moveBlocker ? `${moveBlocker}; and a fetch before the copy cannot take the move's place: ${insertBlocker}` : (moveBlocker ?? 'the fetch cannot be written before the copy'));
  }

  // The source copy moves down to just after the install (or, for a build, to just before it, after a fetch).
  const copyText = movedCopyText(doc, ins, copy, dest, runDir);
  if (typeof copyText !== 'string') return skip(copyText.skip);
  const edits: Edit[] = [];
  if (buildFetch) {
    // The install's own steps before it run before the fetch too: those that only set state (`. venv/bin/activate`,
    // `cd`) in both RUNs, those that write (`apk add git`) in the fetch's alone.
    const moving = prefixIntoFetch(found);
    if ('blocker' in moving) return skip(moving.blocker);
    const prefetch = fetchScript(buildFetch, runDir, [], found.prefix.map((p) => p.text));
    if (prefetch === null) return skip('the fetch cannot be written in the form of the install');
    const runStart = doc.lineStartOf(doc.offsetAt(run.getRange().start));
    // Put below a WORKDIR change, the manifests keep their destination by naming it in full, as the copy does.
    const movedManifests = toCopy.length && runDir !== workdir && !path.posix.isAbsolute(copy.dest) ? manifestCopies(doc, ins, copy, folder, toCopy, dest) : manifestCopy;
    edits.push({ ...copyLine, text: '' });
    edits.push({ start: runStart, end: runStart, text: `${movedManifests ? `${movedManifests}${eol}` : ''}${runKeyword}${prefetch}${eol}${copyText}${eol}` });
    for (const step of moving.moved) edits.push({ ...step.withJoiner, text: '' });
    const movedSaid = moving.moved.length ? `, \`${moving.moved.map((p) => p.text).join(' && ')}\` moved from the install's RUN into the fetch's` : '';
    return { message: `${messageFor(`fetch dependencies with \`${renderCommand(buildFetch, found.written)}\``)}${movedSaid}`, edits, ...(ignoreEdit && 'write' in ignoreEdit ? { files: [ignoreEdit.write] } : {}) };
  }
  edits.push(manifestCopy ? { start: copyStart, end: copyEnd, text: manifestCopy } : { ...copyLine, text: '' });
  if (found.split) {
    const { script, lastKept, firstMoved, statePrefix, heredoc } = found.split;
    const gapStart = script.toDoc(lastKept.endIndex);
    const gapEnd = script.toDoc(firstMoved.startIndex);
    const comments = doc.text.slice(gapStart, gapEnd).split(/\r?\n/).filter((l) => /^\s*#/.test(l)).map((l) => `${l.trim()}${eol}`).join('');
    const [close, open] = heredoc ? [`${eol}${heredoc.delimiter}`, `${heredoc.opener}${eol}`] : ['', ''];
    edits.push({ start: gapStart, end: gapEnd, text: `${close}${eol}${copyText}${eol}${comments}${runKeyword}${open}${statePrefix}` });
  } else {
    const end = doc.endOfLineAfter(run);
    const endsWithNewline = end > 0 && doc.text[end - 1] === '\n';
    edits.push({ start: end, end, text: endsWithNewline ? `${copyText}${eol}` : `${eol}${copyText}` });
  }
  return { message: messageFor(`run ${what}`), edits, ...(ignoreEdit && 'write' in ignoreEdit ? { files: [ignoreEdit.write] } : {}) };
}
