// Maven and Gradle: builds that resolve dependencies as they go; a resolution step can run on the build files.
import path from 'node:path';
import type { BuildContext } from '../types.js';
import { basename, filesNamed, present, type Argv, type Installer, type Manifests, type Refusal } from '../installs.js';

const MAVEN_PHASES = /^(package|install|verify|compile|test|deploy|dependency:go-offline|dependency:resolve|dependency:resolve-plugins)$/;

/** The pom.xml files of a Maven build: the parent's and every module it lists, recursively. */
function mavenManifests(dir: string, context: BuildContext): Manifests | Refusal {
  const poms: string[] = [];
  const pending = [path.posix.join(dir, 'pom.xml')];
  while (pending.length) {
    const pom = pending.shift()!;
    if (poms.includes(pom)) continue;
    const text = context.readFile(pom);
    if (text === undefined) return { refuse: `${pom} is not in the build context` };
    poms.push(pom);
    for (const m of text.matchAll(/<module>\s*([^<\s]+)\s*<\/module>/g)) pending.push(path.posix.join(path.posix.dirname(pom), m[1]!, 'pom.xml'));
  }
  const wrapper = [...present(context, dir, ['mvnw']), ...filesNamed(context, path.posix.join(dir, '.mvn'), /./)];
  return { files: [...poms, ...wrapper], optional: [] };
}

/** Gradle build files: settings, every build script and properties file, the wrapper and version catalogs. */
function gradleManifests(dir: string, context: BuildContext): Manifests | Refusal {
  const settings = present(context, dir, ['settings.gradle', 'settings.gradle.kts']);
  const builds = filesNamed(context, dir, /^build\.gradle(\.kts)?$|^gradle\.properties$/);
  if (!builds.length && !settings.length) return { refuse: `no build.gradle in ${dir || 'the build context'}` };
  if (context.exists(path.posix.join(dir, 'buildSrc'))) return { refuse: 'buildSrc/ holds build logic in source form, which the build needs' };
  const wrapper = [...present(context, dir, ['gradlew']), ...filesNamed(context, path.posix.join(dir, 'gradle'), /./)];
  return { files: [...settings, ...builds.filter((b) => !settings.includes(b)), ...wrapper], optional: [] };
}

const isMaven = (argv: Argv) => /^(mvn|mvnw)$/.test(basename(argv[0]));
const isGradle = (argv: Argv) => /^(gradle|gradlew)$/.test(basename(argv[0]));

export const jvmInstallers: readonly Installer[] = [
  {
    tool: 'maven',
    ecosystem: 'jvm',
    matches: (argv) => isMaven(argv) && argv.some((a) => a !== null && MAVEN_PHASES.test(a)) && !argv.some((a) => a === '-f' || a?.startsWith('--file')),
    manifests: (_argv, dir, context) => mavenManifests(dir, context),
    prefetch: (argv) => (argv.some((a) => a?.startsWith('dependency:')) ? '' : `${argv[0]} -B dependency:go-offline`),
  },
  {
    tool: 'gradle',
    ecosystem: 'jvm',
    matches: (argv) => isGradle(argv) && argv.length > 1 && !argv.some((a) => a === '-p' || a === '--project-dir' || a === '-b'),
    manifests: (_argv, dir, context) => gradleManifests(dir, context),
    prefetch: (argv) => (argv.includes('dependencies') ? '' : `${argv[0]} dependencies --no-daemon`),
  },
];
