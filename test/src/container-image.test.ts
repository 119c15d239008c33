/**
 * Static checks of the Dockerfile (no container engine runs here): two stages, the runtime stage
 * non-root and holding only pruned dependencies, every COPY source present (in the repository, or
 * made by the build stage), and everything the running code reads from disk copied: the
 * production workspaces (cli and what it depends on, transitively) with their manifests, built
 * code and data directories.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions one a line, `\` continuations joined, comments and blank lines skipped, split into stages at FROM. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const start = i + 1;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    // A comment line inside a continuation is dropped and the continuation goes on (Docker's rule).
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i += 1;
      const next = lines[i] as string;
      if (/^\s*#/.test(next)) continue;
      line = line.replace(/\\\s*$/, ' ') + next;
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (match === null) throw new Error(`Dockerfile line ${start}: cannot parse '${line}'`);
    const keyword = (match[1] as string).toUpperCase();
    const args = (match[2] as string).trim().replace(/\s+/g, ' ');
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+ )?(\S+)(?: AS (\S+))?$/i.exec(args);
      if (from === null) throw new Error(`Dockerfile line ${start}: FROM ${args}`);
      stages.push({ base: from[1] as string, name: from[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) {
        if (keyword === 'ARG') continue;
        throw new Error(`Dockerfile line ${start}: ${keyword} before FROM`);
      }
      stage.instructions.push({ keyword, args, line: start });
    }
  }
  return stages;
}

interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
  line: number;
}
function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(' ');
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { from, sources: paths.slice(0, -1), destination: paths.at(-1) as string, line: i.line };
    });
}

const stages = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const final = stages.at(-1) as Stage;
const rootManifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
const workspaceByName = new Map<string, string>(
  rootManifest.workspaces.map((dir) => [(JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as { name: string }).name, dir]),
);

/** cli and every workspace it depends on at run time, transitively (dependencies, not devDependencies). */
function productionWorkspaces(): Set<string> {
  const out = new Set<string>();
  const visit = (dir: string) => {
    if (out.has(dir)) return;
    out.add(dir);
    const manifest = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const child = workspaceByName.get(name);
      if (child !== undefined) visit(child);
    }
  };
  visit('cli');
  return out;
}

