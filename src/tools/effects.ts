// What a step of a Dockerfile reads and writes in the image, and what it changes for the steps after it: the
// effect model split-copy-install proves its rewrites with (DESIGN.md, "Effects"). Known commands declare their
// effects; anything not known reads and writes everything, may install programs and may set any variable.
import path from 'node:path';
import { variableGuard, wordValue as staticWordValue, type Command, type ShellNode, type ShellScript, type Word } from '../engine/shell.js';
import { expand, shortened, unquote, type Document, type Instruction } from '../engine/document.js';
import { codeSpan } from '../engine/escape.js';
import { shellHasErrexit, STATE_CHANGING } from '../engine/run-edits.js';
import { osPackageSubcommand, toolOf } from './vocabulary/index.js';
import { basename, OS_PACKAGE_EFFECTS, subcommandFor } from './vocabulary/tool.js';
import { matchInstall } from './installs.js';
import { userAt } from './packages.js';

/** An absolute path already in its normal form: no empty, `.` or `..` segment, no trailing `/`. */
const plainAbsolute = (p: string): boolean => p === '/' || (p.startsWith('/') && !/\/\/|\/\.\.?(?:\/|$)|\/$/.test(p));

/** `target` is `dir` or below it (both absolute, or both relative). */
export function isWithin(target: string, dir: string): boolean {
  // The effect model asks this of image paths by the thousand, most of them plain: compared as text.
  if (plainAbsolute(target) && plainAbsolute(dir)) return target === dir || dir === '/' || (target.startsWith(dir) && target[dir.length] === '/');
  const rel = path.posix.relative(dir, target);
  // `..name` is below `dir`; only `..` itself or a path through it leaves.
  return rel !== '..' && !rel.startsWith('../') && !path.posix.isAbsolute(rel);
}

/**
 * Variables package tools read from the environment (documented prefixes: GOPROXY, MAVEN_OPTS, NUGET_PACKAGES,
 * PIP_INDEX_URL, PIP_CONFIG_FILE, ...), and those every program's behaviour depends on: a step moved past where
 * one of them is set, or to before a copy of a file one of them names, may not run as it did.
 */
export const TOOL_ENVIRONMENT = /^(GO|CGO_|MAVEN|MVN|GRADLE|JAVA|JDK|NUGET|DOTNET|MSBUILD|COMPOSER|PHP|PIP_|PYTHON|POETRY|UV_|VIRTUAL_ENV|PIPENV|BUNDLE|GEM|RUBY|MIX_|HEX_|ERL|ELIXIR|CARGO|RUST|NPM_|YARN|PNPM|NODE|HTTPS?_PROXY|NO_PROXY|ALL_PROXY|SSL_|CURL_CA|REQUESTS_CA|PATH$|HOME$|LD_|TMPDIR$)/i;

/** Absolute image paths (folders stand for everything below them), or every path. */
export type Paths = readonly string[] | 'any';

export interface Effect {
  reads: Paths;
  writes: Paths;
  /** Variables set for what follows in the same RUN (`export`, `. file`), or 'any'. */
  sets: readonly string[] | 'any';
  /** May install programs that later steps run (OS packages, global installs, unknown commands). */
  installsPrograms: boolean;
  /** The working directory after the step, when it changes it (`cd`). */
  cd?: string;
  /** The step installs named packages with a language's tool, reading no project file (`pip install flask`). */
  installsNamedPackages?: boolean;
}

export const UNKNOWN: Effect = { reads: 'any', writes: 'any', sets: 'any', installsPrograms: true };
const NOTHING: Effect = { reads: [], writes: [], sets: [], installsPrograms: false };

/** Commands that read and write nothing a build cares about (their output goes to the log). */
const INERT_COMMANDS = new Set(['true', ':', 'echo', 'printf', 'pwd', 'printenv', 'whoami', 'id', 'uname', 'date', 'env']);
/** Commands that only print, with the one option they are given: the machine's architecture as the package tool names it. */
const QUERY_OPTIONS: ReadonlyMap<string, readonly string[]> = new Map([
  ['apk', ['--print-arch']],
  ['dpkg', ['--print-architecture', '--print-foreign-architectures']],
  ['arch', []],
  ['nproc', []],
]);
/**
 * A command that reads the files its operands name and writes nothing but what it prints, with the options its
 * manual documents (GNU coreutils, GNU grep, file, tree; busybox takes a subset of the same): any other option
 * leaves its effect unknown (`tree -o FILE` writes FILE, `file -C` compiles a magic file).
 */
interface Reader {
  /** Options that change only what it prints. */
  flags: readonly string[];
  /** Options whose value names no file (`head -n 5`, `grep -e PATTERN`). */
  valued?: readonly string[];
  /** Options whose value is a file it reads (`grep -f PATTERNS`). */
  readsValue?: readonly string[];
  /** Options (of the above) with which it reads the files its input lists (`sha256sum -c`, `wc --files0-from`): any path. */
  readsListed?: readonly string[];
  /** What it reads with no file operand: its working directory (`ls`) or its standard input (`cat`). */
  withoutOperands: 'workdir' | 'input';
  /** Options with which it reads the folders it names, its working directory with none (`grep -r`). */
  recursive?: readonly string[];
  /** Its first operand is a pattern, not a file, unless one of these options gives the patterns (grep). */
  patternUnless?: readonly string[];
  /** `-NUM` is a count (`head -1`, `grep -2`). */
  numberOption?: boolean;
}

