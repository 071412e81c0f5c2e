// docs/walkthrough.md shows exactly the calls the e2e test makes: the commands rendered from today's step list.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCommand, renderSetup } from './walkthrough-doc';
import { bindBody, substitute } from './walkthrough-runner';
import { STEPS } from './walkthrough-steps';

const doc = readFileSync(resolve(__dirname, '../../docs/walkthrough.md'), 'utf8');

describe('docs/walkthrough.md', () => {
  it('holds every step of test/e2e/walkthrough-steps.ts as its curl command, in the order the test runs them (else: WALKTHROUGH=write vitest run test/e2e/platform-flow.test.ts)', () => {
    expect(doc).toContain(renderSetup());
    let from = doc.indexOf(renderSetup());
    for (const step of STEPS) {
      const command = `# ${step.say}\n${renderCommand(step)}\n`;
      const at = doc.indexOf(command, from);
      expect({ step: step.id, found: at >= 0 }).toEqual({ step: step.id, found: true });
      from = at + command.length;
    }
  });
});

describe('the walkthrough variables', () => {
  it('binds $NAME in paths and bodies, and refuses an unbound one', () => {
    expect(
      substitute('/v1/tenants/$T1/config-sessions/$SESSION2', { T1: 'a', SESSION2: 's2', SESSION: 's' }),
    ).toBe('/v1/tenants/a/config-sessions/s2');
    expect(bindBody({ lines: [{ id: '$X' }], n: 1 }, { X: 'x' })).toEqual({ lines: [{ id: 'x' }], n: 1 });
    expect(() => substitute('$MISSING', {})).toThrow('$MISSING is not bound');
  });

  it('splices a body variable into the single-quoted JSON as a shell variable', () => {
    const capture = STEPS.find((step) => step.id === 'capture')!;
    expect(renderCommand(capture)).toContain(`"configurationId":"'"$CONFIGURATION"'"`);
  });
});