/** Paths the final stage copies out of the build stage, relative to /app. */
function copiedFromBuild(): Set<string> {
  const out = new Set<string>();
  for (const copy of copies(final)) {
    if (copy.from === undefined) continue;
    for (const source of copy.sources) out.add(source.replace(/^\/app\//, '').replace(/\/$/, ''));
  }
  return out;
}

test('two stages: Debian Node 22 with a compiler builds, Node 22 slim runs', (t) => {
  t.true(stages.length >= 2);
  const build = stages.find((s) => s.name === 'build') as Stage;
  t.is(build.base, 'node:22-bookworm');
  const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' && ');
  for (const tool of ['python3', 'make', 'g++']) t.true(runs.includes(tool), `build stage installs ${tool} (node-rdkafka compiles librdkafka)`);
  const order = ['npm ci', 'npm run build', 'npm prune --omit=dev'].map((step) => runs.indexOf(step));
  t.false(order.includes(-1), 'npm ci, npm run build, npm prune --omit=dev');
  t.deepEqual([...order].sort((a, b) => a - b), order, 'in that order');
  t.is(final.base, 'node:22-bookworm-slim');
});

test('runtime stage: non-root user, entrypoint, ports', (t) => {
  const users = final.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
  const user = users.at(-1);
  t.truthy(user, 'a USER in the final stage');
  t.notRegex(user as string, /^(root|0)(:|$)/);
  t.is((user as string).split(':')[0], '10001');
  const last = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
  t.deepEqual(JSON.parse(last('ENTRYPOINT') as string), ['node', '--max-semi-space-size=64', 'cli/bin/botsieve.js']);
  t.deepEqual(JSON.parse(last('CMD') as string), ['start']);
  t.deepEqual((last('EXPOSE') as string).split(' ').sort(), ['8080', '8090', '9464']);
  t.is(final.instructions.find((i) => i.keyword === 'WORKDIR')?.args, '/app', 'data/ paths in the config are relative to /app');
});

test('node_modules comes only from a stage that pruned the devDependencies', (t) => {
  const modules = copies(final).filter((c) => c.sources.some((s) => /node_modules/.test(s)));
  t.true(modules.length > 0);
  for (const copy of modules) {
    t.truthy(copy.from, `line ${copy.line}: node_modules copied from the build context`);
    const source = stages.find((s) => s.name === copy.from) as Stage;
    const runs = source.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const pruned = runs.findIndex((r) => /npm prune --omit=dev|npm ci [^&]*--omit=dev/.test(r));
    t.true(pruned !== -1, `line ${copy.line}: stage ${copy.from} never prunes`);
    t.is(runs.findIndex((r, at) => at > pruned && /npm (ci|install|i) /.test(r)), -1, 'nothing reinstalls after the prune');
  }
  // No production workspace has its own node_modules in the lockfile (the image copies the root one only).
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  for (const dir of productionWorkspaces()) t.deepEqual(Object.keys(lock.packages).filter((k) => k.startsWith(`${dir}/node_modules/`)), [], dir);
});

test('every COPY source exists: in the repository, or built by the build stage', (t) => {
  for (const stage of stages) {
    for (const copy of copies(stage)) {
      for (const source of copy.sources) {
        if (copy.from === undefined) {
          t.true(existsSync(join(REPO, source)), `line ${copy.line}: ${source}`);
          continue;
        }
        const path = source.replace(/^\/app\//, '').replace(/\/$/, '');
        if (path === 'node_modules') continue;
        if (path.endsWith('/dist')) {
          const dir = path.slice(0, -'/dist'.length);
          t.true(existsSync(join(REPO, dir, 'tsconfig.json')), `line ${copy.line}: ${dir} builds a dist/`);
          continue;
        }
        t.true(existsSync(join(REPO, path)), `line ${copy.line}: ${path}`);
      }
    }
  }
});

test('the production workspaces are copied whole: manifest, built code and every data directory the code reads', (t) => {
  const copied = copiedFromBuild();
  const production = productionWorkspaces();
  t.deepEqual([...production].sort(), ['bus', 'cli', 'core', 'decisions', 'detectors', 'ingest', 'origin', 'runtime', 'simulator', 'sinks']);
  for (const dir of production) {
    t.true(copied.has(`${dir}/package.json`), `${dir}/package.json (module resolution, detectors' package root)`);
    t.true(copied.has(`${dir}/dist`), `${dir}/dist`);
    // Every other top-level directory of a production workspace holds what it reads at run time
    // (data/, schemas/, bin/); tests' testdata/ stays out.
    for (const entry of readdirSync(join(REPO, dir))) {
      if (['src', 'dist', 'node_modules', 'testdata', '.turbo'].includes(entry) || !statSync(join(REPO, dir, entry)).isDirectory()) continue;
      t.true(copied.has(`${dir}/${entry}`), `${dir}/${entry} is not copied`);
    }
  }
  // And the other way: the paths the built code resolves against its package root are among them.
  const read = new Set<string>();
  const scan = (dir: string, workspace: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) scan(path, workspace);
      else if (entry.name.endsWith('.js') && !entry.name.endsWith('.test.js')) {
        const code = readFileSync(path, 'utf8');
        for (const m of code.matchAll(/new URL\(['"](?:\.\.\/)+([a-z-]+)\//g)) read.add(`${workspace}/${m[1]}`);
        for (const m of code.matchAll(/PackageRoot\(\), ['"]([a-z-]+)['"]/g)) read.add(`${workspace}/${m[1]}`);
      }
    }
  };
  for (const dir of production) if (existsSync(join(REPO, dir, 'dist'))) scan(join(REPO, dir, 'dist'), dir);
  t.true(read.size >= 4, `found ${[...read].join(', ')}`);
  for (const path of read) t.true(copied.has(path), `${path} is read at run time but not copied`);
});

/**
 * Every module `botsieve` can load, from cli/bin/botsieve.js through relative and workspace
 * imports (static and dynamic, found by pattern in the built JavaScript): the workspaces it reaches
 * and the registry packages it names.
 */
function moduleGraph(): { workspaces: Set<string>; packages: Set<string> } {
  const workspaces = new Set<string>();
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [join(REPO, 'cli/bin/botsieve.js')];
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"\s]+)['"]/g;
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(specifier)) {
      const spec = match[1] as string;
      if (spec.startsWith('.')) {
        const target = join(file, '..', spec);
        pending.push(existsSync(target) && statSync(target).isDirectory() ? join(target, 'index.js') : target);
        continue;
      }
      if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0] as string)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
      const workspace = workspaceByName.get(name);
      if (workspace === undefined) {
        packages.add(name);
        continue;
      }
      workspaces.add(workspace);
      const exports = (JSON.parse(readFileSync(join(REPO, workspace, 'package.json'), 'utf8')) as { exports: Record<string, string> }).exports;
      const entry = exports[`.${spec.slice(name.length)}`];
      if (entry === undefined) throw new Error(`${file}: ${spec} is not exported by ${workspace}`);
      pending.push(join(REPO, workspace, entry));
    }
  }
  return { workspaces, packages };
}

test('what the running code imports is in the image: production workspaces, and registry packages that survive the prune', (t) => {
  const { workspaces, packages } = moduleGraph();
  // Loaded by name from a list (runtime/src/uws/load-uws.ts), which the pattern cannot see.
  packages.add('uws-pack');
  const production = productionWorkspaces();
  for (const workspace of workspaces) t.true(production.has(workspace), `${workspace} is imported at run time but not a dependency of cli (not copied)`);
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
  t.log(`workspaces: ${[...workspaces].sort().join(', ')}; packages: ${[...packages].sort().join(', ')}`);
  t.true(packages.size >= 5, [...packages].join(', '));
  for (const name of packages) {
    const entry = lock.packages[`node_modules/${name}`];
    t.truthy(entry, `${name} is imported but not in the lockfile`);
    t.not(entry?.dev, true, `${name} is imported at run time but only a devDependency: npm prune --omit=dev removes it`);
  }
});

test('.dockerignore keeps local installs and builds out; Cloud Build builds this Dockerfile', (t) => {
  const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
  for (const pattern of ['**/node_modules', '**/dist', '.git']) t.true(ignored.includes(pattern), pattern);
  const cloudbuild = readFileSync(join(REPO, 'cloudbuild.yaml'), 'utf8');
  t.regex(cloudbuild, /docker build -f Dockerfile /);
  t.regex(cloudbuild, / \.\n/, 'the build context is the repository root');
});

test('the parser: continuations, comments inside continuations, stages', (t) => {
  const parsed = parseDockerfile('ARG X=1\nFROM a:1 AS one\nRUN a \\\n  # note\n  && b\nFROM b:2\nUSER 1\n');
  t.deepEqual(
    parsed.map((s) => [s.base, s.name, s.instructions.map((i) => [i.keyword, i.args])]),
    [
      ['a:1', 'one', [['RUN', 'a && b']]],
      ['b:2', undefined, [['USER', '1']]],
    ],
  );
});
