// Local-path dependencies of package.json as split-copy-install reads them: one the install installs needs its
// folder; one npm leaves out (npm's omit/include config, NODE_ENV, the lockfile's flags) needs only its package.json.
import { describe, expect, it } from 'vitest';
import { memoryContext } from '../src/contexts/context.js';
import { matchInstall } from '../src/tools/installs.js';

/** The manifests (or the refusal) of `command` run at the root of a context holding `files`, with `env` set. */
function manifestsOf(command: string, files: Record<string, string>, env: Record<string, string | null> = {}) {
  const argv = command.split(' ');
  const match = matchInstall(argv);
  if (!match) throw new Error(`${command} is not an install`);
  const result = match.installer.manifests(argv, '', memoryContext(files), (p) => p, (name) => env[name]);
  return 'refuse' in result ? result : result.files;
}

const lock = (flags: Record<string, boolean>, location = 'tools/mock') =>
  JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/mock': { resolved: location, link: true }, [location]: { version: '1.0.0', ...flags } } });
const project = (field: string, flags: Record<string, boolean> = { dev: true }, more: Record<string, string> = {}) => ({
  'package.json': JSON.stringify({ name: 'app', [field]: { mock: 'file:tools/mock' } }),
  'package-lock.json': lock(flags),
  'tools/mock/package.json': JSON.stringify({ name: 'mock', version: '1.0.0' }),
  'tools/mock/index.js': '',
  ...more,
});
const LINKED = ['package.json', 'package-lock.json', 'tools/mock/package.json'];
const installed = () => ({ refuse: 'dependency "mock" of package.json is a local path (file:tools/mock), which would not be there yet' });

describe('npm leaves the dev dependencies out: the linked folder needs only its package.json', () => {
  it.each([
    ['npm ci --omit=dev', {}],
    ['npm ci --omit dev', {}],
    ['npm ci --omit=optional --omit=dev', {}],
    ['npm ci --production', {}],
    ['npm ci --prod', {}],
    ['npm install --only=prod', {}],
    ['npm install --only production', {}],
    ['npm ci', { NODE_ENV: 'production' }],
    ['npm ci', { npm_config_omit: 'dev' }],
    ['npm ci', { NPM_CONFIG_PRODUCTION: 'true' }],
    ['npm ci --omit=dev', { NODE_ENV: 'development' }],
  ])('%s with %j', (command, env) => {
    expect(manifestsOf(command, project('devDependencies'), env)).toEqual(LINKED);
  });

  it("the project's .npmrc sets it too, below the environment and the command line", () => {
    expect(manifestsOf('npm ci', project('devDependencies', { dev: true }, { '.npmrc': 'omit=dev\n' }))).toEqual([...LINKED.slice(0, 2), '.npmrc', LINKED[2]]);
    expect(manifestsOf('npm ci', project('devDependencies', { dev: true }, { '.npmrc': 'omit[]=dev\n' }))).toEqual([...LINKED.slice(0, 2), '.npmrc', LINKED[2]]);
    expect(manifestsOf('npm ci', project('devDependencies', { dev: true }, { '.npmrc': 'omit=dev\n' }), { npm_config_include: 'dev' })).toEqual(installed());
  });

  it('--omit=optional leaves optionalDependencies out the same way', () => {
    expect(manifestsOf('npm ci --omit=optional', project('optionalDependencies', { optional: true }))).toEqual(LINKED);
    expect(manifestsOf('npm ci --no-optional', project('optionalDependencies', { optional: true }))).toEqual(LINKED);
  });

  it('a left-out tarball is taken from the lockfile: nothing of it is read', () => {
    const files = {
      'package.json': JSON.stringify({ name: 'app', devDependencies: { mock: 'file:vendor/mock-1.0.0.tgz' } }),
      'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/mock': { version: '1.0.0', resolved: 'file:vendor/mock-1.0.0.tgz', dev: true } } }),
      'vendor/mock-1.0.0.tgz': '',
    };
    expect(manifestsOf('npm ci --omit=dev', files)).toEqual(['package.json', 'package-lock.json']);
  });

  it('a linked folder without a package.json in the context: npm finds none in either build', () => {
    const files = project('devDependencies');
    delete (files as Record<string, string>)['tools/mock/package.json'];
    expect(manifestsOf('npm ci --omit=dev', files)).toEqual(['package.json', 'package-lock.json']);
  });
});

