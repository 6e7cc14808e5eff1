// Apache Kafka's Java producer writing transactions for our consumer to read
// (core/tests/apache_kafka.rs, read_committed_against_java_transactions). Run as a
// single-file program: java -cp 'tests/compat/.jars/lib/*' TxnProducer.java BOOTSTRAP TOPIC
// Into partition 0 of TOPIC: committed "c0".."c4", aborted "a0".."a4", committed "c5".."c9",
// then one more aborted transaction left open-ended by an abort: "a5".."a9".

import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

public class TxnProducer {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        props.put("transactional.id", "kafkette-compat-" + args[1]);
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> p = new KafkaProducer<>(props)) {
            p.initTransactions();
            String[][] txns = {{"c", "0", "commit"}, {"a", "0", "abort"}, {"c", "5", "commit"}, {"a", "5", "abort"}};
            for (String[] t : txns) {
                p.beginTransaction();
                int from = Integer.parseInt(t[1]);
                for (int i = from; i < from + 5; i++) {
                    p.send(new ProducerRecord<>(args[1], 0, "k" + i, t[0] + i)).get();
                }
                if (t[2].equals("commit")) p.commitTransaction(); else p.abortTransaction();
            }
        }
        System.out.println("transactions written");
    }
}
