import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Acknowledgment, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBridge, MODES, tempDir } from './support.ts';

/** Every shape the stack can take, optional features included, so every acknowledgement is exercised. */
const SHAPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ...MODES,
  'msk-provisioned (iam+scram, S3 source)': {
    brokerMode: 'msk-provisioned',
    mskAuth: 'iam,scram',
    scheduleSource: 's3://bridge-input/ndjson/',
  },
  'external (vpc, S3 source)': {
    ...MODES['external (vpc, scram)'],
    scheduleSource: 's3://bridge-input',
  },
  'webhook signature off': { webhookSignature: 'none' },
};

interface Recorded {
  shape: string;
  path: string;
  id: string;
  reason: string;
}

interface Violation {
  shape: string;
  rule: string;
  path: string;
}

const acknowledgements: Recorded[] = [];
const violations: Violation[] = [];
const original = Validations.prototype.acknowledge;

/**
 * Synthesizes every shape with acknowledgements recorded instead of applied, so the validation
 * report lists every finding cdk-nag has; then the two lists are compared.
 */
beforeAll(async () => {
  let shape = '';
  Validations.prototype.acknowledge = function record(this: Validations, ...rules: Acknowledgment[]) {
    const scope = (this as unknown as { scope: IConstruct }).scope;
    for (const rule of rules)
      acknowledgements.push({ shape, path: scope.node.path, id: rule.id, reason: rule.reason });
  };
  for (const [name, context] of Object.entries(SHAPES)) {
    shape = name;
    const outdir = await tempDir('bridge-nag-');
    const { app } = buildBridge(context, { outdir });
    try {
      app.synth();
    } catch {
      // Expected: nothing is acknowledged, so the validation fails; the report says why.
    }
    const reportPath = join(outdir, 'validation-report.json');
    const text = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : undefined;
    rmSync(outdir, { recursive: true, force: true });
    if (text === undefined) continue;
    const report = JSON.parse(text) as {
      pluginReports: {
        violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
      }[];
    };
    for (const plugin of report.pluginReports) {
      for (const v of plugin.violations) {
        for (const c of v.violatingConstructs)
          violations.push({ shape: name, rule: v.ruleName, path: c.constructPath });
      }
    }
  }
}, 300_000);

afterAll(() => {
  Validations.prototype.acknowledge = original;
});

const covers = (ack: Recorded, v: Violation) =>
  ack.shape === v.shape && ack.id === v.rule && (v.path === ack.path || v.path.startsWith(`${ack.path}/`));

describe('cdk-nag acknowledgements', () => {
  it('finds findings to check at all (the packs ran)', () => {
    expect(violations.length).toBeGreaterThan(20);
  });

  it('covers every finding with an acknowledgement on its resource or an ancestor', () => {
    const uncovered = violations.filter((v) => !acknowledgements.some((a) => covers(a, v)));
    expect(uncovered).toEqual([]);
  });

  it('gives every acknowledgement a reason of its own', () => {
    for (const ack of acknowledgements)
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
  });

  it('acknowledges nothing that no shape of the stack reports', () => {
    // aws-cdk-lib acknowledges some CloudFormation-Validate rules for its own constructs; those are not ours.
    const ours = acknowledgements.filter((a) => !a.id.startsWith('CloudFormation-Validate::'));
    const stale = ours.filter((a) => !a.id.startsWith('@aws-cdk/') && !violations.some((v) => covers(a, v)));
    // A construct used in several shapes records its acknowledgements in each; one real finding is enough.
    const staleEverywhere = stale.filter(
      (a) =>
        !acknowledgements.some(
          (b) => b.id === a.id && b.path === a.path && violations.some((v) => covers(b, v)),
        ),
    );
    expect(staleEverywhere.map((a) => `${a.id} at ${a.path} (${a.shape})`)).toEqual([]);
  });
});
