'use strict'
// KafkaJS's admin group calls: listGroups, describeGroups, fetchOffsets,
// setOffsets, resetOffsets, deleteGroups. `client` is the native Admin.

const { call, fromInfo, KafkaJSAggregateError } = require('./errors')
const { bad, check } = require('./config')

function throwErrors(message, errors) {
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new KafkaJSAggregateError(message, errors)
}

/** `[{ topic, partition, ... }]` → KafkaJS's `[{ topic, partitions: [...] }]`. */
function byTopic(list, entry) {
  const out = new Map()
  for (const o of list) {
    if (!out.has(o.topic)) out.set(o.topic, [])
    out.get(o.topic).push(entry(o))
  }
  return [...out].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a.partition - b.partition) }))
}

async function listGroups(client) {
  const groups = await call(() => client.listGroups())
  return { groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.state === undefined ? null : g.state })) }
}

/**
 * KafkaJS's shape, except each member's assignment comes decoded as `assignment`
 * (`[{ topic, partitions }]`) and `memberAssignment`/`memberMetadata` are null.
 */
async function describeGroups(client, groupIds) {
  check.array(groupIds, 'groupIds')
  groupIds.forEach((g, i) => check.string(g, `groupIds[${i}]`))
  const described = await call(() => client.describeGroups(groupIds))
  throwErrors('Describe groups errors', described.filter((d) => d.error).map((d) => fromInfo(d.error, { groupId: d.groupId })))
  return {
    groups: described.map((d) => ({
      errorCode: 0,
      groupId: d.groupId,
      state: d.state,
      protocolType: d.protocolType,
      protocol: d.protocol,
      members: d.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId === undefined ? null : m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberAssignment: null,
        memberMetadata: null,
        assignment: byTopic(m.assignment, (tp) => tp.partition).map(({ topic, partitions }) => ({ topic, partitions })),
      })),
    })),
  }
}

/**
 * `{ groupId, topics?, resolveOffsets? }` → `[{ topic, partitions: [{ partition, offset, metadata }] }]`,
 * offset '-1' where nothing is committed; every partition of the topics named, or (none named)
 * every partition the group committed. With `resolveOffsets` (KafkaJS's), offsets -1 (none:
 * latest) and -2 (earliest) become the partition's high and low watermarks and are committed
 * for the group (which must be inactive, as for setOffsets).
 */
async function fetchOffsets(client, partitionsOf, { groupId, topics, resolveOffsets = false } = {}, watermarksOf) {
  check.string(groupId, 'groupId')
  check.bool(resolveOffsets, 'resolveOffsets')
  let partitions
  if (topics !== undefined) {
    check.array(topics, 'topics')
    partitions = []
    for (const [i, topic] of topics.entries()) {
      check.string(topic, `topics[${i}]`)
      for (const partition of await partitionsOf(topic)) partitions.push({ topic, partition })
    }
  }
  const listed = await call(() => client.listGroupOffsets(groupId, partitions, false))
  throwErrors('Fetch offsets errors', listed.filter((o) => o.error).map((o) => fromInfo(o.error, { topic: o.topic, partition: o.partition })))
  const found = byTopic(listed, (o) => ({ partition: o.partition, offset: o.offset === undefined || o.offset === null ? '-1' : String(o.offset), metadata: o.metadata === undefined ? null : o.metadata }))
  if (!resolveOffsets) return found
  for (const t of found) {
    if (!t.partitions.some((p) => p.offset === '-1' || p.offset === '-2')) continue
    const marks = new Map((await watermarksOf(t.topic)).map((w) => [w.partition, w]))
    const changed = []
    for (const p of t.partitions) {
      const w = marks.get(p.partition)
      if (!w || (p.offset !== '-1' && p.offset !== '-2')) continue
      p.offset = p.offset === '-2' ? w.low : w.high
      changed.push({ partition: p.partition, offset: p.offset })
    }
    if (changed.length > 0) await setOffsets(client, { groupId, topic: t.topic, partitions: changed })
  }
  return found
}

/** `{ groupId, topic, partitions: [{ partition, offset }] }`: commit for an inactive group. */
async function setOffsets(client, { groupId, topic, partitions } = {}) {
  check.string(groupId, 'groupId')
  check.string(topic, 'topic')
  check.array(partitions, 'partitions')
  const offsets = partitions.map((p, i) => {
    check.object(p, `partitions[${i}]`)
    return { topic, partition: check.int(p.partition, `partitions[${i}].partition`, 0, 2 ** 31 - 1), offset: check.int(p.offset, `partitions[${i}].offset`, 0) }
  })
  const done = await call(() => client.alterGroupOffsets(groupId, offsets))
  throwErrors('Set offsets errors', done.filter((o) => o.error).map((o) => fromInfo(o.error, { topic: o.topic, partition: o.partition })))
}

/** `{ groupId, topic, earliest = false }`: the group's offsets of every partition to the earliest (or latest). */
async function resetOffsets(client, { groupId, topic, earliest = false } = {}) {
  check.string(groupId, 'groupId')
  check.string(topic, 'topic')
  check.bool(earliest, 'earliest')
  await call(() => client.resetGroupOffsets(groupId, topic, earliest))
}

/** → `[{ groupId, errorCode: 0 }]`; rejects (errors[i].groupId) when a group could not be deleted. */
async function deleteGroups(client, groupIds) {
  check.array(groupIds, 'groupIds')
  groupIds.forEach((g, i) => check.string(g, `groupIds[${i}]`))
  const results = await call(() => client.deleteGroups(groupIds))
  throwErrors('Delete groups errors', results.filter((r) => r.error).map((r) => fromInfo(r.error, { groupId: r.groupId })))
  return results.map((r) => ({ groupId: r.groupId, errorCode: 0 }))
}

module.exports = { listGroups, describeGroups, fetchOffsets, setOffsets, resetOffsets, deleteGroups }
