// The production build of one project (`nx run <project>:build`, or `node scripts/build/build-project.cjs
// apps/catalog-service`): type-checks and compiles <project>/src to CommonJS with source maps in <project>/dist,
// decorator metadata included (NestJS injects by it), and copies the non-TypeScript files of src (Lua scripts).
// BUILD_TYPECHECK=off emits the same files without type-checking them (TypeScript's `noCheck`): `npm test` sets it,
// having type-checked the whole workspace already (about 40% of a cold build's time).
//
// Options come from tsconfig.build.json, which empties the `paths` that point tsc, tsx, @swc-node/register and
// vitest at the libraries' sources: here a workspace library is a package (node_modules/@cpq/<lib>, a link), its
// `types` (src/index.ts) checked but not emitted, and at run time its `main` (dist/index.js) is loaded.
'use strict';
const { cpSync, existsSync, readdirSync, rmSync, statSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const ts = require('typescript');

const ROOT = resolve(__dirname, '..', '..');
const SKIPPED_ASSET = /\.(ts|md)$/;
const TYPECHECK = process.env.BUILD_TYPECHECK !== 'off';

function build(projectArg) {
  const projectDir = resolve(ROOT, projectArg);
  const srcDir = join(projectDir, 'src');
  const outDir = join(projectDir, 'dist');
  if (!existsSync(srcDir)) throw new Error(`${projectArg}: no src/ folder`);

  const parsed = ts.parseJsonConfigFileContent(
    {
      extends: join(ROOT, 'tsconfig.build.json'),
      compilerOptions: { rootDir: srcDir, outDir, ...(TYPECHECK ? {} : { noCheck: true }) },
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.spec.ts'],
    },
    ts.sys,
    projectDir,
  );
  rmSync(outDir, { recursive: true, force: true });
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const emitted = program.emit();
  const checked = TYPECHECK
    ? ts.getPreEmitDiagnostics(program)
    : [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics()];
  const diagnostics = [...checked, ...emitted.diagnostics, ...parsed.errors];
  if (diagnostics.length > 0) {
    process.stderr.write(
      ts.formatDiagnosticsWithColorAndContext(diagnostics, {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => '\n',
      }),
    );
    rmSync(outDir, { recursive: true, force: true });
    return false;
  }
  const assets = copyAssets(srcDir, outDir);
  const files = parsed.fileNames.length;
  process.stdout.write(
    `${relative(ROOT, projectDir)}: ${files} files compiled${TYPECHECK ? '' : ' (not type-checked)'}, ${assets} assets copied to dist/\n`,
  );
  return true;
}

/** Files next to the code that the code reads at run time (e.g. `*.lua`), copied with their folders. */
function copyAssets(srcDir, outDir) {
  let copied = 0;
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!SKIPPED_ASSET.test(name)) {
        cpSync(path, join(outDir, relative(srcDir, path)));
        copied += 1;
      }
    }
  };
  walk(srcDir);
  return copied;
}

const projects = process.argv.slice(2);
if (projects.length === 0) {
  process.stderr.write('usage: node scripts/build/build-project.cjs <project folder>...\n');
  process.exit(2);
}
process.exitCode = projects.every((project) => build(project)) ? 0 : 1;
