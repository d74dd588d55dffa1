// Maven and Gradle: builds that resolve dependencies as they go; a resolution step can run on the build files.
import path from 'node:path';
import type { BuildContext } from '../../engine/types.js';
import { filesNamed, optionFiles, positionals, present, replacePositionals, unreadable, type Argv, type Installer, type Manifests, type Refusal, type ToContext } from './installer.js';
import { basename } from '../vocabulary/tool.js';

const unique = (files: string[]) => [...new Set(files)];

/** Options whose value is the next word. */
const MAVEN_VALUE_OPTIONS = new Set(['-s', '--settings', '-gs', '--global-settings', '-t', '--toolchains', '-gt', '--global-toolchains', '-P', '--activate-profiles', '-pl', '--projects', '-rf', '--resume-from', '-T', '--threads', '-l', '--log-file', '-b', '--builder', '-D', '--define', '-f', '--file']);
const GRADLE_VALUE_OPTIONS = new Set(['-c', '--settings-file', '-g', '--gradle-user-home', '-I', '--init-script', '-P', '--project-prop', '-D', '--system-prop', '-x', '--exclude-task', '--project-cache-dir', '--console', '--warning-mode', '--include-build', '-p', '--project-dir', '-b', '--build-file']);
const MAVEN_FILE_OPTIONS = new Set(['-s', '--settings', '-gs', '--global-settings', '-t', '--toolchains', '-gt', '--global-toolchains']);
const GRADLE_FILE_OPTIONS = new Set(['-I', '--init-script', '-c', '--settings-file']);
/** `-x test` names a task of the build, which the dependency report does not run. */
const GRADLE_TASK_OPTIONS = new Set(['-x', '--exclude-task']);

/** Goals or tasks given through variables: whether they need the sources cannot be known. */
function dynamicGoals(argv: Argv, valueOptions: ReadonlySet<string>, tool: string): Refusal | null {
  return positionals(argv.slice(1), valueOptions).includes(null) ? { refuse: `the ${tool} goals or tasks depend on variables` } : null;
}

const MAVEN_PHASES = /^(package|install|verify|compile|test|deploy|dependency:go-offline|dependency:resolve|dependency:resolve-plugins)$/;

/** The pom.xml files of a Maven build: the parent's and every module it lists, recursively. */
function mavenManifests(argv: Argv, dir: string, context: BuildContext, toContext: ToContext): Manifests | Refusal {
  const dynamic = dynamicGoals(argv, MAVEN_VALUE_OPTIONS, 'Maven');
  if (dynamic) return dynamic;
  const named = optionFiles(argv, MAVEN_FILE_OPTIONS, context, toContext);
  if ('refuse' in named) return named;
  const poms: string[] = [];
  const pending = [path.posix.join(dir, 'pom.xml')];
  while (pending.length) {
    const pom = pending.shift()!;
    if (poms.includes(pom)) continue;
    const text = context.readFile(pom);
    if (text === undefined) return unreadable(context, pom);
    poms.push(pom);
    for (const m of text.matchAll(/<module>\s*([^<\s]+)\s*<\/module>/g)) pending.push(path.posix.join(path.posix.dirname(pom), m[1]!, 'pom.xml'));
  }
  const wrapper = [...present(context, dir, ['mvnw']), ...filesNamed(context, path.posix.join(dir, '.mvn'), /./)];
  return { files: unique([...poms, ...wrapper, ...named]), optional: [] };
}

/** Gradle build files: settings, every build script and properties file, the wrapper and version catalogs. */
function gradleManifests(argv: Argv, dir: string, context: BuildContext, toContext: ToContext): Manifests | Refusal {
  const dynamic = dynamicGoals(argv, GRADLE_VALUE_OPTIONS, 'Gradle');
  if (dynamic) return dynamic;
  const named = optionFiles(argv, GRADLE_FILE_OPTIONS, context, toContext);
  if ('refuse' in named) return named;
  if (argv.includes('--include-build')) return { refuse: '--include-build adds another build, whose sources the build needs' };
  const settings = present(context, dir, ['settings.gradle', 'settings.gradle.kts']);
  const builds = filesNamed(context, dir, /^build\.gradle(\.kts)?$|^gradle\.properties$/);
  if (!builds.length && !settings.length) return { refuse: `no build.gradle in ${dir || 'the build context'}` };
  if (context.exists(path.posix.join(dir, 'buildSrc'))) return { refuse: 'buildSrc/ holds build logic in source form, which the build needs' };
  const wrapper = [...present(context, dir, ['gradlew']), ...filesNamed(context, path.posix.join(dir, 'gradle'), /./)];
  return { files: unique([...settings, ...builds, ...wrapper, ...named]), optional: [] };
}

const isMaven = (argv: Argv) => /^(mvn|mvnw)$/.test(basename(argv[0]));
const isGradle = (argv: Argv) => /^(gradle|gradlew)$/.test(basename(argv[0]));

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const jvmPrimaryManifests: readonly string[] = ['pom.xml', 'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'];

export const jvmInstallers: readonly Installer[] = [
  {
    tool: 'maven',
    ecosystem: 'jvm',
    matches: (argv) => isMaven(argv) && argv.some((a) => a !== null && MAVEN_PHASES.test(a)) && !argv.some((a) => a === '-f' || a?.startsWith('--file')),
    manifests: mavenManifests,
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
    // The same options (init scripts, properties, offline mode), with the dependency report for the tasks.
    prefetch(argv) {
      if (argv.includes('dependencies')) return null;
      const daemon = argv.includes('--no-daemon') || argv.includes('--daemon') ? [] : ['--no-daemon'];
      return replacePositionals(argv, GRADLE_VALUE_OPTIONS, ['dependencies', ...daemon], GRADLE_TASK_OPTIONS);
    },
  },
];
