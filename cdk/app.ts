import { App } from 'aws-cdk-lib';
import { addBridgeStack } from './bridge-app.ts';

// The CDK app `cdk.json` runs: one stack, its broker mode chosen with `-c brokerMode=...`.
const app = new App();
addBridgeStack(app);
app.synth();
