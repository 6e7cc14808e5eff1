// Type declarations for kafkette's Node.js API (KafkaJS's shapes).
/// <reference types="node" />

export type Config = Record<string, string | number | boolean>

export interface ClusterOptions {
  /** Also serve TCP: `true` is `'127.0.0.1:0'` (an ephemeral port), or a `'host:port'` to bind. */
  listen?: boolean | string
}

/** An in-process kafkette broker. */
export class Cluster {
  /** Kafka broker properties, e.g. `{ 'num.partitions': 3 }`; `{ listen: true }` to serve TCP as well. */
  constructor(config?: Config, options?: ClusterOptions)
  /** `inproc://cluster-N`, or `127.0.0.1:PORT` when listening: put it in `brokers`. */
  readonly bootstrapServers: string
  /** `inproc://cluster-N`: stays in-process even while the cluster listens. */
  readonly inprocName: string
  /** Stops listening; the broker stops once its in-process clients are gone too. */
  close(): void
}

export interface RetryOptions {
  retries?: number
  initialRetryTime?: number
  maxRetryTime?: number
}

export interface KafkaConfig {
  brokers: string[] | string | (() => string[])
  clientId?: string
  requestTimeout?: number
  retry?: RetryOptions
  /** Accepted and ignored (in-process connections). */
  connectionTimeout?: number
  authenticationTimeout?: number
  reauthenticationThreshold?: number
  enforceRequestTimeout?: boolean
  logLevel?: number
  logCreator?: unknown
  socketFactory?: unknown
  /** Not supported in-process: must be absent or false. */
  ssl?: false
  sasl?: undefined
}

export type PartitionerMarker = (() => never) & { kafketteBuiltin: true }

export interface ProducerConfig {
  createPartitioner?: PartitionerMarker
  retry?: RetryOptions
  metadataMaxAge?: number
  allowAutoTopicCreation?: boolean
  transactionTimeout?: number
  idempotent?: boolean
  maxInFlightRequests?: number
  transactionalId?: string
  /** kafkette: raw Kafka producer properties, applied last (`{ 'linger.ms': 10 }`). */
  config?: Config
}

export interface ConsumerConfig {
  /** Optional before consumer groups exist. */
  groupId?: string
  partitionAssigners?: PartitionerMarker[]
  sessionTimeout?: number
  rebalanceTimeout?: number
  heartbeatInterval?: number
  metadataMaxAge?: number
  allowAutoTopicCreation?: boolean
  maxBytesPerPartition?: number
  minBytes?: number
  maxBytes?: number
  maxWaitTimeInMs?: number
  retry?: RetryOptions
  readUncommitted?: boolean
  maxInFlightRequests?: number
  rackId?: string
  /** kafkette: raw Kafka consumer properties, applied last (`{ 'auto.offset.reset': 'earliest' }`). */
  config?: Config
}

export interface AdminConfig {
  retry?: RetryOptions
  /** kafkette: raw Kafka admin properties, applied last. */
  config?: Config
}

export class Kafka {
  constructor(config: KafkaConfig)
  producer(config?: ProducerConfig): Producer
  consumer(config?: ConsumerConfig): Consumer
  admin(config?: AdminConfig): Admin
}

export type IHeaders = { [key: string]: Buffer | string | (Buffer | string)[] | null | undefined }

export interface Message {
  key?: Buffer | string | null
  value: Buffer | string | null
  partition?: number
  headers?: IHeaders
  timestamp?: string | number
}

export interface ProducerRecord {
  topic: string
  messages: Message[]
  acks?: -1 | 0 | 1
  timeout?: number
  compression?: CompressionTypes
}

export interface TopicMessages {
  topic: string
  messages: Message[]
}

export interface ProducerBatch {
  topicMessages: TopicMessages[]
  acks?: -1 | 0 | 1
  timeout?: number
  compression?: CompressionTypes
}

export interface RecordMetadata {
  topicName: string
  partition: number
  errorCode: number
  /** The first offset written to the partition by this send ('-1' with acks 0). */
  baseOffset?: string
  logAppendTime?: string
  logStartOffset?: string
}

export interface InstrumentationEvent<T> {
  type: string
  timestamp: number
  payload: T
}

