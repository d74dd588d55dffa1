// Maven and Gradle: builds that resolve dependencies as they go; a resolution step can run on the build files.
import path from 'node:path';
import type { BuildContext } from '../../engine/types.js';
import { optionFiles, positionals, replacePositionals, unreadable, type Argv, type CommandWord, type Installer, type Manifests, type Refusal, type ToContext } from './installer.js';
import { basename } from '../vocabulary/tool.js';
import { gradle } from '../vocabulary/gradle.js';
import { maven } from '../vocabulary/maven.js';
import { gradleBuild } from './gradle-build.js';

const unique = (files: string[]) => [...new Set(files)];

/** Options whose value is the next word. */
const MAVEN_VALUE_OPTIONS = maven.valueOptions;
const GRADLE_VALUE_OPTIONS = gradle.valueOptions;
const MAVEN_FILE_OPTIONS = new Set(['-s', '--settings', '-gs', '--global-settings', '-t', '--toolchains', '-gt', '--global-toolchains']);
const GRADLE_FILE_OPTIONS = new Set(['-I', '--init-script', '-c', '--settings-file']);
/** `-x test` names a task of the build, which the dependency report does not run. */
const GRADLE_TASK_OPTIONS = new Set(['-x', '--exclude-task']);

/** Goals or tasks given through variables: whether they need the sources cannot be known. */
function dynamicGoals(argv: Argv, valueOptions: ReadonlySet<string>, tool: string): Refusal | null {
  return positionals(argv.slice(1), valueOptions).includes(null) ? { refuse: `the ${tool} goals or tasks depend on variables` } : null;
}

const MAVEN_PHASES = /^(package|install|verify|compile|test|deploy|dependency:go-offline|dependency:resolve|dependency:resolve-plugins)$/;

const join = (...parts: string[]) => {
  const joined = path.posix.normalize(path.posix.join(...parts));
  return joined === '.' ? '' : joined;
};
const folderOf = (file: string) => join(path.posix.dirname(file));
const filesUnder = (context: BuildContext, folder: string) => context.listFiles().filter((f) => f.startsWith(folder ? `${folder}/` : ''));

/** The value of the first of `names` in argv (`-g x`, `--gradle-user-home=x`); undefined when absent, null when dynamic. */
function optionValue(argv: Argv, names: readonly string[]): string | null | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a && names.includes(a)) return argv[i + 1] ?? null;
    const long = a && names.find((n) => n.startsWith('--') && a.startsWith(`${n}=`));
    if (long) return a.slice(long.length + 1);
  }
  return undefined;
}

/** A wrapper script the command runs by its path (`./gradlew`), with the `gradle/wrapper` or `.mvn/wrapper` folder beside it. */
function wrapperFiles(argv: Argv, context: BuildContext, toContext: ToContext, folder: string): string[] {
  const command = argv[0];
  const script = command?.includes('/') ? toContext(command) : null;
  if (script === null || !context.exists(script)) return [];
  return [script, ...filesUnder(context, join(folderOf(script), folder))];
}

