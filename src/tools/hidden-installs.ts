// Installs a RUN reaches through a file of the build context: a target of the Makefile that `make` runs, or a
// shell script the RUN runs. Read only where the file is plain enough to know what it runs: a recipe line whose
// make variable names the program (`$(GO) build`) or that calls a make function, an `include`, `.ONESHELL`, or a
// script that changes directory or sets variables before the install is not followed, and the install it may
// hold is said to be hidden there. A make variable elsewhere (`-ldflags=$(LD_FLAGS)`) is an unknown value, as a
// shell variable is.
import path from 'node:path';
import { POSIX_SHELLS, wordTexts, withShellText, type Command } from '../engine/shell.js';
import type { BuildContext } from '../engine/types.js';
import { argValues } from './commands.js';
import { matchInstall } from './installs.js';
import type { InstallMatch } from './ecosystems/installer.js';
import { basename } from './vocabulary/tool.js';

/** An install found in a file the command runs: where (for messages), its argv and its words as written there. */
export interface HiddenInstall {
  via: string;
  match: InstallMatch;
  words: string[];
  /** The words that hold a make variable (`-ldflags=$(LD_FLAGS)`): make expands them, a RUN's shell would not. */
  makeWords?: ReadonlySet<number>;
}

/** Which installs are looked for (those of tools not fetched yet, say); the others are passed over. */
export type InstallFilter = (match: InstallMatch) => boolean;

/** Why the file the command runs may hold an install that cannot be read (a make variable, an include). */
export interface HiddenUnread {
  unread: string;
}

/**
 * What the text of a RUN holds when it may reach an install this way, for triggers (mentions.ts): `make`, or a
 * script a shell runs (`sh x`) or named `*.sh` (scriptRun reads no other).
 */
export const HIDDEN_INSTALL_RUNNERS: ReadonlyMap<string, RegExp> = new Map([
  ['make', /\bg?make\b/],
  ['script', /\.sh\b|\b(ba|da|k|z)?sh\s/],
]);

/** Names GNU make looks for, in its order, when no `-f` is given. */
const MAKEFILES = ['GNUmakefile', 'makefile', 'Makefile'];
/** Commands whose effect outlasts them in a script: what runs after them sees another folder or environment. */
const STATEFUL = new Set(['cd', 'pushd', 'popd', 'export', 'source', '.', 'set', 'eval', 'exec', 'alias', 'unset', 'shopt']);
/** `set -e`, `set -eux -o pipefail`: shell options only, which change no folder or variable the install sees. */
const setsOptionsOnly = (cmd: Command): boolean => cmd.name === 'set' && cmd.args.every((a, i) => /^[-+][a-z]+$/.test(a.value ?? '') || (/^[-+]o$/.test(cmd.args[i - 1]?.value ?? '') && /^\w+$/.test(a.value ?? '')));

/** What hints at an install in a line dockmod cannot read (as split-copy-install's message words). */
const INSTALL_HINT = /\b(npm|pnpm|yarn|bun|pip\d*|pipenv|poetry|uv|bundle|composer|go|mvnw?|gradlew?|dotnet|cargo|mix)\b/i;

/**
 * The install `cmd` runs through a file of the context, if any. `toContext` maps an image path to the context
 * path the copy brought it from (null: not from this copy); `cwd` is where the command runs.
 */
export function hiddenInstall(cmd: Command, cwd: string, toContext: (imagePath: string) => string | null, context: BuildContext, wanted: InstallFilter = () => true): HiddenInstall | HiddenUnread | null {
  const name = basename(cmd.name);
  if (name === 'make' || name === 'gmake') return makeInstall(cmd, cwd, toContext, context, wanted);
  const script = scriptRun(cmd);
  if (script === null) return null;
  const file = toContext(path.posix.resolve(cwd, script));
  if (file === null) return null;
  const text = context.readFile(file);
  return text === undefined ? null : scriptInstall(text, file, wanted);
}