export type RemoveInstrumentationEventListener = () => void

export interface Producer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  isIdempotent(): boolean
  send(record: ProducerRecord): Promise<RecordMetadata[]>
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
  /**
   * With `transactionalId`: registers it on first use (fencing older producers with the same
   * id) and begins a transaction. One at a time; a transactional producer sends only in one.
   */
  transaction(): Promise<Transaction>
  readonly events: { CONNECT: 'producer.connect'; DISCONNECT: 'producer.disconnect' }
  on(event: 'producer.connect' | 'producer.disconnect', listener: (event: InstrumentationEvent<null>) => void): RemoveInstrumentationEventListener
}

export interface TopicOffsets {
  topic: string
  partitions: { partition: number; offset: string; metadata?: string | null }[]
}

export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata[]>
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
  /** Commit the group's offsets (each the next offset to consume) with the transaction. */
  sendOffsets(offsets: { consumerGroupId: string; topics: TopicOffsets[] }): Promise<void>
  /** On an error with `txnRequiresAbort`, call `abort()` and start a new transaction. */
  commit(): Promise<void>
  abort(): Promise<void>
  isActive(): boolean
}

export interface GroupMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  /** Not provided (null): kafkette gives the assignment decoded in `assignment`. */
  memberAssignment: null
  memberMetadata: null
  assignment: TopicPartitions[]
}

export interface GroupDescription {
  errorCode: number
  groupId: string
  /** Stable, Empty, PreparingRebalance, CompletingRebalance or Dead. */
  state: string
  protocolType: string
  protocol: string
  members: GroupMember[]
}

export interface ITopicConfig {
  topic: string
  numPartitions?: number
  replicationFactor?: number
  replicaAssignment?: object[]
  configEntries?: { name: string; value: string }[]
}

export interface PartitionOffsets {
  partition: number
  offset: string
  high: string
  low: string
}

export interface Admin {
  connect(): Promise<void>
  disconnect(): Promise<void>
  /** true: all created; false: some already existed and nothing else failed; rejects otherwise. */
  createTopics(options: { topics: ITopicConfig[]; validateOnly?: boolean; timeout?: number; waitForLeaders?: boolean }): Promise<boolean>
  deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void>
  listTopics(): Promise<string[]>
  fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]>
  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<{ partition: number; offset: string }[]>
  /** Rejects with the first resource's error (UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST...). */
  describeConfigs(options: { resources: ResourceConfigQuery[]; includeSynonyms?: boolean }): Promise<DescribeConfigResponse>
  describeCluster(): Promise<{ brokers: { nodeId: number; host: string; port: number }[]; controller: number | null; clusterId: string }>
  /** Resolves true; rejects with the topic's error (INVALID_PARTITIONS, UNKNOWN_TOPIC_OR_PARTITION). */
  createPartitions(options: { topicPartitions: { topic: string; count: number; assignments?: number[][] }[]; validateOnly?: boolean; timeout?: number }): Promise<boolean>
  /** offset '-1': the high watermark; rejects with OFFSET_OUT_OF_RANGE beyond it. */
  deleteTopicRecords(options: { topic: string; partitions: { partition: number; offset: string }[] }): Promise<void>
  /** Every group the cluster's coordinators keep, with protocol type and state. */
  listGroups(): Promise<{ groups: { groupId: string; protocolType: string; state: string | null }[] }>
  describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }>
  /**
   * offset '-1' where nothing is committed; without topics, every partition the group committed.
   * resolveOffsets: -1 / -2 become the high / low watermark, committed for the (inactive) group.
   */
  fetchOffsets(options: { groupId: string; topics?: string[]; resolveOffsets?: boolean }): Promise<TopicOffsets[]>
  /** For a group with no members. */
  setOffsets(options: { groupId: string; topic: string; partitions: { partition: number; offset: string | number }[] }): Promise<void>
  /** For a group with no members: every partition of the topic to its earliest (or latest) offset. */
  resetOffsets(options: { groupId: string; topic: string; earliest?: boolean }): Promise<void>
  /** Rejects (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP...) when a group could not be deleted. */
  deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]>
}

