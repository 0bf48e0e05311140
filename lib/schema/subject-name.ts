/** How the registry subject (Glue: schema name) of a topic's values is chosen. */
export const SubjectNameStrategy = {
  /** Confluent: `<topic>-value` (TopicNameStrategy). Glue: `<topic>`, as AWS's serializers name it. */
  Topic: 'topic',
  /** `<record name>` (RecordNameStrategy): one schema for a record type across topics. */
  Record: 'record',
  /** `<topic>-<record name>` (TopicRecordNameStrategy). */
  TopicRecord: 'topic-record',
} as const;
export type SubjectNameStrategy = (typeof SubjectNameStrategy)[keyof typeof SubjectNameStrategy];

/** Which registry's naming rules apply. */
export type RegistryKind = 'confluent' | 'glue';

/**
 * The subject for `topic`'s values. Glue's `topic` strategy is the topic itself:
 * awslabs/aws-glue-schema-registry's `AWSSchemaNamingStrategyDefaultImpl` returns the topic name,
 * and a schema a Java producer registered under it must be the one found here.
 */
export function subjectName(
  strategy: SubjectNameStrategy,
  topic: string,
  recordName: string | undefined,
  registry: RegistryKind,
): string {
  switch (strategy) {
    case SubjectNameStrategy.Topic:
      return registry === 'glue' ? topic : `${topic}-value`;
    case SubjectNameStrategy.Record:
      return required(recordName);
    case SubjectNameStrategy.TopicRecord:
      return `${topic}-${required(recordName)}`;
  }
}

function required(recordName: string | undefined): string {
  if (!recordName) throw new TypeError('the record and topic-record strategies need a record name');
  return recordName;
}
