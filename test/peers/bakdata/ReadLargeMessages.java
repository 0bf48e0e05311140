import com.bakdata.kafka.LargeMessageDeserializer;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Reads a topic the way a Java user of bakdata's kafka-large-message-serde does: a KafkaConsumer
 * whose value deserializer is bakdata's {@code LargeMessageDeserializer} wrapping the byte-array
 * serde, its S3 client pointed at the given endpoint. Every value it hands back is what bakdata
 * decoded: inline bytes, or the object a reference names.
 *
 * <p>Usage: {@code java -cp <jars>/*:<classes> ReadLargeMessages <bootstrap> <topic> <count>
 * <s3 endpoint> <region> <access key> <secret key>}
 *
 * <p>Output, one line per record in partition then offset order:
 * {@code <partition>\t<offset>\t<value length>\t<sha256 of the value, hex>} ("-1\t-" for a null
 * value). Exits 1 if fewer than {@code count} records arrive within a minute; a record bakdata
 * cannot decode surfaces as the consumer's exception, exit code and stack trace.
 */
public final class ReadLargeMessages {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      System.err.println(
          "usage: ReadLargeMessages <bootstrap> <topic> <count> <s3 endpoint> <region> <access key> <secret key>");
      System.exit(2);
    }
    String topic = args[1];
    int count = Integer.parseInt(args[2]);

    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(args))) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      // No group: read every partition from its start, as kcat -e does.
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);

      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      Instant deadline = Instant.now().plus(DEADLINE);
      while (records.size() < count && Instant.now().isBefore(deadline)) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
      if (records.size() < count) {
        System.err.println("read " + records.size() + " of " + count + " records from " + topic + " in " + DEADLINE);
        System.exit(1);
      }
      records.sort((a, b) -> a.partition() != b.partition()
          ? Integer.compare(a.partition(), b.partition())
          : Long.compare(a.offset(), b.offset()));
      StringBuilder out = new StringBuilder();
      for (ConsumerRecord<byte[], byte[]> record : records) {
        out.append(record.partition()).append('\t').append(record.offset()).append('\t');
        byte[] value = record.value();
        if (value == null) {
          out.append("-1\t-\n");
        } else {
          out.append(value.length).append('\t').append(sha256(value)).append('\n');
        }
      }
      System.out.print(out);
      System.out.flush();
    }
  }

  /**
   * The consumer settings a Java user needs (README "Large payloads (claim check)"): the Kafka
   * client passes every setting to the deserializer, so bakdata's keys sit beside the client's.
   */
  private static Properties consumerConfig(String[] args) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LargeMessageDeserializer.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "claim-check-bakdata-reader");
    props.put("large.message.value.serde", Serdes.ByteArraySerde.class.getName());
    // moto stands in for S3: its endpoint, any region, its fixed credentials, bucket in the path.
    props.put("large.message.s3.endpoint", args[3]);
    props.put("large.message.s3.region", args[4]);
    props.put("large.message.s3.access.key", args[5]);
    props.put("large.message.s3.secret.key", args[6]);
    props.put("large.message.s3.path.style.access", "true");
    return props;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
