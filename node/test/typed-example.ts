// Compiled with `tsc --noEmit` by `make test-node`: the declarations cover what the README shows.
import { Kafka, Cluster, CompressionTypes, KafkaJSError, KafkaJSInvalidArgumentError, RecordMetadata, EachMessagePayload, Partitioners, PartitionAssigners, GroupJoinPayload } from 'kafkette'

async function main(): Promise<void> {
  const cluster = new Cluster({ 'num.partitions': 3 })
  const listening = new Cluster({}, { listen: true })
  const tcpBrokers: string[] = [listening.bootstrapServers, new Cluster({}, { listen: '127.0.0.1:0' }).inprocName]
  listening.close()
  const kafka = new Kafka({ clientId: 'typed', brokers: [cluster.bootstrapServers] })

  const admin = kafka.admin()
  await admin.connect()
  const created: boolean = await admin.createTopics({ topics: [{ topic: 'typed', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '60000' }] }] })
  const topics: string[] = await admin.listTopics()
  const offsets = await admin.fetchTopicOffsets('typed')
  const high: string = offsets[0].high
  const byTime = await admin.fetchTopicOffsetsByTimestamp('typed', Date.now())

  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner, config: { 'linger.ms': 1 } })
  await producer.connect()
  const md: RecordMetadata[] = await producer.send({
    topic: 'typed',
    messages: [{ key: 'k', value: Buffer.from('v'), headers: { h: ['a', Buffer.from('b')] }, timestamp: Date.now() }],
    acks: -1,
    compression: CompressionTypes.GZIP,
  })
  await producer.sendBatch({ topicMessages: [{ topic: 'typed', messages: [{ value: null }] }] })

  const txProducer = kafka.producer({ transactionalId: 'typed-tx', maxInFlightRequests: 1 })
  await txProducer.connect()
  const txn = await txProducer.transaction()
  await txn.send({ topic: 'typed', messages: [{ value: 'in a transaction' }] })
  await txn.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'typed', partitions: [{ partition: 0, offset: '1' }] }] })
  if (txn.isActive()) await txn.commit()
  else await txn.abort()
  await txProducer.disconnect()
  const groups = await admin.describeGroups(['g'])
  const state: string = groups.groups[0].state
  const fetched = await admin.fetchOffsets({ groupId: 'g', topics: ['typed'] })
  await admin.resetOffsets({ groupId: 'g', topic: 'typed', earliest: true })
  await admin.setOffsets({ groupId: 'g', topic: 'typed', partitions: [{ partition: 0, offset: '0' }] })
  await admin.deleteGroups(['g'])
  console.log(state, fetched[0].partitions[0].offset)

  const member = kafka.consumer({ groupId: 'g-member', readUncommitted: false, sessionTimeout: 10000, heartbeatInterval: 1000, partitionAssigners: [PartitionAssigners.cooperativeSticky] })
  await member.connect()
  await member.subscribe({ topics: [/^typ/], fromBeginning: true })
  member.on(member.events.GROUP_JOIN, (e) => console.log((e.payload as GroupJoinPayload).memberAssignment))
  await member.run({ autoCommit: false, eachMessage: async ({ topic, partition, message }) => member.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]) })
  await member.stop()
  await member.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets }) => {
      for (const m of batch.messages) resolveOffset(m.offset)
      await heartbeat()
      const pending: string | undefined = uncommittedOffsets().topics[0]?.partitions[0]?.offset
      await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: pending ?? '0' }] }] })
      await commitOffsetsIfNecessary()
    },
  })
  console.log(member.uncommittedOffsets().topics.length)
  await member.disconnect()
  const resolved = await admin.fetchOffsets({ groupId: 'g-member', topics: ['typed'], resolveOffsets: true })
  console.log(resolved[0].partitions[0].offset)

  const consumer = kafka.consumer({ groupId: 'g', maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.assign([{ topic: 'typed', partitions: [0, 1], fromBeginning: true }])
  consumer.seek({ topic: 'typed', partition: 0, offset: '0' })
  const remove = consumer.on(consumer.events.CRASH, (e) => console.error(e.payload))
  await consumer.run({
    eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
      const value: Buffer | null = message.value
      const h = message.headers['h']
      console.log(topic, partition, message.offset, value, h, md[0].baseOffset, high, created, topics, byTime)
    },
  })
  await consumer.stop()
  remove()
  await consumer.disconnect()
  await producer.disconnect()
  await admin.disconnect()
  cluster.close()
}

main().catch((e: unknown) => {
  if (e instanceof KafkaJSInvalidArgumentError) console.error(e.field, e.code)
  else if (e instanceof KafkaJSError) console.error(e.code, e.errorCode, e.retriable, e.fatal, e.txnRequiresAbort)
})
