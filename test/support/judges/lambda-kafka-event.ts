import type { Record as LambdaKafkaRecord, MSKEvent } from '@aws-lambda-powertools/kafka/types';
import type { KcatRecord } from '../kcat.ts';

/** A record as the judges take it: what kcat read back from the broker (a KcatRecord fits). */
export type JudgedRecord = Pick<
  KcatRecord,
  'topic' | 'partition' | 'offset' | 'key' | 'value' | 'headerList'
> &
  Partial<Pick<KcatRecord, 'timestampMs' | 'timestampType'>>;

/** What the event source mapping put in place of a record's value. */
export interface DeliveredValue {
  /** The value Lambda delivers (for a schema-framed record: the payload after the header). */
  value: Buffer;
  /** Present when a schema registry is integrated: the record's format and schema id. */
  valueSchemaMetadata?: { dataFormat: string; schemaId: string };
}

/**
 * The event Lambda's event source mapping sends for self-managed Kafka: records grouped by
 * `<topic>-<partition>`; key and value base64; headers as an array of one-entry objects whose
 * value is the header's bytes as an array of numbers (AWS Lambda developer guide, "Using Lambda
 * with self-managed Apache Kafka", example event). Typed as Powertools' MSKEvent, whose shape it
 * shares but for `eventSource` (`SelfManagedKafka` here, `aws:kafka` for MSK); Powertools reads
 * only `records`.
 */
export function selfManagedKafkaEvent(
  bootstrapServers: readonly string[],
  records: readonly { record: JudgedRecord; delivered: DeliveredValue }[],
): MSKEvent {
  const grouped: Record<string, LambdaKafkaRecord[]> = {};
  for (const { record, delivered } of records) {
    const group = `${record.topic}-${record.partition}`;
    grouped[group] ??= [];
    grouped[group].push({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestampMs ?? 0,
      timestampType: record.timestampType === 'logappend' ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
      // A nil key is left out, as Lambda leaves it out.
      ...(record.key === null ? {} : { key: record.key.toString('base64') }),
      value: delivered.value.toString('base64'),
      // A null header value has no bytes; Lambda's shape for it is not documented: an empty array.
      headers: record.headerList.map(([name, bytes]) => ({ [name]: [...(bytes ?? [])] })),
      ...(delivered.valueSchemaMetadata ? { valueSchemaMetadata: delivered.valueSchemaMetadata } : {}),
    } as LambdaKafkaRecord);
  }
  return {
    eventSource: 'SelfManagedKafka',
    bootstrapServers: bootstrapServers.join(','),
    records: grouped,
  } as unknown as MSKEvent;
}
