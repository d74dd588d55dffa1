// What Maven and Gradle read before they compile anything, as their documentation and launchers locate it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildContext } from '../src/engine/types.js';
import { jvmInstallers } from '../src/tools/ecosystems/jvm.js';
import type { Argv, Manifests, Refusal } from '../src/tools/ecosystems/installer.js';

/** A build context holding `files` (path -> text); folders exist when a file is below them. */
function contextOf(files: Record<string, string>): BuildContext {
  const names = Object.keys(files).sort();
  return {
    readFile: (p) => files[p],
    readBytes: () => undefined,
    exists: (p) => p in files || names.some((n) => n.startsWith(`${p}/`)),
    listFiles: () => names,
    ignoreFile: { path: '.dockerignore' },
  };
}

const installer = (tool: string) => jvmInstallers.find((i) => i.tool === tool)!;
/** The manifests of `command` (split on spaces) run in the context folder `dir`, paths mapped as the working folder's. */
function manifests(tool: string, command: string, files: Record<string, string>, dir = ''): Manifests | Refusal {
  const argv: Argv = command.split(' ');
  return installer(tool).manifests(argv, dir, contextOf(files), (p) => (path.posix.isAbsolute(p) ? null : path.posix.join(dir, p)));
}
const filesOf = (result: Manifests | Refusal) => ('refuse' in result ? result : result.files);

const WRAPPER = { gradlew: '#!/bin/sh', 'gradle/wrapper/gradle-wrapper.jar': '', 'gradle/wrapper/gradle-wrapper.properties': 'distributionUrl=https\\://services.gradle.org/distributions/gradle-8.7-bin.zip' };

describe('Gradle: a build with no settings file and no build script', () => {
  it('copies the wrapper and fetches by the wrapper downloading its distribution, keeping the options', () => {
    const result = manifests('gradle', './gradlew build --no-daemon -g /cache -Pmode=ci -x test', { ...WRAPPER, 'app.js': '' });
    expect(filesOf(result)).toEqual(['gradlew', 'gradle/wrapper/gradle-wrapper.jar', 'gradle/wrapper/gradle-wrapper.properties']);
    expect('fetch' in result && result.fetch).toEqual([0, '--version', 2, 3, 4, 5]);
  });
  it('refuses gradle without a wrapper: nothing to resolve and nothing to download', () => {
    expect(manifests('gradle', 'gradle build', { 'app.js': '' })).toEqual({ refuse: 'the build context root has no settings file and no build script, so Gradle has nothing to resolve there, and no wrapper to download' });
  });
});

