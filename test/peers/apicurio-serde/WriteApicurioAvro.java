import io.apicurio.registry.serde.Default4ByteIdHandler;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import io.apicurio.registry.serde.config.SerdeConfig;
import io.apicurio.registry.serde.kafka.config.KafkaSerdeConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The reference producer: writes values with Apicurio Registry's {@code AvroKafkaSerializer} in
 * Confluent-compatible mode (magic byte 0, then the schema's 4-byte content id, then the Avro
 * binary), as a Java producer using Apicurio's serdes does. It never registers a schema: it finds
 * the latest version of the artifact named by the topic ({@code <topic>-value}, the subject a
 * Confluent client registers under), so the schema must already be in the registry.
 *
 * <p>Usage: {@code java -cp <jars>/*:<classes> WriteApicurioAvro <bootstrap> <topic> <registry v3
 * url> <schema file>}, with one value per stdin line in Avro's JSON encoding (unions tagged with
 * their branch, as Avro's JsonDecoder reads them).
 *
 * <p>Output, one line per value in input order: {@code <partition>\t<offset>} once acknowledged
 * (acks=all). Any failure, to encode or to send, exits non-zero with the stack trace.
 */
public final class WriteApicurioAvro {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: WriteApicurioAvro <bootstrap> <topic> <registry v3 url> <schema file>");
      System.exit(2);
    }
    String topic = args[1];
    Schema schema = new Schema.Parser().parse(Files.readString(Path.of(args[3])));
    GenericDatumReader<Object> reader = new GenericDatumReader<>(schema);

    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig(args[0], args[2]));
        BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) continue;
        Object value = reader.read(null, DecoderFactory.get().jsonDecoder(schema, line));
        sends.add(producer.send(new ProducerRecord<>(topic, value)));
      }
      producer.flush();
      StringBuilder out = new StringBuilder();
      for (Future<RecordMetadata> send : sends) {
        RecordMetadata metadata = send.get();
        out.append(metadata.partition()).append('\t').append(metadata.offset()).append('\n');
      }
      System.out.print(out);
      System.out.flush();
    }
  }

  private static Properties producerConfig(String bootstrap, String registryUrl) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "apicurio-avro-reference-producer");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class.getName());
    // The Kafka client hands every setting to the serializer: Apicurio's keys sit beside its own.
    props.put(SerdeConfig.REGISTRY_URL, registryUrl);
    props.put(SerdeConfig.ID_HANDLER, Default4ByteIdHandler.class.getName());
    props.put(SerdeConfig.USE_ID, "contentId");
    // Confluent's format carries the id in the value: no Apicurio id headers, binary Avro.
    props.put(KafkaSerdeConfig.ENABLE_HEADERS, "false");
    props.put(AvroSerdeConfig.AVRO_ENCODING, AvroSerdeConfig.AVRO_ENCODING_BINARY);
    props.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, "false");
    props.put(SerdeConfig.FIND_LATEST_ARTIFACT, "true");
    return props;
  }
}
