// Nx plugin (nx.json "plugins"): gives every project under apps/ and libs/ that has a src/ folder its `build`
// target, so a service or library added later builds without touching its project.json. Caching, inputs, outputs
// and the dependency on the libraries' builds are the `build` target defaults in nx.json.
'use strict';
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

exports.name = 'cpq-build-target';
exports.createNodes = [
  '{apps,libs}/*/project.json',
  (projectFiles, _options, context) =>
    projectFiles
      .map((file) => [file, dirname(file)])
      .filter(([, root]) => existsSync(join(context.workspaceRoot, root, 'src')))
      .map(([file, root]) => [
        file,
        {
          projects: {
            [root]: {
              targets: {
                build: {
                  executor: 'nx:run-commands',
                  options: { command: `node scripts/build/build-project.cjs ${root}` },
                },
              },
            },
          },
        },
      ]),
];
