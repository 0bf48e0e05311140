import type { ClaimCheckConfig } from '../config/claim-check-config.ts';
import { claimCheckUri, planClaimCheck } from '../mapping/claim-check.ts';
import type { Message } from '../writer/message.ts';
import type { RecordMetadata } from '../writer/writer.ts';
import { concurrently } from './concurrently.ts';
import type { S3Api } from './s3-api.ts';
import { writePrepared } from './staged-write.ts';

/** How many values are stored in S3 at once. */
const CONCURRENCY = 8;

/**
 * A message's value could not be stored in S3, so the message was not written to Kafka (a record
 * never points at nothing). Retriable: S3 unreachable, throttled or out of time.
 */
export class ClaimCheckError extends Error {
  readonly retriable = true;
  /** Nothing of this message reached Kafka. */
  readonly mayBeDelivered = false;
}

/** What writeWithClaimCheck needs besides the messages. */
export interface ClaimCheckWriteOptions {
  s3: S3Api;
  /** Ends the S3 writes (the invocation's time); a write it ends fails its message. */
  signal?: AbortSignal;
  /**
   * After a message whose value could not be stored, write none of the later ones (FIFO queues:
   * their order must hold; the Writer's own stopPartitionOnFailure cannot see this failure).
   */
  keepOrder?: boolean;
}

/**
 * Stores each value over the threshold in S3, then writes the messages, each offloaded one
 * carrying its reference (lib/mapping/claim-check.ts decides). An object is written before the
 * record that names it; a message whose object could not be stored is not written and fails with
 * a ClaimCheckError in the call's WriteErrors, index-aligned like the Writer's own, so every
 * trigger's existing failure path handles it; so do the later messages of its topic (a partition's
 * order holds, as the Writer keeps it after a failed batch). A MessageTooLargeError (nothing written) names the
 * caller's message, not the rewritten one, so callers can find it.
 */
export async function writeWithClaimCheck(
  messages: readonly Message[],
  config: ClaimCheckConfig,
  write: (messages: readonly Message[]) => Promise<RecordMetadata[]>,
  options: ClaimCheckWriteOptions,
): Promise<RecordMetadata[]> {
  const prepared = await storeLargeValues(messages, config, options);
  const errors = holdBackAfterFailures(messages, prepared, options.keepOrder === true);
  return await writePrepared(
    messages,
    prepared.map((p, i) => errors[i] ?? p),
    write,
  );
}

/**
 * Each message's error before anything is written: its own ClaimCheckError, or one for a message
 * held back because an earlier message of its topic failed (all later messages with `keepOrder`).
 * The claim check cannot know partitions, so it holds back the whole topic: writing a later
 * message of a partition while an earlier one fails would reorder that partition when the earlier
 * one is retried, which the Writer itself never does.
 */
function holdBackAfterFailures(
  messages: readonly Message[],
  prepared: readonly (Message | ClaimCheckError)[],
  keepOrder: boolean,
): Array<Error | undefined> {
  let anyFailed = false;
  const failedTopics = new Set<string | undefined>();
  return prepared.map((p, i) => {
    if (p instanceof ClaimCheckError) {
      anyFailed = true;
      failedTopics.add(messages[i]?.topic);
      return p;
    }
    if (keepOrder ? anyFailed : failedTopics.has(p.topic)) {
      return new ClaimCheckError(
        `not written: an earlier message${keepOrder ? '' : ' of its topic'} could not store its value in S3`,
      );
    }
    return undefined;
  });
}

/** Each message as it is to be written, or the error storing its value; index-aligned. */
async function storeLargeValues(
  messages: readonly Message[],
  config: ClaimCheckConfig,
  { s3, signal }: ClaimCheckWriteOptions,
): Promise<(Message | ClaimCheckError)[]> {
  const plans = messages.map((message) => planClaimCheck(message, config));
  const prepared: (Message | ClaimCheckError)[] = plans.map((plan) => plan.message);
  const offloads = plans.flatMap((plan, index) => (plan.offload ? [{ index, object: plan.offload }] : []));
  await concurrently(offloads, CONCURRENCY, async ({ index, object }) => {
    try {
      await s3.putObject(object.bucket, object.key, object.body, signal);
    } catch (error) {
      prepared[index] = new ClaimCheckError(
        `storing the value in ${claimCheckUri(object.bucket, object.key)} failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
  return prepared;
}