describe('the dev dependencies are installed, or that they are left out is not known: refused', () => {
  it.each([
    ['npm ci', {}],
    ['npm ci --omit=dev --include=dev', {}],
    ['npm ci --omit=dev --also=dev', {}],
    ['npm ci --omit=dev --dev', {}],
    ['npm ci --production=false', { NODE_ENV: 'production' }],
    ['npm ci --no-production', { NODE_ENV: 'production' }],
    // A setting on the command line replaces NODE_ENV's default.
    ['npm ci --omit=optional', { NODE_ENV: 'production' }],
    ['npm ci --omit=dev', { npm_config_include: 'dev' }],
  ])('%s with %j', (command, env) => {
    expect(manifestsOf(command, project('devDependencies'), env)).toEqual(installed());
  });

  it('NODE_ENV or a setting whose value is not known', () => {
    expect(manifestsOf('npm ci', project('devDependencies'), { NODE_ENV: null })).toEqual({ refuse: `${installed().refuse}: whether the install leaves out devDependencies depends on NODE_ENV, whose value dockmod cannot know here` });
    expect(manifestsOf('npm ci --omit=dev', project('devDependencies'), { npm_config_include: null })).toEqual({ refuse: `${installed().refuse}: whether the install leaves out devDependencies depends on npm_config_include, whose value dockmod cannot know here` });
    expect(manifestsOf('npm ci --omit=dev,optional', project('devDependencies'))).toEqual({ refuse: `${installed().refuse}: whether the install leaves out devDependencies depends on --omit, whose value dockmod cannot know here` });
  });

  it('a prod dependency is installed whatever is omitted', () => {
    expect(manifestsOf('npm ci --omit=dev', project('dependencies', {}))).toEqual(installed());
  });

  it('the lockfile records the package as needed by another dependency, or has no entry for it', () => {
    expect(manifestsOf('npm ci --omit=dev', project('devDependencies', {}))).toEqual({
      refuse: 'dependency "mock" of package.json is a local path (file:tools/mock), which would not be there yet: the install leaves out devDependencies, but package-lock.json records tools/mock as needed by another dependency',
    });
    expect(manifestsOf('npm ci --omit=dev', { ...project('devDependencies'), 'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: {} }) })).toEqual({
      refuse: 'dependency "mock" of package.json is a local path (file:tools/mock): the install leaves out devDependencies, but not one that another dependency needs, which package-lock.json does not tell (it has no entry for tools/mock)',
    });
  });

  it('a left-out folder outside the build context, or with local dependencies of its own', () => {
    const outside = { 'package.json': JSON.stringify({ name: 'app', devDependencies: { mock: 'file:../mock' } }), 'package-lock.json': lock({ dev: true }, '../mock') };
    expect(manifestsOf('npm ci --omit=dev', outside)).toEqual({ refuse: "dependency \"mock\" of package.json is a local path (file:../mock), outside the build context: the install leaves out devDependencies, but npm still reads a linked folder's package.json" });
    const nested = { ...project('devDependencies'), 'tools/mock/package.json': JSON.stringify({ name: 'mock', dependencies: { util: 'file:../util' } }) };
    expect(manifestsOf('npm ci --omit=dev', nested)).toEqual({ refuse: 'dependency "mock" of package.json is a local path (file:tools/mock), which the install leaves out, has a local dependency of its own ("util": file:../util), which dockmod does not follow' });
  });

  it('yarn and pnpm: their production installs are not read this way', () => {
    expect(manifestsOf('yarn install --production', project('devDependencies'))).toEqual(installed());
    expect(manifestsOf('pnpm install --prod', project('devDependencies'))).toEqual(installed());
  });
});
