// The Java client's exactly-once copy (KIP-98, KIP-447) against a Kafka-protocol broker: a plain producer writes
// 300 keyed records to an input topic; a copier (KafkaConsumer in a group, read_committed, no auto commit, and a
// KafkaProducer with a transactional.id) copies each polled batch to an output topic in one transaction with
// sendOffsetsToTransaction(positions, consumer.groupMetadata()), aborting its second batch once and seeking back
// to redo it; then a read_committed consumer reads the output, which must equal the input exactly (per
// partition, in order), and the group's committed offsets must be the input's end offsets.
//
// Usage: java -cp 'tests/compat/.jars/lib/*:<classes>' TxnCopy BOOTSTRAP PREFIX
// Prints one line of JSON on success; exits 1 with the first mismatch on stderr.

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class TxnCopy {
    static final int PARTITIONS = 3;
    static final int RECORDS = 300;
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    public static void main(String[] args) throws Exception {
        try {
            run(args[0], args[1]);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void run(String bootstrap, String prefix) throws Exception {
        String input = prefix + "-in", output = prefix + "-out", group = prefix + "-copier";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<NewTopic> topics =
                    List.of(new NewTopic(input, PARTITIONS, (short) 1), new NewTopic(output, PARTITIONS, (short) 1));
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
        Map<Integer, List<String>> want = new TreeMap<>();
        try (KafkaProducer<String, String> plain = new KafkaProducer<>(producerProps(bootstrap, null))) {
            for (int i = 0; i < RECORDS; i++) {
                plain.send(new ProducerRecord<>(input, i % PARTITIONS, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
                want.computeIfAbsent(i % PARTITIONS, p -> new ArrayList<>()).add("k" + i + "=v" + i);
            }
        }

        int batches = 0;
        boolean aborted = false;
        Properties cp = consumerProps(bootstrap, group);
        cp.put("max.poll.records", "50"); // several transactions
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp);
                KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap, prefix + "-t"))) {
            producer.initTransactions();
            consumer.subscribe(List.of(input));
            int copied = 0;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (copied < RECORDS) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("copied " + copied + " of " + RECORDS + " within " + TIMEOUT);
                }
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                for (ConsumerRecord<String, String> r : records) {
                    producer.send(new ProducerRecord<>(output, r.partition(), r.key(), r.value()));
                }
                if (++batches == 2 && !aborted) {
                    aborted = true; // this batch's copies and offsets vanish; read it again
                    producer.flush();
                    producer.abortTransaction();
                    for (TopicPartition tp : records.partitions()) {
                        consumer.seek(tp, records.records(tp).get(0).offset());
                    }
                    continue;
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : consumer.assignment()) {
                    offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                copied += records.count();
            }
            if (!aborted) {
                throw new AssertionError("the copy never got to a second batch to abort");
            }
        }

        Map<Integer, List<String>> got = readCommitted(bootstrap, output, group + "-reader");
        if (!got.equals(want)) {
            throw new AssertionError("the copy differs from the input: " + sizes(got) + ", want " + sizes(want));
        }
        try (KafkaConsumer<String, String> probe = new KafkaConsumer<>(consumerProps(bootstrap, group))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(input, p));
            }
            Map<TopicPartition, Long> ends = probe.endOffsets(tps);
            Map<TopicPartition, OffsetAndMetadata> committed = probe.committed(new java.util.HashSet<>(tps));
            for (TopicPartition tp : tps) {
                OffsetAndMetadata c = committed.get(tp);
                if (c == null || c.offset() != ends.get(tp)) {
                    throw new AssertionError(tp + ": committed " + c + ", end offset " + ends.get(tp));
                }
            }
        }
        System.out.printf("{\"ok\": true, \"records\": %d, \"batches\": %d}%n", RECORDS, batches);
    }

    static Map<Integer, List<String>> readCommitted(String bootstrap, String topic, String group) {
        Map<Integer, List<String>> got = new TreeMap<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, group))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            int n = 0;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    got.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.key() + "=" + r.value());
                    n++;
                }
                if (n >= RECORDS && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos(); // anything more is wrong
                }
            }
        }
        return got;
    }

    static String sizes(Map<Integer, List<String>> m) {
        Map<Integer, Integer> s = new TreeMap<>();
        m.forEach((p, l) -> s.put(p, l.size()));
        return s.toString();
    }

    static Properties producerProps(String bootstrap, String transactionalId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("max.block.ms", "20000");
        if (transactionalId != null) {
            p.put("transactional.id", transactionalId);
            p.put("transaction.timeout.ms", "30000");
        }
        return p;
    }

    static Properties consumerProps(String bootstrap, String group) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", group);
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        p.put("default.api.timeout.ms", "20000");
        return p;
    }
}
