// Build contexts from GitHub Actions workflows (docker/build-push-action steps), and the CLI using them: a
// Dockerfile that copies only `.` from a folder below the repository root is built with the context the
// workflow gives it.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempTree, dockmod } from './support/cli.js';
import { workflowBuilds } from '../src/contexts/github-workflows.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const ROOT = '/repo';
const FILE = `${ROOT}/.github/workflows/docker.yml`;
/** The builds of a workflow as `dockerfile <- context`, relative to the repository root. */
async function builds(text: string): Promise<{ builds: string[]; notes: string[] }> {
  const reading = await workflowBuilds(FILE, text);
  return { builds: reading.builds.map((b) => `${path.relative(ROOT, b.dockerfile)} <- ${path.relative(ROOT, b.context) || '.'}`), notes: reading.notes };
}

const job = (lines: string[]) => ['jobs:', '  image:', '    runs-on: ubuntu-latest', ...lines.map((l) => `    ${l}`)].join('\n');

describe('workflowBuilds', () => {
  it('takes context and file relative to the repository root, and their defaults', async () => {
    const text = job([
      'steps:',
      '  - uses: actions/checkout@v4',
      '  - uses: docker/build-push-action@v6',
      '    with: { context: ., file: services/api/Dockerfile }',
      '  - uses: docker/build-push-action@v6',
      '    with: { context: services/web }',
      '  - uses: docker/build-push-action@v6',
      '  - uses: docker/build-push-action@v6',
      '    with: { context: "https://github.com/example/app.git#main" }',
    ]);
    expect(await builds(text)).toEqual({
      builds: ['services/api/Dockerfile <- .', 'services/web/Dockerfile <- services/web', 'Dockerfile <- .'],
      notes: ['docker.yml: job image: context https://github.com/example/app.git#main is not a local folder'],
    });
  });

  it("expands the job's matrix, with exclude and include as GitHub does", async () => {
    const text = job([
      'strategy:',
      '  matrix:',
      "    component: ['backend', 'frontend', 'docs']",
      '    exclude: [{ component: docs }]',
      '    include:',
      '      - component: frontend',
      '        variant: slim',
      '      - component: worker',
      'steps:',
      '  - uses: docker/build-push-action@v6',
      '    with:',
      '      context: .',
      '      file: ${{ matrix.component}}/docker/Dockerfile',
    ]);
    expect((await builds(text)).builds).toEqual(['backend/docker/Dockerfile <- .', 'frontend/docker/Dockerfile <- .', 'worker/docker/Dockerfile <- .']);
  });

  it('leaves out a step with another expression, or one whose context or file uses a matrix that is not written out, and says so', async () => {
    const other = job(['steps:', '  - uses: docker/build-push-action@v6', '    with: { context: "${{ github.workspace }}/app" }']);
    expect(await builds(other)).toEqual({ builds: [], notes: ["docker.yml: job image: context or file uses an expression other than the job's matrix"] });
    const computed = job([
      'strategy:',
      '  matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}',
      'steps:',
      '  - uses: docker/build-push-action@v6',
      '    with: { context: ., file: "${{ matrix.service }}/Dockerfile" }',
      '  - uses: docker/build-push-action@v6',
      '    with: { context: ., file: docker/gotrue/Dockerfile, platforms: "linux/${{ matrix.arch }}" }',
    ]);
    expect(await builds(computed)).toEqual({
      builds: ['docker/gotrue/Dockerfile <- .'],
      notes: ['docker.yml: job image: its matrix is not written out, so the builds its context or file name from it are not known'],
    });
  });
});

describe('dockmod with a workflow', () => {
  it('builds a Dockerfile below the root with the context its workflow gives, where nothing it copies by name shows it', () => {
    const dir = tempTree('dockmod-workflows-', {
      '.git/HEAD': '',
      '.github/workflows/docker.yml': job([
        'strategy:',
        '  matrix:',
        '    component: [frontend]',
        'steps:',
        '  - uses: docker/build-push-action@v6',
        '    with:',
        '      context: .',
        '      file: ${{ matrix.component }}/docker/Dockerfile',
      ]),
      'package.json': '{"name":"app"}\n',
      'package-lock.json': '{}\n',
      '.dockerignore': 'node_modules\n',
      'frontend/index.js': 'console.log(1);\n',
      'frontend/docker/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n',
    }, temps);
    const r = dockmod(['--verbose', '--only', 'split-copy-install', 'frontend/docker/Dockerfile'], dir);
    expect(r.stderr).not.toContain('skipped');
    expect(r.stdout).toContain('+COPY package.json package-lock.json ./\n');
  });
});
