/**
 * How many replicas must acknowledge a write, as kafka-go's `RequiredAcks`.
 * The Writer defaults to `All` (kafka-go defaults to none and silently loses errors).
 */
export const RequiredAcks = {
  /** Fire and forget: the broker sends no answer, so no error can be seen. */
  None: 0,
  /** The partition leader has written the batch. */
  One: 1,
  /** Every in-sync replica has written the batch (with min.insync.replicas, the safe choice). */
  All: -1,
} as const;

export type RequiredAcks = (typeof RequiredAcks)[keyof typeof RequiredAcks];