/** The strings of an XML element's children named `name`, comments left out. */
const elementValues = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`, 'g'))].map((m) => m[1]!);

/**
 * The files a Maven build reads before it compiles anything: the pom in its folder, every module and subproject
 * it lists (profiles' too) recursively, each pom's parent at its <relativePath> (default ../pom.xml) when that is
 * in the context, the .mvn/ folder of the project base (the nearest folder up with .mvn/, as mvn looks for it:
 * extensions.xml, maven.config, jvm.config, the wrapper), files that options or maven.config name, and the
 * wrapper script that runs.
 */
function mavenManifests(argv: Argv, dir: string, context: BuildContext, toContext: ToContext): Manifests | Refusal {
  const dynamic = dynamicGoals(argv, MAVEN_VALUE_OPTIONS, 'Maven');
  if (dynamic) return dynamic;
  const named = optionFiles(argv, MAVEN_FILE_OPTIONS, context, toContext);
  if ('refuse' in named) return named;
  const poms = new Set<string>();
  const visited = new Set<string>();
  const pending: { pom: string; by: string; modules: boolean }[] = [{ pom: join(dir, 'pom.xml'), by: 'the command', modules: true }];
  while (pending.length) {
    const { pom, by, modules } = pending.shift()!;
    if (visited.has(`${modules}:${pom}`)) continue;
    visited.add(`${modules}:${pom}`);
    const text = context.readFile(pom)?.replace(/<!--[\s\S]*?-->/g, '');
    if (text === undefined) return by === 'the command' ? unreadable(context, pom) : { refuse: `${pom}, listed by ${by}, is ${context.refusal?.(pom) ?? 'not in the build context'}` };
    poms.add(pom);
    const folder = folderOf(pom);
    const pomAt = (named: string) => (/\.xml$/.test(named) ? join(folder, named) : join(folder, named, 'pom.xml'));
    if (modules) {
      for (const module of [...elementValues(text, 'module'), ...elementValues(text, 'subproject')]) {
        if (module.includes('${')) return { refuse: `${pom} lists the module ${module}, whose path depends on a property` };
        pending.push({ pom: pomAt(module), by: pom, modules: true });
      }
    }
    // Maven reads the parent at its relativePath when it is there (and checks it is the one named); `<relativePath/>` turns that off.
    const parent = /<parent>([\s\S]*?)<\/parent>/.exec(text)?.[1];
    const relative = parent === undefined ? undefined : /<relativePath\s*\/>/.test(parent) ? '' : (elementValues(parent, 'relativePath')[0] ?? '../pom.xml');
    const parentPom = relative ? pomAt(relative) : null;
    if (parentPom && !parentPom.startsWith('../') && parentPom !== '..' && context.exists(parentPom)) pending.push({ pom: parentPom, by: pom, modules: false });
  }
  const reactorPlugin = pluginBuiltInReactor(context, [...poms]);
  if (reactorPlugin) return { refuse: reactorPlugin };
  let base = dir;
  for (let folder = dir; ; folder = folderOf(folder)) {
    if (context.exists(join(folder, '.mvn'))) base = folder;
    if (context.exists(join(folder, '.mvn')) || folder === '') break;
  }
  const mvn = filesUnder(context, join(base, '.mvn'));
  // maven.config holds command-line options, one or more a line, read as if given to mvn.
  const config = context.readFile(join(base, '.mvn', 'maven.config'));
  const configured = config === undefined ? [] : optionFiles(['mvn', ...config.split(/\s+/).filter(Boolean)], MAVEN_FILE_OPTIONS, context, toContext);
  if ('refuse' in configured) return { refuse: `${join(base, '.mvn', 'maven.config')}: ${configured.refuse}` };
  const wrapper = wrapperFiles(argv, context, toContext, '.mvn/wrapper');
  return { files: unique([...poms, ...mvn, ...wrapper, ...named, ...configured]), optional: [] };
}

/**
 * Why `dependency:go-offline` cannot run on the reactor's poms alone: a module uses a plugin or build extension
 * that another module of the same reactor builds (a `maven-plugin` module). go-offline resolves plugins from the
 * repositories, where that one is not before the build (MDEP-516's reactor case), so the fetch would fail.
 */
function pluginBuiltInReactor(context: BuildContext, poms: readonly string[]): string | null {
  const texts = poms.map((pom) => ({ pom, text: context.readFile(pom)?.replace(/<!--[\s\S]*?-->/g, '') ?? '' }));
  // A module's own artifactId: the first one outside its parent, dependencies, build and profiles.
  const ownArtifact = (text: string) => elementValues(text.replace(/<(parent|dependencies|dependencyManagement|build|profiles|reporting)>[\s\S]*?<\/\1>/g, ''), 'artifactId')[0];
  const built = new Map(texts.map(({ pom, text }) => [ownArtifact(text), pom] as const).filter(([artifact]) => artifact !== undefined));
  for (const { pom, text } of texts) {
    for (const [, block] of text.matchAll(/<(?:plugin|extension)>([\s\S]*?)<\/(?:plugin|extension)>/g)) {
      const artifact = elementValues(block!, 'artifactId')[0];
      const module = artifact === undefined ? undefined : built.get(artifact);
      if (module !== undefined && module !== pom) return `${pom} uses the plugin ${artifact}, which the reactor builds from its sources (${module}): a dependency:go-offline before them would look for it in the repositories`;
    }
  }
  return null;
}

/**
 * Gradle's build definition (gradle-build.ts), the wrapper that runs it, files options name, and the user home's
 * gradle.properties and init scripts when `-g` puts that home in the context. With no settings file and no build
 * script there is nothing to resolve: the fetch is the wrapper's download of the distribution it names.
 */
function gradleManifests(argv: Argv, dir: string, context: BuildContext, toContext: ToContext): Manifests | Refusal {
  const dynamic = dynamicGoals(argv, GRADLE_VALUE_OPTIONS, 'Gradle');
  if (dynamic) return dynamic;
  const named = optionFiles(argv, GRADLE_FILE_OPTIONS, context, toContext);
  if ('refuse' in named) return named;
  if (argv.includes('--include-build')) return { refuse: '--include-build adds another build, whose sources the build needs' };
  const settingsOption = optionValue(argv, ['-c', '--settings-file']);
  const build = gradleBuild(context, dir, settingsOption ? toContext(settingsOption) ?? undefined : undefined);
  if ('refuse' in build) return build;
  const wrapper = wrapperFiles(argv, context, toContext, 'gradle/wrapper');
  const home = optionValue(argv, ['-g', '--gradle-user-home']);
  if (home === null) return { refuse: 'the Gradle user home -g names depends on a variable' };
  const homeFolder = home === undefined ? null : toContext(home);
  const homeFiles = homeFolder === null ? [] : [join(homeFolder, 'gradle.properties'), ...filesUnder(context, join(homeFolder, 'init.d'))].filter((f) => context.exists(f));
  // In the order copies have always listed them: the build's scripts and properties, the wrapper, Gradle's own folder.
  const ownFolder = (f: string) => f.startsWith(`${join(build.root, 'gradle')}/`);
  const files = unique([...build.files.filter((f) => !ownFolder(f)), ...wrapper, ...build.files, ...named, ...homeFiles]);
  // The dependency report is a help task of one project: from the root, each project's is asked for by its path.
  // A command that is the report itself (an earlier fetch) is its own fetch, as prefetch says.
  const subprojects = dir === build.root && !argv.includes('dependencies') ? build.projects.filter((p) => p !== ':') : [];
  if (build.defined) return { files, optional: [], ...(subprojects.length && subprojects.every((p) => /^[\w.:-]+$/.test(p)) ? { fetch: gradleFetch(argv, subprojects.map((p) => `${p}:dependencies`)) } : {}) };
  if (!wrapper.length) return { refuse: `${dir || 'the build context root'} has no settings file and no build script, so Gradle has nothing to resolve there, and no wrapper to download` };
  return { files, optional: [], fetch: replacePositionals(argv, GRADLE_VALUE_OPTIONS, ['--version'], GRADLE_TASK_OPTIONS) };
}

/** The build's command with the dependency report (and the subprojects' reports) for its tasks, without a daemon. */
function gradleFetch(argv: Argv, subprojectReports: readonly string[]): CommandWord[] {
  const daemon = argv.includes('--no-daemon') || argv.includes('--daemon') ? [] : ['--no-daemon'];
  return replacePositionals(argv, GRADLE_VALUE_OPTIONS, ['dependencies', ...subprojectReports, ...daemon], GRADLE_TASK_OPTIONS);
}

const isMaven = (argv: Argv) => /^(mvn|mvnw)$/.test(basename(argv[0]));
const isGradle = (argv: Argv) => /^(gradle|gradlew)$/.test(basename(argv[0]));

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const jvmPrimaryManifests: readonly string[] = ['pom.xml', 'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'];

export const jvmInstallers: readonly Installer[] = [
  {
    tool: 'maven',
    ecosystem: 'jvm',
    // A build phase among its goals, or goals through variables (`mvn $MVN_ARGS`), which manifests() then refuses.
    matches: (argv) => isMaven(argv) && (argv.some((a) => a !== null && MAVEN_PHASES.test(a)) || positionals(argv.slice(1), MAVEN_VALUE_OPTIONS).includes(null)) && !argv.some((a) => a === '-f' || a?.startsWith('--file')),
    manifests: mavenManifests,
    downloadCache: /(^|\/)\.m2(\/repository)?\/?$/,
    // The same options (settings, profiles, offline mode, -D properties), with go-offline for the goals.
    prefetch(argv) {
      if (argv.some((a) => a?.startsWith('dependency:'))) return null;
      const batch = argv.includes('-B') || argv.includes('--batch-mode') ? [] : ['-B'];
      return replacePositionals(argv, MAVEN_VALUE_OPTIONS, [...batch, 'dependency:go-offline']);
    },
  },
  {
    tool: 'gradle',
    ecosystem: 'jvm',
    matches: (argv) => isGradle(argv) && argv.length > 1 && !argv.some((a) => a === '-p' || a === '--project-dir' || a === '-b'),
    manifests: gradleManifests,
    downloadCache: /(^|\/)\.gradle(\/caches)?\/?$/,
    // The same options (init scripts, properties, offline mode), with the dependency report for the tasks.
    prefetch: (argv) => (argv.includes('dependencies') ? null : gradleFetch(argv, [])),
  },
];
