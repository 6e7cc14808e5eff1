// Two Java KafkaConsumers in one group (classic protocol) against a Kafka-protocol broker, with the eager
// `range` or the `cooperative-sticky` assignor: they share a 6-partition topic (ConsumerRebalanceListener
// tracks what each owns), read a first wave of 600 records committing after processing (commitSync), then one
// closes (leaves the group); the other takes over every partition, reads a second wave, and the group's
// committed offsets end at the partitions' end offsets. No partition is ever owned by both at once; with
// cooperative-sticky the survivor never gives up a partition when the other leaves (KIP-429), with range it
// gives up all of them (eager).
//
// Usage: java -cp 'tests/compat/.jars/lib/*:<classes>' GroupMembers BOOTSTRAP PREFIX range|cooperative-sticky
// Prints one line of JSON on success; exits 1 with the first mismatch on stderr.

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class GroupMembers {
    static final int PARTITIONS = 6;
    static final int WAVE = 600;
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** One group member polled by the main thread; remembers what it owns, gave up and processed. */
    static final class Member implements ConsumerRebalanceListener {
        final String name;
        final KafkaConsumer<String, String> consumer;
        final Set<Integer> owned = new TreeSet<>();
        final List<Set<Integer>> revocations = new ArrayList<>();
        final Set<String> processed;
        Member other;

        Member(String name, String bootstrap, String group, String assignor, String topic, Set<String> processed) {
            this.name = name;
            this.processed = processed;
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("group.id", group);
            p.put("key.deserializer", StringDeserializer.class.getName());
            p.put("value.deserializer", StringDeserializer.class.getName());
            p.put("enable.auto.commit", "false");
            p.put("auto.offset.reset", "earliest");
            p.put("partition.assignment.strategy", assignor);
            p.put("session.timeout.ms", "10000");
            p.put("heartbeat.interval.ms", "500");
            p.put("default.api.timeout.ms", "20000");
            consumer = new KafkaConsumer<>(p);
            consumer.subscribe(List.of(topic), this);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
            for (TopicPartition tp : parts) {
                if (other != null && other.owned.contains(tp.partition())) {
                    throw new AssertionError(name + " assigned " + tp + " still owned by " + other.name);
                }
                owned.add(tp.partition());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            Set<Integer> gone = new TreeSet<>();
            parts.forEach(tp -> gone.add(tp.partition()));
            if (!gone.isEmpty()) {
                revocations.add(gone);
            }
            owned.removeAll(gone);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            parts.forEach(tp -> owned.remove(tp.partition()));
        }

        void poll() {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
            for (ConsumerRecord<String, String> r : records) {
                processed.add(r.partition() + ":" + r.offset());
            }
            if (!records.isEmpty()) {
                try {
                    consumer.commitSync(); // after processing: at least once
                } catch (RebalanceInProgressException | CommitFailedException e) {
                    // a rebalance between processing and commit: the next owner reads them again
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args[0], args[1], args[2]);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void pump(List<Member> members, BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder s = new StringBuilder();
                members.forEach(m -> s.append(" ").append(m.name).append(" owns ").append(m.owned));
                throw new AssertionError("not within " + TIMEOUT + ": " + what + ";" + s);
            }
            members.forEach(Member::poll);
        }
    }

    static void run(String bootstrap, String prefix, String assignor) throws Exception {
        String topic = prefix + "-topic", group = prefix + "-group";
        String strategy = assignor.equals("range")
                ? "org.apache.kafka.clients.consumer.RangeAssignor"
                : "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Set<String> processed = new HashSet<>();
        Member a = new Member("a", bootstrap, group, strategy, topic, processed);
        Member b = new Member("b", bootstrap, group, strategy, topic, processed);
        a.other = b;
        b.other = a;
        Set<String> produced = new HashSet<>();
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            pump(List.of(a, b),
                    () -> !a.owned.isEmpty() && !b.owned.isEmpty() && a.owned.size() + b.owned.size() == PARTITIONS,
                    "two members sharing the partitions");
            produce(producer, topic, 1, produced);
            pump(List.of(a, b), () -> processed.containsAll(produced), "the first wave processed");

            int revokedBefore = b.revocations.size();
            Set<Integer> keptByB = new TreeSet<>(b.owned);
            a.consumer.close(); // leaves the group
            a.owned.clear();
            produce(producer, topic, 2, produced);
            pump(List.of(b), () -> b.owned.size() == PARTITIONS && processed.containsAll(produced),
                    "b owning every partition and the second wave processed");
            List<Set<Integer>> revokedOnLeave = b.revocations.subList(revokedBefore, b.revocations.size());
            if (assignor.equals("range") && (revokedOnLeave.isEmpty() || !revokedOnLeave.get(0).equals(keptByB))) {
                throw new AssertionError("eager: b should first give up all of " + keptByB + ": " + revokedOnLeave);
            }
            if (!assignor.equals("range") && !revokedOnLeave.isEmpty()) {
                throw new AssertionError("cooperative: b gave up " + revokedOnLeave + " though it keeps them");
            }
            if (!processed.equals(produced)) {
                throw new AssertionError("processed records that were never produced");
            }
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            Map<TopicPartition, Long> ends = b.consumer.endOffsets(tps);
            Map<TopicPartition, OffsetAndMetadata> committed = b.consumer.committed(new HashSet<>(tps));
            for (TopicPartition tp : tps) {
                OffsetAndMetadata c = committed.get(tp);
                if (c == null || c.offset() != ends.get(tp)) {
                    throw new AssertionError(tp + ": committed " + c + ", end offset " + ends.get(tp));
                }
            }
            System.out.printf("{\"ok\": true, \"assignor\": \"%s\", \"records\": %d, \"b_revocations\": \"%s\"}%n",
                    assignor, produced.size(), b.revocations);
        } finally {
            b.consumer.close();
        }
    }

    static void produce(KafkaProducer<String, String> producer, String topic, int wave, Set<String> produced)
            throws Exception {
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
            sent.add(producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, "wave" + wave + "-" + i)));
        }
        for (var f : sent) {
            var md = f.get(30, TimeUnit.SECONDS);
            produced.add(md.partition() + ":" + md.offset());
        }
    }

    static KafkaProducer<String, String> producer(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("max.block.ms", "20000");
        return new KafkaProducer<>(p);
    }
}
