/**
 * Local Kafka for people: `npm run broker -- start [cluster|single]`, `npm run broker -- stop [name]`.
 * Tests and `npm start` use LocalKafkaCluster directly.
 */
import { LocalKafkaCluster } from './broker.ts';

const [command = 'start', name = 'cluster'] = process.argv.slice(2);

if (command === 'start') {
  const cluster = await LocalKafkaCluster.start({ name });
  console.log(`Kafka "${name}" is up.`);
  console.log(`  PLAINTEXT: ${cluster.brokers.join(',')}`);
  console.log(
    `  SASL_SSL:  ${cluster.saslSslBrokers.join(',')} (SCRAM user "${cluster.users.scram.username}", CA ${cluster.tls.caPemPath})`,
  );
  console.log(`Stop it with: npm run broker -- stop ${name}`);
} else if (command === 'stop') {
  await (await LocalKafkaCluster.attach(name)).stop();
  console.log(`Kafka "${name}" stopped.`);
} else {
  console.error(`usage: npm run broker -- start|stop [cluster|single]`);
  process.exitCode = 2;
}