/** The script file a command runs: the first operand of `sh x` / `bash x`, or a program by path named `*.sh` (`./install.sh`). */
function scriptRun(cmd: Command): string | null {
  if (POSIX_SHELLS.includes(basename(cmd.name))) {
    const first = cmd.args.find((a) => !a.value?.startsWith('-'));
    return cmd.args.some((a) => a.value === '-c') ? null : (first?.value ?? null);
  }
  const named = cmd.nameWord.value;
  return named !== null && named.includes('/') && named.endsWith('.sh') ? named : null;
}

/** The first install of a shell script, when nothing before it changes directory, sets variables or defines functions. */
function scriptInstall(text: string, file: string, wanted: InstallFilter): HiddenInstall | HiddenUnread | null {
  return withShellText(text, (script) => {
    if (script.hasError) return INSTALL_HINT.test(text) ? { unread: `${file} is a script dockmod's shell parser cannot read` } : null;
    const commands = script.commands();
    for (const [k, cmd] of commands.entries()) {
      const match = matchInstall([cmd.name, ...argValues(cmd)]);
      if (match && wanted(match)) {
        const before = text.slice(0, cmd.start);
        const statefulBefore = commands.slice(0, k).some((c) => (STATEFUL.has(c.name) && !setsOptionsOnly(c)) || c.assignments.size > 0);
        if (statefulBefore || /^\s*[A-Za-z_]\w*=|\(\)\s*\{/m.test(before)) return { unread: `${file} changes directory or sets variables before \`${cmd.name}\` runs` };
        if (match.argv.some((a) => a === null)) return { unread: `\`${cmd.name}\` in ${file} has words that depend on variables` };
        return { via: file, match, words: wordTexts(cmd) };
      }
    }
    return null;
  });
}

/** A Makefile's rules: each target's prerequisites and recipe lines, in file order; null when not plain. */
function makeRules(text: string): Map<string, { prerequisites: string[]; recipe: string[] }> | null {
  const rules = new Map<string, { prerequisites: string[]; recipe: string[] }>();
  let current: { prerequisites: string[]; recipe: string[] }[] = [];
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    if (raw.startsWith('\t')) {
      for (const rule of current) rule.recipe.push(raw.slice(1));
      continue;
    }
    const line = raw.replace(/#.*/, '');
    if (!line.trim()) continue;
    if (/^\s*(-?include|sinclude|\.ONESHELL|\.RECIPEPREFIX|define|ifeq|ifneq|ifdef|ifndef)\b/.test(line)) return null;
    const rule = /^([^:=#\t][^:=#]*?)\s*::?\s*([^=]*)$/.exec(line);
    if (!rule) {
      current = [];
      continue;
    }
    const prerequisites = rule[2]!.split(/\s+/).filter(Boolean);
    current = rule[1]!.split(/\s+/).filter(Boolean).map((target) => {
      const entry = rules.get(target) ?? { prerequisites: [], recipe: [] };
      entry.prerequisites.push(...prerequisites);
      rules.set(target, entry);
      return entry;
    });
  }
  return rules;
}

/** The first install the named targets' recipes run (prerequisites first, as make runs them). */
function makeInstall(cmd: Command, cwd: string, toContext: (imagePath: string) => string | null, context: BuildContext, wanted: InstallFilter): HiddenInstall | HiddenUnread | null {
  const args = argValues(cmd);
  if (args.some((a) => a === null || (a.startsWith('-') && a !== '-s' && a !== '--silent' && a !== '-B'))) return null;
  const makefile = MAKEFILES.map((n) => toContext(path.posix.join(cwd, n))).find((f): f is string => f !== null && context.exists(f));
  if (makefile === undefined) {
    // make fails with no makefile; where the copy would have brought one, the build reads another context's.
    const dir = toContext(cwd);
    return dir === null ? null : { unread: `make runs in ${cwd}, where this build context has no Makefile: it comes from a step before or from another build context (--context names it)` };
  }
  const text = context.readFile(makefile);
  if (text === undefined) return null;
  const rules = makeRules(text);
  if (!rules) return INSTALL_HINT.test(text) ? { unread: `${makefile} uses include, conditionals or .ONESHELL, which dockmod does not follow` } : null;
  const named = (args as string[]).filter((a) => !a.startsWith('-') && !a.includes('='));
  const goals = named.length ? named : [...rules.keys()].filter((t) => !t.startsWith('.')).slice(0, 1);
  const seen = new Set<string>();
  const visit = (target: string): HiddenInstall | HiddenUnread | null => {
    if (seen.has(target)) return null;
    seen.add(target);
    const rule = rules.get(target);
    if (!rule) return null;
    for (const prerequisite of rule.prerequisites) {
      const found = visit(prerequisite);
      if (found) return found;
    }
    for (const line of rule.recipe) {
      const recipe = line.replace(/^[\s@+-]+/, '');
      const shell = asShellText(recipe);
      const found = shell && recipeInstall(shell, `${makefile}'s \`${target}\` target`, wanted);
      if (found === 'passed over') continue;
      if (found) return found;
      // A reference that is no plain variable (`$(shell …)`, `$@`), or one in the install's name (`$(GO) build`).
      if (recipe.includes('$') && INSTALL_HINT.test(recipe)) return { unread: `${makefile}'s \`${target}\` target runs \`${recipe.trim()}\`, whose make variables dockmod does not expand` };
    }
    return null;
  };
  for (const goal of goals) {
    const found = visit(goal);
    if (found) return found;
  }
  return null;
}

/** A recipe line as its shell gets it, each plain make variable standing as an unknown shell variable. */
interface RecipeShellText {
  text: string;
  /** Each stand-in's name, with the reference it stands for (`$(LD_FLAGS)`). */
  references: Map<string, string>;
}

/**
 * A recipe line with make's own expansion done as far as it can be without the variables' values: `$$` is a `$`
 * for the shell, and each `$(NAME)` or `${NAME}` becomes a shell variable of no known value, as an unset one
 * would be; null when a reference is anything else (a function such as `$(shell …)`, an automatic `$@`).
 */
function asShellText(recipe: string): RecipeShellText | null {
  const references = new Map<string, string>();
  let plain = true;
  const text = recipe.replace(/\$(\$|\(([A-Za-z_]\w*)\)|\{([A-Za-z_]\w*)\}|.?)/g, (reference, next: string, paren?: string, brace?: string) => {
    if (next === '$') return '$';
    const name = paren ?? brace;
    if (name === undefined) plain = false;
    const standIn = `__dockmod_make_${references.size}__`;
    references.set(standIn, reference);
    return `\${${standIn}}`;
  });
  return plain ? { text, references } : null;
}

/** The install of one recipe line (its own shell), when it is the line's first command; `passed over`: the line's installs are all of tools not wanted. */
function recipeInstall(line: RecipeShellText, via: string, wanted: InstallFilter): HiddenInstall | HiddenUnread | 'passed over' | null {
  return withShellText(line.text, (script) => {
    if (script.hasError) return null;
    const commands = script.commands();
    const all = commands.map((c) => matchInstall([c.name, ...argValues(c)]));
    const matches = all.map((match) => (match && wanted(match) ? match : null));
    const at = matches.findIndex((m) => m !== null);
    if (at < 0) return all.some((m) => m !== null) ? 'passed over' : null;
    const cmd = commands[at]!;
    if (at > 0) return { unread: `${via} runs \`${cmd.name}\` after other commands on its line` };
    // Quoted against the shell (`'$(V)'`), a stand-in would pass for a known value; make expands it all the same.
    if (matches[at]!.argv.some((a) => a?.includes('__dockmod_make_'))) return { unread: `${via} runs \`${cmd.name}\` with a make variable in quotes, which dockmod does not expand` };
    // The words as the Makefile writes them, for messages; those with a make variable are marked.
    const makeWords = new Set<number>();
    const words = wordTexts(cmd).map((word, k) =>
      word.replace(/\$\{(__dockmod_make_\d+__)\}/g, (_, standIn: string) => {
        makeWords.add(k);
        return line.references.get(standIn)!;
      }),
    );
    return { via, match: matches[at]!, words, ...(makeWords.size && { makeWords }) };
  });
}