describe('Gradle: the projects settings include', () => {
  it('reads the build scripts and properties of included projects only, following projectDir and buildFileName', () => {
    const settings = [
      'rootProject.name = "shop"',
      "include 'api', ':core:model',",
      "        'web'",
      '// include("old")',
      "project(':web').projectDir = file('frontends/web')",
      "project(':api').buildFileName = 'api.gradle'",
    ].join('\n');
    const result = manifests('gradle', './gradlew build', {
      ...WRAPPER,
      'settings.gradle': settings,
      'build.gradle': '',
      'gradle.properties': '',
      'api/api.gradle': '',
      'api/build.gradle': 'not read: buildFileName names api.gradle',
      'core/build.gradle.kts': '',
      'core/model/build.gradle.kts': '',
      'core/model/gradle.properties': '',
      'frontends/web/build.gradle': '',
      'web/build.gradle': 'not read: the project moved',
      'old/build.gradle': 'not included',
      'src/test/resources/sample/build.gradle': 'a test fixture',
    });
    expect(filesOf(result)).toEqual([
      'settings.gradle',
      'api/api.gradle',
      'build.gradle',
      'core/build.gradle.kts',
      'core/model/build.gradle.kts',
      'core/model/gradle.properties',
      'frontends/web/build.gradle',
      'gradle.properties',
      'gradlew',
      'gradle/wrapper/gradle-wrapper.jar',
      'gradle/wrapper/gradle-wrapper.properties',
    ]);
  });
  it('finds the settings file in a folder above, as Gradle searches for it, and reads the whole build', () => {
    const result = manifests('gradle', 'gradle dependencies', { 'settings.gradle.kts': 'include("app", "lib")', 'app/build.gradle.kts': '', 'lib/build.gradle.kts': '' }, 'app');
    expect(filesOf(result)).toEqual(['settings.gradle.kts', 'app/build.gradle.kts', 'lib/build.gradle.kts']);
  });
  it('refuses a folder that the settings above do not include', () => {
    expect(manifests('gradle', 'gradle build', { 'settings.gradle.kts': 'include("lib")', 'tool/build.gradle.kts': '' }, 'tool')).toEqual({
      refuse: 'tool is not a project of the build that settings.gradle.kts defines, so Gradle would not run there',
    });
  });
  it('follows the script plugins settings and build scripts apply', () => {
    const result = manifests('gradle', 'gradle build', {
      'settings.gradle': "apply from: 'gradle/modules.gradle'",
      'gradle/modules.gradle': "include 'app'",
      'build.gradle': 'apply from: "$rootDir/versions.gradle"\napply from: "https://example.com/remote.gradle"',
      'versions.gradle': '',
      'app/build.gradle.kts': 'apply(from = "../checks.gradle")',
      'checks.gradle': '',
    });
    expect(filesOf(result)).toEqual(['settings.gradle', 'app/build.gradle.kts', 'build.gradle', 'checks.gradle', 'versions.gradle', 'gradle/modules.gradle']);
  });
  it.each([
    ['include(*modules.toTypedArray())', 'settings.gradle.kts:2 includes projects named by an expression (`include(*modules.toTypedArray())`), which dockmod cannot read without running Gradle'],
    ["file('modules').eachDir { include it.name }", "settings.gradle.kts:2 includes projects named by an expression (`include it.name }`), which dockmod cannot read without running Gradle"],
    ['include("app-$flavor")', 'settings.gradle.kts:2 includes projects named by an expression (`include("app-$flavor")`), which dockmod cannot read without running Gradle'],
    ['rootProject.children.each { it.buildFileName = "${it.name}.gradle" }', 'settings.gradle.kts:2 sets the buildFileName of a project it names through an expression or does not include (`it.buildFileName = "${it.name}.gradle" }`), which dockmod cannot read without running Gradle'],
    ['project(":app").projectDir = File(base, "app")', 'settings.gradle.kts:2 sets a project folder through an expression (`project(":app").projectDir = File(base, "app")`), which dockmod cannot read without running Gradle'],
  ])('refuses settings it cannot read statically: %s', (line, refuse) => {
    expect(manifests('gradle', 'gradle build', { 'settings.gradle.kts': `include("app")\n${line}`, 'app/build.gradle.kts': '' })).toEqual({ refuse });
  });
});

