/**
 * A balancer was asked to choose from an empty partition list.
 *
 * Metadata can list a topic with no partitions for a moment right after the topic is created,
 * so the error is retriable: refreshing metadata and trying again is the right response.
 * kafka-go panics here (index out of range); a typed error lets the Writer retry instead.
 */
export class NoPartitionsError extends Error {
  override readonly name = 'NoPartitionsError';
  readonly retriable = true;
  readonly topic: string;

  constructor(topic: string) {
    super(`no partitions to choose from for topic "${topic}"`);
    this.topic = topic;
  }
}

/** `balancerByName` was given a name it does not know; the message lists the valid ones. */
export class UnknownBalancerError extends Error {
  override readonly name = 'UnknownBalancerError';
  readonly retriable = false;
  readonly balancerName: string;
  readonly validNames: readonly string[];

  constructor(balancerName: string, validNames: readonly string[]) {
    super(`unknown balancer "${balancerName}"; valid names: ${validNames.join(', ')}`);
    this.balancerName = balancerName;
    this.validNames = validNames;
  }
}