export declare const ConfigResourceTypes: { readonly UNKNOWN: 0; readonly TOPIC: 2; readonly BROKER: 4; readonly BROKER_LOGGER: 8 }
export declare const ConfigSource: {
  readonly UNKNOWN: 0
  readonly TOPIC_CONFIG: 1
  readonly DYNAMIC_BROKER_CONFIG: 2
  readonly DYNAMIC_DEFAULT_BROKER_CONFIG: 3
  readonly STATIC_BROKER_CONFIG: 4
  readonly DEFAULT_CONFIG: 5
  readonly DYNAMIC_BROKER_LOGGER_CONFIG: 6
}

export interface ResourceConfigQuery {
  /** ConfigResourceTypes.TOPIC or BROKER (named by its node id). */
  type: number
  name: string
  configNames?: string[]
}

export interface ConfigSynonym {
  configName: string
  configValue?: string | null
  configSource: number
}

export interface ConfigEntry {
  configName: string
  configValue?: string | null
  readOnly: boolean
  isDefault: boolean
  configSource: number
  isSensitive: boolean
  configSynonyms: ConfigSynonym[]
}

export interface DescribeConfigResponse {
  throttleTime: number
  resources: { errorCode: number; errorMessage: string | null; resourceName: string; resourceType: number; configEntries: ConfigEntry[] }[]
}

export interface KafkaMessage {
  key: Buffer | null
  value: Buffer | null
  /** Milliseconds since the epoch, as a string. */
  timestamp: string
  attributes: number
  offset: string
  headers: { [key: string]: Buffer | null | (Buffer | null)[] }
}

export interface EachMessagePayload {
  topic: string
  partition: number
  message: KafkaMessage
  /** Sends the group heartbeat when one is due (long handlers keep their partitions). */
  heartbeat(): Promise<void>
  pause(): () => void
}

export interface Batch {
  topic: string
  partition: number
  highWatermark: string
  messages: KafkaMessage[]
  isEmpty(): boolean
  firstOffset(): string | null
  lastOffset(): string
  offsetLag(): string
  offsetLagLow(): string
}

export interface EachBatchPayload {
  batch: Batch
  /** This offset is processed: commits and a restart go on from the next one. */
  resolveOffset(offset: string): void
  /** Sends the group heartbeat when one is due (long handlers keep their partitions). */
  heartbeat(): Promise<void>
  pause(): () => void
  /** With offsets: commit them; else (autoCommit) the resolved offsets once autoCommitInterval passed. */
  commitOffsetsIfNecessary(offsets?: OffsetsByTopicPartition): Promise<void>
  uncommittedOffsets(): OffsetsByTopicPartition
  isRunning(): boolean
  isStale(): boolean
}

export interface OffsetsByTopicPartition {
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[]
}

export interface ConsumerRunConfig {
  eachMessage?: (payload: EachMessagePayload) => Promise<void>
  eachBatch?: (payload: EachBatchPayload) => Promise<void>
  eachBatchAutoResolve?: boolean
  /** With a groupId (default true): resolved offsets committed every autoCommitInterval ms and on revoke/leave. */
  autoCommit?: boolean
  autoCommitInterval?: number | null
  partitionsConsumedConcurrently?: number
}

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

/** kafkette's pre-groups extension: one entry of `consumer.assign`. */
export interface Assignment extends TopicPartitions {
  /** New partitions start at the beginning (true) or end (false); absent: per `auto.offset.reset`. */
  fromBeginning?: boolean
}

export type ConsumerEvents = {
  CONNECT: 'consumer.connect'
  DISCONNECT: 'consumer.disconnect'
  STOP: 'consumer.stop'
  CRASH: 'consumer.crash'
  START_BATCH_PROCESS: 'consumer.start_batch_process'
  END_BATCH_PROCESS: 'consumer.end_batch_process'
  GROUP_JOIN: 'consumer.group_join'
  REBALANCING: 'consumer.rebalancing'
  COMMIT_OFFSETS: 'consumer.commit_offsets'
}

/** The payload of GROUP_JOIN (emitted once the member has its assignment). */
export interface GroupJoinPayload {
  duration: number
  groupId: string
  isLeader: boolean
  leaderId?: string
  groupProtocol: string
  memberId: string
  generationId: number
  memberAssignment: { [topic: string]: number[] }
}

