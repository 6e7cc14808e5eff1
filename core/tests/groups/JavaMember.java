// A Java client (kafka-clients 4.1.1, classic group protocol) member for the mixed-group tests in
// core/tests/groups/mod.rs: prints "assign p,..", "revoke p,..", "value n" lines and closes
// (leaving the group) when its stdin closes. Args: bootstrap group topic strategy.
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

public class JavaMember {
    static synchronized void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static String parts(Collection<TopicPartition> tps) {
        return tps.stream().map(tp -> Integer.toString(tp.partition())).collect(Collectors.joining(","));
    }

    public static void main(String[] args) throws Exception {
        String strategy = switch (args[3]) {
            case "range" -> "org.apache.kafka.clients.consumer.RangeAssignor";
            case "roundrobin" -> "org.apache.kafka.clients.consumer.RoundRobinAssignor";
            case "sticky" -> "org.apache.kafka.clients.consumer.StickyAssignor";
            default -> "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
        };
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        p.put("group.id", args[1]);
        p.put("auto.offset.reset", "earliest");
        p.put("partition.assignment.strategy", strategy);
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "500");
        p.put("auto.commit.interval.ms", "500");
        p.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        p.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        final boolean[] stop = {false};
        Thread reader = new Thread(() -> {
            try {
                while (System.in.read() >= 0) { }
            } catch (Exception e) { }
            synchronized (stop) { stop[0] = true; }
        });
        reader.setDaemon(true);
        reader.start();
        try (KafkaConsumer<byte[], String> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
                public void onPartitionsAssigned(Collection<TopicPartition> tps) { out("assign " + parts(tps)); }
                public void onPartitionsRevoked(Collection<TopicPartition> tps) { out("revoke " + parts(tps)); }
                public void onPartitionsLost(Collection<TopicPartition> tps) { out("revoke " + parts(tps)); }
            });
            while (true) {
                synchronized (stop) { if (stop[0]) break; }
                for (ConsumerRecord<byte[], String> r : c.poll(Duration.ofMillis(50))) {
                    out("value " + r.value());
                }
            }
        }
        out("closed");
    }
}