describe('Gradle: version catalogs, included builds, buildSrc, the user home', () => {
  it('copies gradle/ (the default catalog, verification metadata) and the catalogs versionCatalogs imports from files', () => {
    const settings = ['dependencyResolutionManagement {', '  versionCatalogs {', '    create("tools") { from(files("catalogs/tools.versions.toml")) }', '    create("spring") { from("org.springframework:catalog:1.0") }', '  }', '}'].join('\n');
    const result = manifests('gradle', 'gradle build', { 'settings.gradle.kts': settings, 'build.gradle.kts': '', 'gradle/libs.versions.toml': '', 'gradle/verification-metadata.xml': '', 'catalogs/tools.versions.toml': '' });
    expect(filesOf(result)).toEqual(['settings.gradle.kts', 'build.gradle.kts', 'catalogs/tools.versions.toml', 'gradle/libs.versions.toml', 'gradle/verification-metadata.xml']);
  });
  it('refuses a catalog file that is not there, as Gradle fails on it', () => {
    expect(manifests('gradle', 'gradle build', { 'settings.gradle.kts': 'dependencyResolutionManagement { versionCatalogs { create("x") { from(files("x.toml")) } } }' })).toEqual({ refuse: 'the version catalog x.toml is not in the build context' });
  });
  it('reads an included build as Gradle configures it: its settings, build scripts and properties', () => {
    const result = manifests('gradle', 'gradle build', { 'settings.gradle.kts': 'includeBuild("libs/shared")', 'build.gradle.kts': '', 'libs/shared/settings.gradle.kts': 'include("core")', 'libs/shared/core/build.gradle.kts': '', 'libs/shared/core/src/main/java/A.java': '' });
    expect(filesOf(result)).toEqual(['settings.gradle.kts', 'libs/shared/settings.gradle.kts', 'build.gradle.kts', 'libs/shared/core/build.gradle.kts']);
  });
  it('refuses plugin builds: in pluginManagement, or a build that develops plugins', () => {
    expect(manifests('gradle', 'gradle build', { 'settings.gradle.kts': 'pluginManagement {\n  includeBuild("build-logic")\n}', 'build-logic/build.gradle.kts': '' })).toEqual({
      refuse: 'settings.gradle.kts:2 includes the build build-logic, whose plugins Gradle compiles from their sources to configure this build, so the fetch would need those sources',
    });
    expect(manifests('gradle', 'gradle build', { 'settings.gradle': "includeBuild 'conventions'", 'conventions/build.gradle': "plugins { id 'groovy-gradle-plugin' }" })).toEqual({
      refuse: 'settings.gradle:1 includes the build conventions, whose plugins Gradle compiles from their sources to configure this build, so the fetch would need those sources',
    });
  });
  it('refuses buildSrc, which Gradle compiles before configuring the build', () => {
    expect(manifests('gradle', 'gradle build', { 'settings.gradle': '', 'buildSrc/build.gradle': '' })).toEqual({ refuse: 'buildSrc/ is build logic that Gradle compiles from its sources before it configures the build, so the fetch would need those sources' });
  });
  it('copies the user home gradle.properties and init scripts when -g puts the home in the context', () => {
    const result = manifests('gradle', 'gradle -g .gradle-home build', { 'build.gradle': '', '.gradle-home/gradle.properties': '', '.gradle-home/init.d/mirror.gradle': '' });
    expect(filesOf(result)).toEqual(['build.gradle', '.gradle-home/gradle.properties', '.gradle-home/init.d/mirror.gradle']);
  });
});

describe('Maven: modules, parents, .mvn and the wrapper', () => {
  it('follows modules (profiles too) and each pom parent at its relativePath, in the context only', () => {
    const result = manifests('maven', './mvnw -B package', {
      mvnw: '',
      'pom.xml': '<project><parent><artifactId>spring-boot-starter-parent</artifactId><relativePath/></parent><modules><module>core</module></modules><profiles><profile><modules><module>extras/pom-extras.xml</module></modules></profile></profiles><!-- <module>old</module> --></project>',
      'core/pom.xml': '<project><parent><artifactId>root</artifactId></parent></project>',
      'extras/pom-extras.xml': '<project><parent><relativePath>../platform</relativePath></parent></project>',
      'platform/pom.xml': '<project><parent><relativePath>../../outside/pom.xml</relativePath></parent><modules><module>not-built</module></modules></project>',
      '.mvn/extensions.xml': '',
      '.mvn/jvm.config': '',
      '.mvn/wrapper/maven-wrapper.properties': '',
    });
    expect(filesOf(result)).toEqual(['pom.xml', 'core/pom.xml', 'extras/pom-extras.xml', 'platform/pom.xml', '.mvn/extensions.xml', '.mvn/jvm.config', '.mvn/wrapper/maven-wrapper.properties', 'mvnw']);
  });
  it('reads .mvn from the project base above the module, and the files maven.config names', () => {
    const result = manifests('maven', 'mvn package', { 'service/pom.xml': '<project><parent><artifactId>root</artifactId></parent></project>', 'pom.xml': '<project/>', '.mvn/maven.config': '-B\n--settings=ci/settings.xml', 'service/ci/settings.xml': '' }, 'service');
    expect(filesOf(result)).toEqual(['service/pom.xml', 'pom.xml', '.mvn/maven.config', 'service/ci/settings.xml']);
  });
  it('refuses a module that is not in the context, naming the pom that lists it', () => {
    expect(manifests('maven', 'mvn package', { 'pom.xml': '<project><modules><module>gone</module></modules></project>' })).toEqual({ refuse: 'gone/pom.xml, listed by pom.xml, is not in the build context' });
  });
});
