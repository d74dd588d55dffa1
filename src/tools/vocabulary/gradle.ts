// Gradle, as `gradle` or its wrapper `gradlew`: every build resolves dependencies into Gradle's caches.
import { defineTool } from './tool.js';

export const gradle = defineTool({
  id: 'gradle',
  kind: 'language',
  commands: /^(gradle|gradlew)$/,
  valueOptions: new Set(['-c', '--settings-file', '-g', '--gradle-user-home', '-I', '--init-script', '-P', '--project-prop', '-D', '--system-prop', '-x', '--exclude-task', '--project-cache-dir', '--console', '--warning-mode', '--include-build', '-p', '--project-dir', '-b', '--build-file']),
  installs: new Set(),
  cache: { targets: ['/root/.gradle/caches'], heldBy: /(^|\/)\.gradle(\/caches)?\/?$/, sharedWithLaterRuns: true },
  effects: { writes: ['.', '/root/.gradle/caches'], reads: ['settings.gradle', 'settings.gradle.kts', 'build.gradle', 'build.gradle.kts', 'gradle.properties', 'gradle', 'gradlew'] },
});