export interface Consumer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  /** kafkette's pre-groups extension: consume exactly these partitions. */
  assign(assignments: Assignment[]): Promise<void>
  assignment(): TopicPartitions[]
  /**
   * With a groupId: the topics (RegExps match topics created later too) the group is joined
   * for at `run()`; fromBeginning: partitions without a committed offset start at the beginning.
   * Without a groupId: assigns every partition of the existing topics.
   */
  subscribe(subscription: { topic?: string | RegExp; topics?: (string | RegExp)[]; fromBeginning?: boolean }): Promise<void>
  run(config: ConsumerRunConfig): Promise<void>
  stop(): Promise<void>
  /** Offsets as strings or numbers; -2 is the beginning, -1 the end. */
  seek(target: { topic: string; partition: number; offset: string | number }): void
  pause(topics: { topic: string; partitions?: number[] }[]): void
  resume(topics: { topic: string; partitions?: number[] }[]): void
  paused(): TopicPartitions[]
  /** Commit these offsets (each the next offset to consume) for the group and wait. */
  commitOffsets(offsets: { topic: string; partition: number; offset: string | number; metadata?: string }[]): Promise<void>
  /** kafkette's extension: the group's committed offsets of the assigned (or given) partitions; '-1' where none. */
  committed(topics?: TopicPartitions[]): Promise<{ topic: string; partition: number; offset: string; metadata: string | null }[]>
  /** Resolved offsets not committed yet. */
  uncommittedOffsets(): OffsetsByTopicPartition
  readonly events: ConsumerEvents
  on(event: ConsumerEvents[keyof ConsumerEvents], listener: (event: InstrumentationEvent<any>) => void): RemoveInstrumentationEventListener
}

export enum CompressionTypes {
  None = 0,
  GZIP = 1,
  Snappy = 2,
  LZ4 = 3,
  ZSTD = 4,
}

export const CompressionCodecs: { [type in CompressionTypes]?: () => unknown }

export const Partitioners: {
  DefaultPartitioner: PartitionerMarker
  JavaCompatiblePartitioner: PartitionerMarker
}

/** KafkaJS's roundRobin and the core's other assignors: markers for `consumer({ partitionAssigners })`. */
export const PartitionAssigners: {
  roundRobin: PartitionerMarker
  range: PartitionerMarker
  sticky: PartitionerMarker
  cooperativeSticky: PartitionerMarker
}

export enum logLevel {
  NOTHING = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 4,
  DEBUG = 5,
}

/** Fields every kafkette error carries; match on these, never on message text. */
export interface KafketteErrorFields {
  /** Kafka's error name ('TOPIC_ALREADY_EXISTS') or kafkette's local one ('TIMED_OUT'). */
  code: string
  /** Same as `code` (KafkaJS's protocol errors name it `type`). */
  type: string
  /** The code's number (36); kafkette's local codes are -100 and below. */
  errorCode: number
  retriable: boolean
  fatal: boolean
  txnRequiresAbort: boolean
  /** The topic (and partition) an error is about, when it is about one. */
  topic?: string
  partition?: number
}

export class KafkaJSError extends Error implements KafketteErrorFields {
  constructor(e: Error | string, metadata?: Partial<KafketteErrorFields> & { cause?: unknown })
  code: string
  type: string
  errorCode: number
  retriable: boolean
  fatal: boolean
  txnRequiresAbort: boolean
  topic?: string
  partition?: number
  helpUrl?: string
}
export class KafkaJSNonRetriableError extends KafkaJSError {}
export class KafkaJSProtocolError extends KafkaJSError {}
export class KafkaJSTimeout extends KafkaJSError {}
export class KafkaJSConnectionError extends KafkaJSError {}
export class KafkaJSAggregateError extends KafkaJSError {
  constructor(message: string, errors: KafkaJSError[])
  errors: KafkaJSError[]
}
/** A bad argument or configuration value: a TypeError naming the field. */
export class KafkaJSInvalidArgumentError extends TypeError implements KafketteErrorFields {
  constructor(message: string, options?: { field?: string; code?: string; errorCode?: number })
  field?: string
  code: string
  type: string
  errorCode: number
  retriable: false
  fatal: false
  txnRequiresAbort: false
}