const CHECKSUM: Reader = { flags: ['-b', '--binary', '-t', '--text', '-z', '--zero', '--tag', '-c', '--check', '--ignore-missing', '--quiet', '--status', '--strict', '-w', '--warn'], readsListed: ['-c', '--check'], withoutOperands: 'input' };
const HEAD_OR_TAIL: Reader = { flags: ['-q', '--quiet', '--silent', '-v', '--verbose', '-z', '--zero-terminated'], valued: ['-c', '--bytes', '-n', '--lines'], withoutOperands: 'input', numberOption: true };
const GREP: Reader = {
  flags: ['-E', '--extended-regexp', '-F', '--fixed-strings', '-G', '--basic-regexp', '-P', '--perl-regexp', '-i', '--ignore-case', '--no-ignore-case', '-y', '-v', '--invert-match', '-w', '--word-regexp', '-x', '--line-regexp', '-c', '--count', '--color', '--colour', '-L', '--files-without-match', '-l', '--files-with-matches', '-o', '--only-matching', '-q', '--quiet', '--silent', '-s', '--no-messages', '-b', '--byte-offset', '-H', '--with-filename', '-h', '--no-filename', '-n', '--line-number', '-T', '--initial-tab', '-Z', '--null', '-z', '--null-data', '-a', '--text', '-I', '-U', '--binary', '--line-buffered', '-r', '--recursive', '-R', '--dereference-recursive'],
  valued: ['-e', '--regexp', '-A', '--after-context', '-B', '--before-context', '-C', '--context', '-m', '--max-count', '--label', '--binary-files', '--include', '--exclude', '--exclude-dir'],
  readsValue: ['-f', '--file', '--exclude-from'],
  withoutOperands: 'input',
  recursive: ['-r', '--recursive', '-R', '--dereference-recursive'],
  patternUnless: ['-e', '--regexp', '-f', '--file'],
  numberOption: true,
};
const READERS: ReadonlyMap<string, Reader> = new Map([
  ['cat', { flags: ['-A', '--show-all', '-b', '--number-nonblank', '-e', '-E', '--show-ends', '-n', '--number', '-s', '--squeeze-blank', '-t', '-T', '--show-tabs', '-u', '-v', '--show-nonprinting'], withoutOperands: 'input' }],
  ['head', HEAD_OR_TAIL],
  ['tail', HEAD_OR_TAIL],
  ['wc', { flags: ['-c', '--bytes', '-m', '--chars', '-l', '--lines', '-L', '--max-line-length', '-w', '--words'], valued: ['--total', '--files0-from'], readsListed: ['--files0-from'], withoutOperands: 'input' }],
  ...['md5sum', 'sha1sum', 'sha224sum', 'sha256sum', 'sha384sum', 'sha512sum'].map((name) => [name, CHECKSUM] as const),
  ['b2sum', { ...CHECKSUM, valued: ['-l', '--length'] }],
  ...['grep', 'egrep', 'fgrep'].map((name) => [name, GREP] as const),
  ['ls', {
    flags: ['-a', '--all', '-A', '--almost-all', '--author', '-b', '--escape', '-B', '--ignore-backups', '-c', '-C', '--color', '--colour', '-d', '--directory', '-D', '--dired', '-f', '-F', '--classify', '--file-type', '--full-time', '-g', '--group-directories-first', '-G', '--no-group', '-h', '--human-readable', '--si', '-H', '--dereference-command-line', '--dereference-command-line-symlink-to-dir', '--hyperlink', '-i', '--inode', '-k', '--kibibytes', '-l', '-L', '--dereference', '-m', '-n', '--numeric-uid-gid', '-N', '--literal', '-o', '-p', '-q', '--hide-control-chars', '--show-control-chars', '-Q', '--quote-name', '-r', '--reverse', '-R', '--recursive', '-s', '--size', '-S', '-t', '-u', '-U', '-v', '-x', '-X', '-Z', '--context', '-1'],
    valued: ['-I', '--ignore', '--hide', '-T', '--tabsize', '-w', '--width', '--block-size', '--format', '--indicator-style', '--quoting-style', '--sort', '--time', '--time-style'],
    withoutOperands: 'workdir',
  }],
  ['stat', { flags: ['-L', '--dereference', '-f', '--file-system', '-t', '--terse'], valued: ['-c', '--format', '--printf'], withoutOperands: 'input' }],
  ['file', { flags: ['-b', '--brief', '-i', '--mime', '--mime-type', '--mime-encoding', '-L', '--dereference', '-h', '--no-dereference', '-z', '--uncompress', '-Z', '--uncompress-noreport', '-s', '--special-files', '-k', '--keep-going', '-r', '--raw', '-N', '--no-pad', '-0', '--print0', '-E', '--extension', '--apple'], valued: ['-F', '--separator', '-e', '--exclude', '-P', '--parameter', '-f', '--files-from'], readsValue: ['-m', '--magic-file'], readsListed: ['-f', '--files-from'], withoutOperands: 'input' }],
  ['du', {
    flags: ['-a', '--all', '--apparent-size', '-b', '--bytes', '-c', '--total', '-D', '--dereference-args', '-H', '-h', '--human-readable', '--inodes', '-k', '-L', '--dereference', '-l', '--count-links', '-m', '-P', '--no-dereference', '-S', '--separate-dirs', '--si', '-s', '--summarize', '-x', '--one-file-system', '-0', '--null', '--time'],
    valued: ['-B', '--block-size', '-d', '--max-depth', '-t', '--threshold', '--time-style', '--exclude', '--files0-from'],
    readsValue: ['-X', '--exclude-from'],
    readsListed: ['--files0-from'],
    withoutOperands: 'workdir',
  }],
  ['tree', { flags: ['-a', '-d', '-l', '-f', '-x', '-i', '-q', '-N', '-Q', '-p', '-u', '-g', '-s', '-h', '--si', '--du', '-D', '-F', '-v', '-t', '-c', '-U', '-r', '-n', '-C', '--dirsfirst', '--noreport'], valued: ['-L', '-P', '-I', '--charset', '--filelimit'], withoutOperands: 'workdir' }],
]);
/** Commands that change the paths they name (and their contents). */
const WRITING_COMMANDS = new Set(['chmod', 'chown', 'chgrp', 'mkdir', 'rm', 'rmdir', 'touch']);
/** Account management: writes the account files and home folders, reads nothing of an application. */
const ACCOUNT_COMMANDS = new Set(['useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'groupmod']);
/** System configuration commands: system paths only. */
const SYSTEM_COMMANDS = new Set(['dpkg-reconfigure', 'update-ca-certificates', 'ldconfig', 'locale-gen', 'update-alternatives']);

/**
 * The home folder a step runs with: $HOME when it is known (runVariables sets it for root), else any of root's and
 * the users' usual ones.
 */
function homeFolders(vars: ShellVariables): string[] {
  const home = vars.get('HOME');
  return typeof home === 'string' && path.posix.isAbsolute(home) && !home.includes('$') ? [path.posix.normalize(home)] : ['/root', '/home'];
}
/** Where global installs write: system folders, the home folder and the temporary one. */
const globalWrites = (vars: ShellVariables): string[] => [...OS_PACKAGE_EFFECTS.writes, ...homeFolders(vars), '/tmp'];
/**
 * Where the tools keep their caches and configuration by default: the home folder (`~/.npm`, `~/.cache/pip`,
 * `~/.local/share/pnpm/store`, `~/.npmrc`), the temporary folder, Yarn 1's cache in the official Node images
 * (`/usr/local/share/.cache/yarn`), and the global configuration files (`/usr/local/etc/npmrc`, `/etc`).
 */
const cacheAndConfigWrites = (vars: ShellVariables): string[] => [...homeFolders(vars), '/tmp', '/usr/local/share/.cache', '/usr/local/etc', '/etc'];

const absolute = (cwd: string | null, p: string): string | null => (path.posix.isAbsolute(p) ? path.posix.normalize(p) : cwd === null || p.startsWith('~') ? null : path.posix.resolve(cwd, p));

/** Variables the shell has when a step runs (the Dockerfile's ENV and ARG, less any the RUN set itself). */
export type ShellVariables = ReadonlyMap<string, string | null>;

/**
 * The variables a RUN's shell starts with: the Dockerfile's ENV and ARG, and HOME, which the runtime sets from the
 * user's account when no ENV does: /root for root. Another user's home is not known here.
 */
export function runVariables(doc: Document, run: Instruction): ShellVariables {
  const vars = doc.variablesAt(run);
  return vars.has('HOME') || userAt(doc, run) !== null ? vars : new Map([...vars, ['HOME', '/root']]);
}

/** Text whose only expansions are of variables (`$X`, `"${X}/bin"`), as a whole word or an assignment's value. */
const VARIABLES_ONLY = /^"?[^"'`\\*?[]*"?$/;

/**
 * The words a word becomes, with `$X` / `"${X}"` taken from the variables when the word is nothing else: quoted,
 * one word; unquoted, the value split at blanks as the shell splits it (`$DEPS` with DEPS="gcc make": two words).
 */
function wordValues(word: Word, vars: ShellVariables): string[] | null {
  if (word.value !== null) return [word.value];
  // An unquoted glob stands for itself: the commands here read it as the paths below its static part.
  if (/^[^"'`\\$]*[*?[][^"'`\\$]*$/.test(word.text)) return [word.text];
  if (!VARIABLES_ONLY.test(word.text) || word.text.includes('$(')) return null;
  const value = expand(unquote(word.text), vars as Map<string, string | null>);
  if (value === null || word.text.startsWith('"')) return value === null ? null : [value];
  return value.split(/[ \t\n]+/).filter((field) => field !== '');
}

/** The value an assignment gives a variable (`X="a b"`, `X=$Y`): no splitting there; null when not known (`$(...)`). */
function assignedValue(value: ShellNode | null, vars: ShellVariables): string | null {
  if (!value) return '';
  return staticWordValue(value) ?? (VARIABLES_ONLY.test(value.text) && !value.text.includes('$(') ? expand(unquote(value.text), vars as Map<string, string | null>) : null);
}

/** The named paths of `cmd` as absolute paths, or null when one cannot be known. */
function namedPaths(args: readonly string[], cwd: string | null, skipFirst = 0): string[] | null {
  return operandPaths(args.filter((a) => !a.startsWith('-')).slice(skipFirst), cwd);
}

/** Operands as absolute paths, or null when one cannot be known. */
function operandPaths(operands: readonly string[], cwd: string | null): string[] | null {
  const out: string[] = [];
  for (const w of operands) {
    // A glob names paths below its static part (`/var/lib/apt/lists/*`: within /var/lib/apt/lists; `go.*`: within
    // the working directory, where the shell matches it).
    const glob = w.search(/[*?[]/);
    const stem = glob < 0 ? w : w.slice(0, w.lastIndexOf('/', glob) + 1);
    if (w === '' || stem === '/') return null;
    const p = absolute(cwd, stem || '.');
    if (p === null) return null;
    out.push(p);
  }
  return out;
}

/** What a command of READERS reads, by its options and operands (`-` is its standard input). */
function readerEffect(reader: Reader, argv: readonly string[], cwd: string | null): Effect {
  const words = reader.numberOption ? argv.filter((a) => !/^-\d+$/.test(a)) : argv;
  const read = readOptions(words, new Set(reader.flags), new Set([...(reader.valued ?? []), ...(reader.readsValue ?? [])]));
  if (!read) return UNKNOWN;
  const given = (options: readonly string[] | undefined) => options?.some((o) => read.flags.has(o) || read.values.has(o)) ?? false;
  if (given(reader.readsListed)) return { ...NOTHING, reads: 'any' };
  const files = read.operands.slice(reader.patternUnless && !given(reader.patternUnless) ? 1 : 0).filter((o) => o !== '-');
  const valueFiles = (reader.readsValue ?? []).flatMap((o) => read.values.get(o) ?? []);
  const named = operandPaths([...files, ...valueFiles], cwd);
  const inWorkdir = !files.length && (reader.withoutOperands === 'workdir' || given(reader.recursive));
  if (named === null || (inWorkdir && cwd === null)) return UNKNOWN;
  return { ...NOTHING, reads: inWorkdir ? [...named, cwd!] : named };
}

/**
 * Reads `argv` as options and operands, as getopt does: `flags` take no value (a long one may be given an optional
 * one, `--color=auto`), `valued` take the next word (or `--x=v`, `-xv`); `--` ends the options and `-` is an
 * operand. Null when any other option is given (what it reads or writes is not known).
 */
function readOptions(argv: readonly string[], flags: ReadonlySet<string>, valued: ReadonlySet<string>): { flags: Set<string>; values: Map<string, string>; operands: string[] } | null {
  const given = new Set<string>();
  const values = new Map<string, string>();
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (eq > 0 && valued.has(a.slice(0, eq))) values.set(a.slice(0, eq), a.slice(eq + 1));
    else if (eq > 0 && flags.has(a.slice(0, eq))) given.add(a.slice(0, eq));
    else if (valued.has(a) && i + 1 < argv.length) values.set(a, argv[++i]!);
    else if (flags.has(a)) given.add(a);
    // Short flags run together (`-fsSL`), the last of them maybe taking a value (`-sSo file`).
    else if (/^-[a-zA-Z]{2,}$/.test(a) && [...a.slice(1, -1)].every((c) => flags.has(`-${c}`)) && (flags.has(`-${a.at(-1)}`) || valued.has(`-${a.at(-1)}`))) {
      for (const c of a.slice(1, -1)) given.add(`-${c}`);
      if (valued.has(`-${a.at(-1)}`)) {
        if (i + 1 >= argv.length) return null;
        values.set(`-${a.at(-1)}`, argv[++i]!);
      } else given.add(`-${a.at(-1)}`);
    } else if (a.length > 2 && valued.has(a.slice(0, 2)) && !a.startsWith('--')) values.set(a.slice(0, 2), a.slice(2));
    else if (a.startsWith('-') && a !== '-') return null;
    else operands.push(a);
  }
  return { flags: given, values, operands };
}

const isUrl = (w: string) => /^(https?|ftp):\/\//.test(w);

/**
 * Downloads and unpacking, as their manuals document the options read here: `curl -o F URL` and `wget -O F URL`
 * write F (to standard output without it, curl; wget into the working folder), and read nothing of the image;
 * `unzip Z -d D` and `tar -xf T -C D` read the archive and write D (the working folder without it); `cp`, `mv` and
 * `ln` read their sources and write their destination. Any other option (`curl -d @file`, `-T`, `--config`) leaves
 * the effect unknown (null).
 */
const TRANSFERS: Record<string, (argv: readonly string[], cwd: string | null) => Effect | null> = {
  curl(argv, cwd) {
    const read = readOptions(argv, new Set(['-L', '--location', '-f', '--fail', '-s', '--silent', '-S', '--show-error', '-k', '--insecure', '--create-dirs', '-#', '--progress-bar', '--compressed', '-v', '--verbose', '-g', '--globoff', '-4', '-6']), new Set(['-o', '--output', '--retry', '--retry-delay', '--retry-max-time', '--connect-timeout', '-m', '--max-time', '-H', '--header', '-A', '--user-agent', '--proto', '--proto-redir', '-w', '--write-out']));
    if (!read || !read.operands.length || !read.operands.every(isUrl)) return null;
    const output = read.values.get('-o') ?? read.values.get('--output');
    if (output === undefined) return NOTHING;
    const file = absolute(cwd, output);
    return file === null ? null : { ...NOTHING, writes: [file] };
  },
  wget(argv, cwd) {
    const read = readOptions(argv, new Set(['-q', '--quiet', '-nv', '--no-verbose', '--no-check-certificate', '-c', '--continue', '--progress=dot:giga', '--show-progress']), new Set(['-O', '--output-document', '-P', '--directory-prefix', '-t', '--tries', '-T', '--timeout', '--header', '-U', '--user-agent']));
    if (!read || !read.operands.length || !read.operands.every(isUrl)) return null;
    const output = read.values.get('-O') ?? read.values.get('--output-document');
    if (output === '-') return NOTHING;
    const target = output ?? read.values.get('-P') ?? read.values.get('--directory-prefix') ?? '.';
    const written = absolute(cwd, target);
    return written === null ? null : { ...NOTHING, writes: [written] };
  },
  unzip(argv, cwd) {
    const read = readOptions(argv, new Set(['-q', '-qq', '-o', '-n', '-j', '-u']), new Set(['-d']));
    if (!read || read.operands.length !== 1) return null;
    const archive = absolute(cwd, read.operands[0]!);
    const into = absolute(cwd, read.values.get('-d') ?? '.');
    return archive === null || into === null ? null : { ...NOTHING, reads: [archive], writes: [into] };
  },
  cp(argv, cwd) {
    return copyOrMove(argv, cwd, CP_FLAGS, false);
  },
  mv(argv, cwd) {
    return copyOrMove(argv, cwd, MV_FLAGS, true);
  },
  ln(argv, cwd) {
    // `ln -s T L` makes L and reads nothing; a hard link reads its target as a copy does.
    const read = readOptions(argv, LN_FLAGS, new Set(['-t', '--target-directory', '-S', '--suffix']));
    const symbolic = argv.some((a) => a === '--symbolic' || /^-[a-zA-Z]*s[a-zA-Z]*$/.test(a));
    const effect = read && copyOrMoveEffect(read, cwd, false);
    return effect && (symbolic ? { ...effect, reads: [] } : effect);
  },
  tar(argv, cwd) {
    // The old form's first word is a bundle of letters (`tar xzf t.tgz`): read as if it began with `-`.
    const words = argv[0] && /^[a-zA-Z]+$/.test(argv[0]) ? [`-${argv[0]}`, ...argv.slice(1)] : [...argv];
    const bundle = words.find((w) => /^-[a-zA-Z]+$/.test(w) && w.includes('x'));
    if (!bundle || !/^-[xzjJvpof]+$/.test(bundle) || !bundle.includes('f')) return null;
    const rest = words.filter((w) => w !== bundle);
    const read = readOptions(rest, new Set(['--no-same-owner', '--no-same-permissions', '--overwrite']), new Set(['-C', '--directory', '--strip-components']));
    // `f` takes the archive: the first operand.
    if (!read || read.operands.length !== 1) return null;
    const archive = absolute(cwd, read.operands[0]!);
    const into = absolute(cwd, read.values.get('-C') ?? read.values.get('--directory') ?? '.');
    return archive === null || into === null ? null : { ...NOTHING, reads: [archive], writes: [into] };
  },
};

/** GNU coreutils' cp, mv and ln options that change how, not which, paths are copied, moved or linked. */
const COMMON_FLAGS = ['-f', '--force', '-i', '--interactive', '-n', '--no-clobber', '-v', '--verbose', '-T', '--no-target-directory', '-b'];
const CP_FLAGS = new Set([...COMMON_FLAGS, '-a', '--archive', '-r', '-R', '--recursive', '-p', '-P', '--no-dereference', '-L', '--dereference', '-H', '-d', '-u', '--update', '-x', '--one-file-system', '--parents', '--remove-destination', '--strip-trailing-slashes']);
const MV_FLAGS = new Set([...COMMON_FLAGS, '-u', '--update', '--strip-trailing-slashes']);
const LN_FLAGS = new Set([...COMMON_FLAGS, '-s', '--symbolic', '-r', '--relative', '--no-dereference', '-L', '--logical', '-P', '--physical']);

/**
 * `cp SRC… DEST`, `mv SRC… DEST` and `-t DEST SRC…`: the sources are read (and, moved, written too, as they go),
 * the destination written; with any other option, or fewer than two paths, null.
 */
function copyOrMove(argv: readonly string[], cwd: string | null, flags: ReadonlySet<string>, moves: boolean): Effect | null {
  const read = readOptions(argv, flags, new Set(['-t', '--target-directory', '-S', '--suffix', '--preserve', '--no-preserve']));
  return read && copyOrMoveEffect(read, cwd, moves);
}

function copyOrMoveEffect(read: { values: Map<string, string>; operands: string[] }, cwd: string | null, moves: boolean): Effect | null {
  const into = read.values.get('-t') ?? read.values.get('--target-directory');
  const sources = into === undefined ? read.operands.slice(0, -1) : read.operands;
  const dest = into ?? (read.operands.length >= 2 ? read.operands.at(-1)! : undefined);
  if (dest === undefined || !sources.length) return null;
  const reads = namedPaths(sources, cwd);
  const written = absolute(cwd, dest);
  if (reads === null || written === null) return null;
  return { ...NOTHING, reads, writes: moves ? [...reads, written] : [written] };
}

/** The effect of one simple command run in `cwd` (absolute, or null when unknown). */
export function commandEffect(cmd: Command, cwd: string | null, vars: ShellVariables = new Map()): Effect {
  const name = basename(cmd.name);
  // bash's `printf -v X …` prints nothing: it sets X.
  if (name === 'printf' && cmd.args[0]?.value === '-v') return { ...NOTHING, sets: [cmd.args[1]?.value ?? ''] };
  if (INERT_COMMANDS.has(name) && cmd.assignments.size === 0) return NOTHING;
  // `set` changes the shell's options (`$-`, errexit among them) or its positional parameters for what follows.
  if (name === 'set' && cmd.assignments.size === 0) return { ...NOTHING, sets: ['-'] };
  const values = cmd.args.map((a) => wordValues(a, vars));
  if (values.includes(null)) return UNKNOWN;
  const argv = (values as string[][]).flat();
  const query = QUERY_OPTIONS.get(name);
  if (query && cmd.assignments.size === 0 && (argv.length === 0 ? query.length === 0 : argv.length === 1 && query.includes(argv[0]!))) return NOTHING;
  const globbed = argv.some((a) => /[*?[]/.test(a));
  if (name === 'cd') {
    const to = argv.length === 1 && !globbed ? absolute(cwd, argv[0]!) : null;
    return to === null ? UNKNOWN : { ...NOTHING, cd: to };
  }
  if (name === '.' || name === 'source') {
    const file = argv[0] && !globbed ? absolute(cwd, argv[0]) : null;
    return file === null ? UNKNOWN : { reads: [file], writes: [], sets: 'any', installsPrograms: false };
  }
  const reader = READERS.get(name);
  if (reader) return readerEffect(reader, argv, cwd);
  if (WRITING_COMMANDS.has(name)) {
    // chmod/chown name a mode or an owner first.
    const writes = namedPaths(argv, cwd, name === 'chmod' || name === 'chown' || name === 'chgrp' ? 1 : 0);
    return writes === null || !writes.length ? UNKNOWN : { ...NOTHING, writes };
  }
  const transfer = TRANSFERS[name]?.(argv, cwd);
  if (transfer !== undefined) return transfer ?? UNKNOWN;
  if (ACCOUNT_COMMANDS.has(name)) return { ...NOTHING, writes: ['/etc', '/home'] };
  if (SYSTEM_COMMANDS.has(name)) return { ...NOTHING, writes: ['/etc', '/usr', '/var'] };
  // `python -m venv D` / `virtualenv D`: a new environment in D, made from the system's Python.
  const venvAt = /^python\d*(\.\d+)*$/.test(name) && argv[0] === '-m' && (argv[1] === 'venv' || argv[1] === 'virtualenv') ? 2 : name === 'virtualenv' ? 0 : -1;
  if (venvAt >= 0) {
    const targets = argv.slice(venvAt).filter((a) => !a.startsWith('-'));
    const target = targets.length === 1 && !globbed ? absolute(cwd, targets[0]!) : null;
    return target === null ? UNKNOWN : { ...NOTHING, writes: [target] };
  }
  const osSubcommand = osPackageSubcommand(cmd);
  if (osSubcommand) {
    const refreshed = toolOf(cmd)!;
    if (refreshed.cache && refreshed.refreshes?.has(osSubcommand.name)) return { ...NOTHING, writes: refreshed.cache.targets };
    return { ...NOTHING, writes: OS_PACKAGE_EFFECTS.writes, installsPrograms: true };
  }
  const outsideProjects = toolOutsideProjects(cmd, name, argv);
  if (outsideProjects === 'caches') return { ...NOTHING, writes: cacheAndConfigWrites(vars) };
  if (outsideProjects === 'programs') {
    const tool = toolOf(cmd);
    const sub = tool?.kind === 'language' ? subcommandFor(tool, cmd) : null;
    return { ...NOTHING, writes: globalWrites(vars), installsPrograms: true, ...(sub && tool!.installs.has(sub.name) ? { installsNamedPackages: true } : {}) };
  }
  return UNKNOWN;
}

/**
 * A language tool's command that reads and writes no project: its caches and configuration (`npm cache clean`,
 * `yarn config set`, `pnpm store prune`, `pip cache purge`), or programs and packages installed for the whole
 * system (`npm i -g turbo`, `yarn global add`, `pnpm add -g`, `corepack enable`, `pip install flask`); null for any
 * other command.
 */
function toolOutsideProjects(cmd: Command, name: string, argv: readonly string[]): 'caches' | 'programs' | null {
  if (name === 'corepack') return 'programs';
  const sub = argv.find((a) => !a.startsWith('-'));
  const global = argv.includes('-g') || argv.includes('--global');
  switch (name) {
    case 'npm':
      return sub === 'config' || sub === 'cache' || sub === 'set' ? 'caches' : global && (sub === 'install' || sub === 'i') ? 'programs' : null;
    case 'yarn':
      return sub === 'config' || sub === 'cache' || sub === 'set' ? 'caches' : sub === 'global' ? 'programs' : null;
    case 'pnpm':
      return sub === 'config' || sub === 'store' ? 'caches' : sub === 'setup' || (global && (sub === 'add' || sub === 'install' || sub === 'i')) ? 'programs' : null;
  }
  // pip's own cache, and pip installing named packages from an index (no requirements file or local path).
  if (/^(pip\d*(\.\d+)*|python\d*(\.\d+)*)$/.test(name)) {
    if (argv.includes('cache')) return 'caches';
    return matchInstall([cmd.name, ...argv]) === null && argv.includes('install') ? 'programs' : null;
  }
  return null;
}

/** A top-level step of a RUN's `&&` chain: its node, its effect, the directory it runs in and its command. */
export interface ChainStep {
  step: ShellNode;
  effect: Effect;
  cwd: string | null;
  command?: Command;
  /** For a step of unknown effect that holds several commands (an `if`): the first of them dockmod cannot tell the effect of. */
  unknownCommand?: string;
}

/**
 * The effects of the top-level steps of a RUN script that is a plain `a && b` chain, each with the working
 * directory it runs in; null when the script is not such a chain (pipes, `||`, subshells: unknown).
 */
export function chainEffects(script: ShellScript, workdir: string | null, variables: ShellVariables = new Map(), shellErrexit = false): ChainStep[] | null {
  const steps = script.andChain() ?? script.errexitSteps(shellErrexit);
  if (!steps) return null;
  const commands = script.commands();
  const within = (step: ShellNode) => commands.filter((c) => step.startIndex <= c.start && c.end <= step.endIndex);
  const functions = script.functionNames();
  // A command run as a program of its own, whatever it does, leaves the shell's variables and folder as they were.
  const keepsShellState = (command: Command | undefined) => command !== undefined && command.nameWord.value !== null && !STATE_CHANGING.has(command.name) && !functions.has(command.name);
  let cwd = workdir;
  let vars = new Map(variables);
  return steps.map((step) => {
    let effect: Effect = UNKNOWN;
    let command: Command | undefined;
    // The variables the step assigns values known here (`DEPS="gcc make"`), for the steps after it.
    const assigned = new Map<string, string | null>();
    const assignments = (nodes: readonly (ShellNode | null)[]) => {
      for (const n of nodes) if (n?.type === 'variable_assignment') assigned.set(n.childForFieldName('name')?.text ?? '', assignedValue(n.childForFieldName('value'), vars));
    };
    if (step.type === 'declaration_command' && step.text.startsWith('export ')) {
      assignments(step.namedChildren);
      effect = { ...NOTHING, sets: [...assigned.keys()] };
    } else if (step.type === 'command' || step.type === 'redirected_statement') {
      const body = step.type === 'command' ? step : outputDiscarded(step);
      command = body ? commands.find((c) => c.node.startIndex === body.startIndex && c.node.endIndex === body.endIndex) : undefined;
      if (command) effect = commandEffect(command, cwd, vars);
    } else if (step.type === 'variable_assignment') {
      // `arch="$(apk --print-arch)"`: the variable, and what the commands in its value do.
      const inner = within(step).map((c) => commandEffect(c, cwd, vars));
      assignments([step]);
      effect = inner.includes(UNKNOWN) || inner.some((e) => e.cd !== undefined) ? UNKNOWN : { ...NOTHING, ...union(inner), sets: [...assigned.keys()] };
    } else if (step.type === 'if_statement') {
      // `if [ "$DEV" = 1 ]; then a; else b; fi`: the test reads variables alone; what the branches' commands do.
      effect = guardedEffect(step, within(step), cwd, vars);
    }
    const ran: ChainStep = { step, effect, cwd, command };
    if (effect === UNKNOWN && !command) {
      const unknown = within(step).find((c) => commandEffect(c, cwd, vars) === UNKNOWN);
      if (unknown) ran.unknownCommand = script.text.slice(unknown.start, unknown.end);
    }
    const shellKept = effect === UNKNOWN && keepsShellState(command);
    if (effect.cd !== undefined) cwd = effect.cd;
    else if (effect === UNKNOWN && !shellKept) cwd = null;
    // What the step sets is not known statically from here on, but for the values it assigns.
    if (shellKept) return ran;
    if (effect.sets === 'any') vars = new Map();
    else for (const name of effect.sets) vars.set(name, assigned.get(name) ?? null);
    return ran;
  });
}

/** Output redirections that write no file: to /dev/null, or onto another descriptor (`2>&1`, `>&2`). */
const OUTPUT_OPERATORS = new Set(['>', '>>', '&>', '&>>', '>&', '>|']);

/**
 * The command of `cmd > /dev/null 2>&1`: a redirected command whose redirections only discard or merge its output
 * (so it does what the command does); null for any other (a file written or read, a heredoc).
 */
export function outputDiscarded(step: ShellNode): ShellNode | null {
  const body = step.childForFieldName('body');
  if (body?.type !== 'command') return null;
  for (const redirect of step.namedChildren.filter((n) => n.startIndex !== body.startIndex)) {
    if (redirect.type !== 'file_redirect') return null;
    const operator = redirect.children.find((c) => !c.isNamed)?.type;
    const destination = redirect.childForFieldName('destination');
    if (!operator || !OUTPUT_OPERATORS.has(operator) || !destination) return null;
    if (destination.text !== '/dev/null' && !(operator === '>&' && destination.type === 'number')) return null;
  }
  return body;
}

/**
 * What an `if` over variables does, taken as either branch: the union of its branches' commands, when each branch is
 * plain commands (no redirect, assignment or folder change, which would be state the union cannot hold).
 */
function guardedEffect(step: ShellNode, commands: Command[], cwd: string | null, vars: ShellVariables): Effect {
  const guard = variableGuard(step);
  if (!guard?.plainBranches) return UNKNOWN;
  const inner = commands.map((c) => commandEffect(c, cwd, vars));
  if (inner.includes(UNKNOWN) || inner.some((e) => e.cd !== undefined || e.sets === 'any' || e.sets.length > 0)) return UNKNOWN;
  return { ...NOTHING, ...union(inner) };
}

/** What a group of commands reads and writes together, and whether any installs programs. */
function union(effects: readonly Effect[]): Pick<Effect, 'reads' | 'writes' | 'installsPrograms'> {
  const paths = (of: (e: Effect) => Paths): Paths => (effects.some((e) => of(e) === 'any') ? 'any' : effects.flatMap((e) => of(e) as readonly string[]));
  return { reads: paths((e) => e.reads), writes: paths((e) => e.writes), installsPrograms: effects.some((e) => e.installsPrograms) };
}

/** Some path of `a` is within some path of `b`, or the other way round. */
export function overlaps(a: Paths, b: Paths): boolean {
  if (a === 'any') return b === 'any' || b.length > 0;
  if (b === 'any') return a.length > 0;
  return a.some((x) => b.some((y) => isWithin(x, y) || isWithin(y, x)));
}

/** The effects of a RUN's steps (each simple command's when it is no `&&` chain). */
export function runEffects(doc: Document, run: Instruction): { steps: { effect: Effect; command?: Command; text: string; unknownCommand?: string; cwd: string | null }[] } | null {
  const script = doc.runScript(run);
  if (!script || script.hasError || doc.execForm(run)) return null;
  const chain = chainEffects(script, doc.workdirAt(run), runVariables(doc, run), shellHasErrexit(doc, run));
  if (chain) return { steps: chain.map((c) => ({ effect: c.effect, command: c.command, text: c.step.text, unknownCommand: c.unknownCommand, cwd: c.cwd })) };
  // Not a plain chain: each command on its own, when none changes directory and nothing is redirected.
  const commands = script.commands();
  if (/[<>|]/.test(script.text.replace(/&&|\|\|/g, '')) || commands.some((c) => c.name === 'cd')) return null;
  // A script that assigns variables itself may change those the commands use: none are taken from ENV then.
  const vars = /\b[A-Za-z_]\w*=/.test(script.text) ? new Map<string, string | null>() : runVariables(doc, run);
  return { steps: commands.map((c) => ({ effect: commandEffect(c, doc.workdirAt(run), vars), command: c, text: script.text.slice(c.start, c.end), cwd: doc.workdirAt(run) })) };
}

/**
 * A step of unknown effect as a reason names it: the command in it that dockmod cannot tell the effect of, in the
 * step when that holds more (`sed -i … f` in `if [ "$X" = 1 ]; then …`), else the step.
 */
export function unknownPart(step: { text: string; unknownCommand?: string }): string {
  return step.unknownCommand ? `${codeSpan(step.unknownCommand)} in ${codeSpan(shortened(step.text))}` : codeSpan(step.text);
}

/** Where a COPY/ADD lands, absolute (under IMAGE_WORKDIR when relative to the base image's), or null when unknown. */
export function copyTarget(doc: Document, ins: Instruction): string | null {
  const copy = doc.copyArgs(ins);
  const workdir = doc.workdirAt(ins);
  const dest = copy && expand(copy.dest, doc.variablesAt(ins));
  return copy && workdir !== null && dest ? path.posix.resolve(workdir, dest) : null;
}

/** The names an ENV or ARG sets. */
export function definedNames(ins: Instruction): string[] {
  const kw = ins.getKeyword();
  if (kw !== 'ENV' && kw !== 'ARG') return [];
  return (ins as unknown as { getProperties(): { getName(): string }[] }).getProperties().map((p) => p.getName());
}

/** Variable names an instruction's text mentions (`$X`, `${X...}`). */
export function mentionedNames(doc: Document, ins: Instruction): Set<string> {
  return namesIn(doc.slice(ins.getRange()));
}

/** The variables a text names (`$X`, `${X}`). */
export function namesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
}
