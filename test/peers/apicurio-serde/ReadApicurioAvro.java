import io.apicurio.registry.serde.Default4ByteIdHandler;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import io.apicurio.registry.serde.config.SerdeConfig;
import io.apicurio.registry.serde.kafka.config.KafkaSerdeConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic the way a Java consumer using Apicurio Registry's Avro serdes in Confluent-compatible
 * mode does: every value goes through Apicurio's {@code AvroKafkaDeserializer} with the 4-byte id
 * handler (magic byte 0, then a big-endian 4-byte id: Confluent's wire format) and ids read as
 * content ids (the ids Apicurio's Confluent-compatible API hands out). The deserializer fetches the
 * writer schema by that id from the registry.
 *
 * <p>Usage: {@code java -cp <jars>/*:<classes> ReadApicurioAvro <bootstrap> <topic> <count>
 * <registry v3 url>}
 *
 * <p>Output, one line per record in partition then offset order:
 * {@code <partition>\t<offset>\tOK\t<value as JSON>} ({@code null} for a null value), or
 * {@code <partition>\t<offset>\tERROR\t<exception and its causes>} when Apicurio could not decode
 * it. The KafkaConsumer reads bytes and the deserializer is called per record, so one bad record is
 * reported without hiding the others. Exits 1 if fewer than {@code count} records arrive within a
 * minute.
 */
public final class ReadApicurioAvro {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: ReadApicurioAvro <bootstrap> <topic> <count> <registry v3 url>");
      System.exit(2);
    }
    String topic = args[1];
    int count = Integer.parseInt(args[2]);
    List<ConsumerRecord<byte[], byte[]>> records = readRecords(args[0], topic, count);

    StringBuilder out = new StringBuilder();
    try (AvroKafkaDeserializer<Object> deserializer = new AvroKafkaDeserializer<>()) {
      deserializer.configure(serdeConfig(args[3]), false);
      for (ConsumerRecord<byte[], byte[]> record : records) {
        out.append(record.partition()).append('\t').append(record.offset()).append('\t');
        try {
          Object value = deserializer.deserialize(topic, record.headers(), record.value());
          // GenericData renders records, arrays, maps, unions and enums as JSON text.
          out.append("OK\t").append(value == null ? "null" : GenericData.get().toString(value));
        } catch (RuntimeException e) {
          out.append("ERROR\t").append(describe(e));
        }
        out.append('\n');
      }
    }
    System.out.print(out);
    System.out.flush();
  }

  /**
   * Confluent-compatible settings: the 4-byte id after magic byte 0, read as a content id, binary
   * Avro after it, nothing taken from headers. The URL
   * is the registry's own v3 API: Apicurio's serdes do not speak the Confluent-compatible API.
   */
  private static Map<String, Object> serdeConfig(String registryUrl) {
    Map<String, Object> config = new HashMap<>();
    config.put(SerdeConfig.REGISTRY_URL, registryUrl);
    config.put(SerdeConfig.ID_HANDLER, Default4ByteIdHandler.class.getName());
    config.put(SerdeConfig.USE_ID, "contentId");
    // The id travels in the value, never in Apicurio's own record headers.
    config.put(KafkaSerdeConfig.ENABLE_HEADERS, "false");
    config.put(AvroSerdeConfig.AVRO_ENCODING, AvroSerdeConfig.AVRO_ENCODING_BINARY);
    return config;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readRecords(String bootstrap, String topic, int count) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "apicurio-avro-judge");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      // No group: read every partition from its start, as kcat -e does.
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Instant deadline = Instant.now().plus(DEADLINE);
      while (records.size() < count && Instant.now().isBefore(deadline)) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    if (records.size() < count) {
      System.err.println("read " + records.size() + " of " + count + " records from " + topic + " in " + DEADLINE);
      System.exit(1);
    }
    records.sort((a, b) -> a.partition() != b.partition()
        ? Integer.compare(a.partition(), b.partition())
        : Long.compare(a.offset(), b.offset()));
    return records;
  }

  /** The exception and its causes on one line (tabs and newlines flattened). */
  private static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (text.length() > 0) text.append(" <- caused by ");
      text.append(e);
    }
    return text.toString().replaceAll("[\\t\\r\\n]+", " ");
  }
}
