import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces keys with the Java client's default partitioner and prints where the broker says
 * each record landed, so the TypeScript Murmur2Balancer can be checked against the real client.
 *
 * <p>Usage: {@code java -cp <kafka libs>/*:<classes> ProducePartitions <bootstrap> <topic>... < keys}
 *
 * <p>Input (stdin), one key per line: "=" followed by the key in hex ("=" alone is the empty
 * key). Nil keys are not accepted: the Java client spreads them with sticky batches, which no
 * other client reproduces. Output, one line per topic and key: {@code <topic>\t<index>\t<partition>},
 * the partition taken from the acknowledged record's metadata.
 */
public final class ProducePartitions {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ProducePartitions <bootstrap> <topic>... < keys");
      System.exit(2);
    }
    List<byte[]> keys = readKeys();

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "balancer-parity-java");

    StringBuilder out = new StringBuilder();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      for (int t = 1; t < args.length; t++) {
        String topic = args[t];
        List<Future<RecordMetadata>> sent = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
          byte[] value = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
          // No partition given: the default partitioner decides from the key.
          sent.add(producer.send(new ProducerRecord<>(topic, keys.get(i), value)));
        }
        producer.flush();
        for (int i = 0; i < sent.size(); i++) {
          out.append(topic).append('\t').append(i).append('\t').append(sent.get(i).get().partition()).append('\n');
        }
      }
    }
    System.out.print(out);
    System.out.flush();
  }

  private static List<byte[]> readKeys() throws Exception {
    List<byte[]> keys = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    HexFormat hex = HexFormat.of();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (!line.startsWith("=")) {
        throw new IllegalArgumentException("line " + (keys.size() + 1) + ": want \"=<hex>\", got \"" + line + "\"");
      }
      keys.add(hex.parseHex(line.substring(1)));
    }
    return keys;
  }
}
