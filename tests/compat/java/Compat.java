// The Java client (org.apache.kafka:kafka-clients, unmodified) against a Kafka-protocol broker:
// for each compression named, create a 6-partition topic, produce 10,000 keyed records with
// headers, read them all back by assign() (no consumer group) and check keys, values, headers,
// offsets and partitions exactly as produced, and that every key is on the partition Java's
// default partitioner chooses (murmur2 of the key bytes).
//
// Usage: java -cp 'tests/compat/.jars/lib/*:<classes>' Compat BOOTSTRAP TOPIC_PREFIX COMPRESSION[,COMPRESSION...]
// One line of JSON per compression on stdout; exits 1 with the first mismatch on stderr.

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

public final class Compat {
    static final int RECORDS = 10_000;
    static final int PARTITIONS = 6;

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Compat BOOTSTRAP TOPIC_PREFIX COMPRESSION[,COMPRESSION...]");
            System.exit(2);
        }
        String bootstrap = args[0];
        for (String compression : args[2].split(",")) {
            String topic = args[1] + "-" + compression;
            try {
                long t0 = System.nanoTime();
                createTopic(bootstrap, topic);
                List<RecordMetadata> sent = produce(bootstrap, topic, compression);
                Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> got = consume(bootstrap, topic);
                check(sent, got);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("{\"compression\": \"%s\", \"records\": %d, \"ok\": true, \"ms\": %d}%n",
                        compression, RECORDS, ms);
            } catch (Exception e) {
                System.err.println("compression " + compression + ": " + e);
                System.exit(1);
            }
        }
    }

    static String key(int i) {
        return "key-" + (i % 997);
    }

    static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
    }

    /** Headers: a repeated name, a binary value, an empty value and a null one. */
    static RecordHeaders headers(int i) {
        RecordHeaders h = new RecordHeaders();
        h.add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        h.add("rep", "first".getBytes(StandardCharsets.UTF_8));
        h.add("bin", new byte[] {0, (byte) 0xff, (byte) (i & 0xff), (byte) (i >> 8), 0x7f});
        h.add("rep", "second".getBytes(StandardCharsets.UTF_8));
        h.add("empty", new byte[0]);
        h.add("null", null);
        return h;
    }

    static void createTopic(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // CreateTopics answers before every leader is elected (Apache Kafka); wait until they all are,
            // so the producer does not start on a partition that has none yet.
            long deadline = System.currentTimeMillis() + 30_000;
            while (true) {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
                if (d.partitions().size() == PARTITIONS && d.partitions().stream().allMatch(i -> i.leader() != null)) {
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("partitions of " + topic + " without a leader after 30 s: " + d);
                }
                Thread.sleep(50);
            }
        }
    }

    static List<RecordMetadata> produce(String bootstrap, String topic, String compression) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("compression.type", compression);
        p.put("linger.ms", "5");
        p.put("acks", "all");
        // enable.idempotence is left to Java's default (true): InitProducerId, then idempotent produce.
        List<Future<RecordMetadata>> futures = new ArrayList<>(RECORDS);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                futures.add(producer.send(new ProducerRecord<>(topic, null, key(i), value(i), headers(i))));
            }
            producer.flush();
        }
        List<RecordMetadata> sent = new ArrayList<>(RECORDS);
        for (Future<RecordMetadata> f : futures) {
            sent.add(f.get(30, TimeUnit.SECONDS));
        }
        return sent;
    }

    static Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> consume(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> got = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            int n = 0;
            long deadline = System.currentTimeMillis() + 60_000;
            while (n < RECORDS && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    got.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
                    n++;
                }
            }
            // A little longer, to see records that should not be there.
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                got.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
            }
        }
        return got;
    }

    static void check(List<RecordMetadata> sent, Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> got) {
        int total = got.values().stream().mapToInt(List::size).sum();
        if (total != RECORDS) {
            throw new IllegalStateException("read " + total + " records back, produced " + RECORDS);
        }
        Map<TopicPartition, Map<Long, ConsumerRecord<String, byte[]>>> byOffset = new HashMap<>();
        for (Map.Entry<TopicPartition, List<ConsumerRecord<String, byte[]>>> e : got.entrySet()) {
            long expect = 0;
            Map<Long, ConsumerRecord<String, byte[]>> m = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : e.getValue()) {
                if (r.offset() != expect) {
                    throw new IllegalStateException(e.getKey() + ": offset " + r.offset() + " where " + expect);
                }
                expect++;
                m.put(r.offset(), r);
            }
            byOffset.put(e.getKey(), m);
        }
        for (int i = 0; i < RECORDS; i++) {
            RecordMetadata md = sent.get(i);
            byte[] keyBytes = key(i).getBytes(StandardCharsets.UTF_8);
            int want = Utils.toPositive(Utils.murmur2(keyBytes)) % PARTITIONS;
            if (md.partition() != want) {
                throw new IllegalStateException(
                        "record " + i + " sent to partition " + md.partition() + ", Java's partitioner: " + want);
            }
            TopicPartition tp = new TopicPartition(md.topic(), md.partition());
            ConsumerRecord<String, byte[]> r = byOffset.getOrDefault(tp, Map.of()).get(md.offset());
            if (r == null) {
                throw new IllegalStateException("record " + i + " (" + tp + "@" + md.offset() + ") not read back");
            }
            if (!key(i).equals(r.key())) {
                throw new IllegalStateException("record " + i + ": key " + r.key() + " where " + key(i));
            }
            if (!Arrays.equals(value(i), r.value())) {
                throw new IllegalStateException("record " + i + ": value differs");
            }
            Header[] wantH = headers(i).toArray();
            Header[] gotH = r.headers().toArray();
            if (wantH.length != gotH.length) {
                throw new IllegalStateException("record " + i + ": " + gotH.length + " headers where " + wantH.length);
            }
            for (int j = 0; j < wantH.length; j++) {
                if (!wantH[j].key().equals(gotH[j].key()) || !Arrays.equals(wantH[j].value(), gotH[j].value())) {
                    throw new IllegalStateException(
                            "record " + i + ": header " + j + " is " + gotH[j] + " where " + wantH[j]);
                }
            }
        }
    }
}
