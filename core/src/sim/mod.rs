//! The simulation driver: the broker and any number of clients on one thread,
//! under a virtual clock, over a simulated network that can drop, delay or
//! duplicate any request or response.
//!
//! Everything that could vary between runs comes from the seed: link latency
//! jitter and random faults draw from one seeded generator, clients are visited
//! in the order they were added, and the broker and clients are deterministic
//! state machines. The same seed and the same calls give the same journal, which
//! is what makes fault tests reproducible and the playground replayable.

mod fault;
mod journal;
mod lifecycle;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

pub use fault::{Direction, Fault, FaultRule, RandomFaults};
pub use journal::{EventKind, Fate, SimEvent};

use crate::admin::{self, AdminEvent};
use crate::broker::{Broker, BrokerConfig};
use crate::client::ClientMachine;
use crate::config::{AdminConfig, ConsumerConfig, ProducerConfig};
use crate::consumer::{self, ConsumerEvent, ConsumerRecord};
use crate::error::Result;
use crate::producer::partitioner::Rng;
use crate::producer::{self, DeliveryId, ProducerEvent, ProducerRecord};
use crate::protocol::{is_coordinator_link, ApiKey, BrokerId, ConnId, Millis, Request, Response, BOOTSTRAP};

/// A client of the simulation, by the order it was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// A client's coordinator connection is its connection id with this bit set: a second
/// connection, as real clients open one (see `protocol::coordinator_link`).
pub const COORDINATOR_CONN: ConnId = 1 << 40;

/// Network shape. Latency is one way; each message draws `latency_ms + U[0, jitter_ms]`.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub latency_ms: Millis,
    pub jitter_ms: Millis,
    /// Virtual time the run starts at (record timestamps are taken from it).
    pub start_ms: Millis,
    /// Keep every link first-in first-out, as TCP does: a message never arrives before one sent
    /// earlier on the same connection and direction (jitter and delays hold up what follows).
    /// Off: each message draws its own latency and may overtake an earlier one.
    pub in_order_links: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig { seed: 0, latency_ms: 1, jitter_ms: 0, start_ms: 1_700_000_000_000, in_order_links: false }
    }
}

#[derive(Clone)]
enum Machine {
    Producer(producer::Producer),
    Consumer(consumer::Consumer),
    Admin(admin::Admin),
}

impl Machine {
    fn client(&mut self) -> &mut dyn ClientMachine {
        match self {
            Machine::Producer(m) => m,
            Machine::Consumer(m) => m,
            Machine::Admin(m) => m,
        }
    }

    fn client_ref(&self) -> &dyn ClientMachine {
        match self {
            Machine::Producer(m) => m,
            Machine::Consumer(m) => m,
            Machine::Admin(m) => m,
        }
    }
}

#[derive(Clone)]
struct Node {
    name: String,
    /// The connection of the running process (a restart opens a new one).
    conn: ConnId,
    machine: Machine,
    /// What `restart` builds again.
    kind: lifecycle::NodeKind,
    /// False between `crash` and `restart`.
    alive: bool,
    /// True once the process opened its coordinator connection (`conn | COORDINATOR_CONN`).
    coordinator_conn: bool,
    /// Broker id each request in flight was sent to (responses name it back).
    in_flight: BTreeMap<i32, BrokerId>,
    deliveries: Vec<ProducerEvent>,
    consumer_events: Vec<ConsumerEvent>,
    admin_events: Vec<AdminEvent>,
}

#[derive(Clone)]
enum Message {
    Request {
        conn: ConnId,
        request: Request,
    },
    Response {
        node: NodeId,
        response: Response,
    },
    /// The broker learns that a crashed client's connection closed.
    Closed {
        conn: ConnId,
    },
    /// A client learns that its connection was refused (the broker is down).
    Refused {
        node: NodeId,
        conn: ConnId,
        broker: BrokerId,
    },
}

#[derive(Clone)]
struct Scheduled {
    at: Millis,
    seq: u64,
    message: Message,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// A deterministic world: one broker, clients, a network, a clock.
#[derive(Clone)]
pub struct Simulation {
    config: SimConfig,
    now: Millis,
    rng: Rng,
    broker: Broker,
    nodes: Vec<Node>,
    conn_to_node: BTreeMap<ConnId, NodeId>,
    network: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    rules: Vec<FaultRule>,
    random: RandomFaults,
    journal: Vec<SimEvent>,
    next_conn: ConnId,
    /// Latest arrival time scheduled per (connection, towards the broker) for in-order links.
    last_arrival: BTreeMap<(ConnId, bool), Millis>,
    /// The broker process is down (`set_broker_down`).
    broker_down: bool,
}

impl Simulation {
    pub fn new(config: SimConfig, broker: BrokerConfig) -> Simulation {
        let now = config.start_ms;
        let mut broker = Broker::new(broker, now);
        // The journal says why: the broker's and coordinators' decisions become `EventKind::Note`s.
        broker.set_notes(true);
        Simulation {
            rng: Rng::new(config.seed),
            broker,
            config,
            now,
            nodes: Vec::new(),
            conn_to_node: BTreeMap::new(),
            network: BinaryHeap::new(),
            seq: 0,
            rules: Vec::new(),
            random: RandomFaults::default(),
            journal: Vec::new(),
            next_conn: 1,
            last_arrival: BTreeMap::new(),
            broker_down: false,
        }
    }

    /// A simulation with default network settings and broker.
    pub fn with_seed(seed: u64) -> Simulation {
        Simulation::new(SimConfig { seed, ..SimConfig::default() }, BrokerConfig::default())
    }

    pub fn now(&self) -> Millis {
        self.now
    }

    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    pub fn journal(&self) -> &[SimEvent] {
        &self.journal
    }

    fn add_node(&mut self, name: &str, kind: lifecycle::NodeKind, machine: Machine) -> NodeId {
        let id = NodeId(self.nodes.len());
        let conn = self.new_conn(id);
        self.nodes.push(Node {
            name: name.to_string(),
            conn,
            machine,
            kind,
            alive: true,
            coordinator_conn: false,
            in_flight: BTreeMap::new(),
            deliveries: Vec::new(),
            consumer_events: Vec::new(),
            admin_events: Vec::new(),
        });
        self.log(Some(id), EventKind::NodeAdded { name: name.to_string() });
        self.flush();
        id
    }

    pub fn add_producer(&mut self, name: &str, config: ProducerConfig) -> Result<NodeId> {
        // Each producer's sticky partitioner draws from its own seed, derived from the run's.
        let kind = lifecycle::NodeKind::Producer(config);
        let m = self.build(&kind)?;
        Ok(self.add_node(name, kind, m))
    }

    pub fn add_consumer(&mut self, name: &str, config: ConsumerConfig) -> Result<NodeId> {
        let kind = lifecycle::NodeKind::Consumer(config);
        let m = self.build(&kind)?;
        Ok(self.add_node(name, kind, m))
    }

    pub fn add_admin(&mut self, name: &str, config: AdminConfig) -> Result<NodeId> {
        let kind = lifecycle::NodeKind::Admin(config);
        let m = self.build(&kind)?;
        Ok(self.add_node(name, kind, m))
    }

    pub fn node_name(&self, node: NodeId) -> &str {
        &self.nodes[node.0].name
    }

    /// The producer state machine of `node` (panics if `node` is not a producer:
    /// a programming error in the test or engine, not bad input).
    pub fn producer(&mut self, node: NodeId) -> &mut producer::Producer {
        match &mut self.nodes[node.0].machine {
            Machine::Producer(p) => p,
            _ => panic!("node {node:?} is not a producer"),
        }
    }

    pub fn consumer(&mut self, node: NodeId) -> &mut consumer::Consumer {
        match &mut self.nodes[node.0].machine {
            Machine::Consumer(c) => c,
            _ => panic!("node {node:?} is not a consumer"),
        }
    }

    /// The producer state machine of `node` for inspection; `None` if it is not a producer.
    pub fn producer_ref(&self, node: NodeId) -> Option<&producer::Producer> {
        match &self.nodes.get(node.0)?.machine {
            Machine::Producer(p) => Some(p),
            _ => None,
        }
    }

    /// The consumer state machine of `node` for inspection; `None` if it is not a consumer.
    pub fn consumer_ref(&self, node: NodeId) -> Option<&consumer::Consumer> {
        match &self.nodes.get(node.0)?.machine {
            Machine::Consumer(c) => Some(c),
            _ => None,
        }
    }

    pub fn admin(&mut self, node: NodeId) -> &mut admin::Admin {
        match &mut self.nodes[node.0].machine {
            Machine::Admin(a) => a,
            _ => panic!("node {node:?} is not an admin client"),
        }
    }

    /// Send a record from a producer at the current virtual time (refused while it is crashed).
    pub fn send(&mut self, node: NodeId, record: ProducerRecord) -> Result<DeliveryId> {
        self.check_alive(node, "send")?;
        let now = self.now;
        let id = self.producer(node).send(record, now)?;
        self.log(Some(node), EventKind::Send { delivery: id });
        self.flush();
        Ok(id)
    }

    /// Flush a producer now (ignore linger); the records still need time to travel.
    pub fn flush_producer(&mut self, node: NodeId) {
        let now = self.now;
        self.producer(node).flush_now(now);
        self.flush();
    }

    /// Hand out the records a consumer has buffered (its `poll`).
    pub fn poll(&mut self, node: NodeId) -> Vec<ConsumerRecord> {
        if !self.is_alive(node) {
            return Vec::new();
        }
        let now = self.now;
        let records = self.consumer(node).poll_records(now);
        for r in &records {
            self.journal.push(SimEvent {
                at: now,
                node: Some(node),
                kind: EventKind::Consumed { topic: r.topic.to_string(), partition: r.partition, offset: r.offset },
            });
        }
        self.flush();
        records
    }

    /// Delivery reports a producer has received so far (and forget them).
    pub fn take_deliveries(&mut self, node: NodeId) -> Vec<ProducerEvent> {
        std::mem::take(&mut self.nodes[node.0].deliveries)
    }

    pub fn take_consumer_events(&mut self, node: NodeId) -> Vec<ConsumerEvent> {
        std::mem::take(&mut self.nodes[node.0].consumer_events)
    }

    pub fn take_admin_events(&mut self, node: NodeId) -> Vec<AdminEvent> {
        std::mem::take(&mut self.nodes[node.0].admin_events)
    }

    /// Apply `f` to a client and then let its output flow (for calls the
    /// simulation has no wrapper for: assign, seek, create_topics...).
    pub fn with_consumer<R>(&mut self, node: NodeId, f: impl FnOnce(&mut consumer::Consumer, Millis) -> R) -> R {
        let now = self.now;
        let r = f(self.consumer(node), now);
        self.flush();
        r
    }

    pub fn with_producer<R>(&mut self, node: NodeId, f: impl FnOnce(&mut producer::Producer, Millis) -> R) -> R {
        let now = self.now;
        let r = f(self.producer(node), now);
        self.flush();
        r
    }

    pub fn with_admin<R>(&mut self, node: NodeId, f: impl FnOnce(&mut admin::Admin, Millis) -> R) -> R {
        let now = self.now;
        let r = f(self.admin(node), now);
        self.flush();
        r
    }

    /// Add a targeted fault: it applies to the next matching messages.
    pub fn inject(&mut self, rule: FaultRule) {
        self.log(rule.node, EventKind::FaultArmed { rule: rule.describe() });
        self.rules.push(rule);
    }

    /// Whether the broker runs (false between `set_broker_down(true)` and `(false)`).
    pub fn broker_up(&self) -> bool {
        !self.broker_down
    }

    /// Stop (`true`) or start (`false`) the broker process. While it is down it does nothing:
    /// requests put on the wire are lost and their connection is refused (the client hears so a
    /// round trip later, as from a host with no broker listening), requests already travelling
    /// are lost on arrival, and no timer of its runs. Going down closes every client connection: each client hears of it at
    /// once (its requests in flight fail as on a lost TCP connection; a consumer forgets its
    /// coordinator) and talks on a new connection from then on, so responses of the old ones
    /// are never read; the broker forgets those connections (parked fetches and joins). Coming
    /// back, it has its logs, groups, offsets and transactions as it left them, as a broker
    /// restarting from its disk does; deadlines that passed meanwhile (sessions, transaction
    /// timeouts) fire at once. Setting the state it is in does nothing.
    pub fn set_broker_down(&mut self, down: bool) {
        if self.broker_down == down {
            return;
        }
        self.broker_down = down;
        if down {
            let now = self.now;
            let node_id = self.broker.config().node_id;
            for i in 0..self.nodes.len() {
                let old = self.nodes[i].conn;
                let mut conns = vec![old];
                if self.nodes[i].coordinator_conn {
                    conns.push(old | COORDINATOR_CONN);
                }
                if self.nodes[i].alive {
                    let n = &mut self.nodes[i];
                    let mut links: Vec<BrokerId> = n.in_flight.values().copied().collect();
                    links.extend([BOOTSTRAP, node_id]);
                    if n.coordinator_conn {
                        links.push(crate::protocol::coordinator_link(node_id));
                    }
                    links.sort_unstable();
                    links.dedup();
                    n.in_flight.clear();
                    n.coordinator_conn = false;
                    for link in links {
                        n.machine.client().handle_disconnect(link, now);
                    }
                    let conn = self.new_conn(NodeId(i));
                    self.nodes[i].conn = conn;
                }
                for conn in conns {
                    self.broker.handle_disconnect(conn);
                }
            }
        }
        self.flush();
    }

    /// Targeted faults armed and not used up yet, in the order they apply.
    pub fn armed_faults(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Random faults applied to every message from now on (probabilities drawn from the seed).
    pub fn set_random_faults(&mut self, random: RandomFaults) {
        self.random = random;
    }

    /// The time of the next thing that will happen, if anything is scheduled.
    pub fn next_event_time(&self) -> Option<Millis> {
        let net = self.network.peek().map(|Reverse(s)| s.at);
        let nodes = self.nodes.iter().filter(|n| n.alive).filter_map(|n| n.machine.client_ref().poll_timeout());
        let broker = self.broker.poll_timeout().filter(|_| !self.broker_down);
        net.into_iter().chain(nodes).chain(broker).min()
    }

    /// Process the next event (a message arriving or a deadline). Returns false
    /// when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        let Some(t) = self.next_event_time() else { return false };
        self.now = self.now.max(t);
        let now = self.now;
        if self.network.peek().is_some_and(|Reverse(s)| s.at <= now) {
            let Some(Reverse(s)) = self.network.pop() else { return false };
            self.deliver(s.message);
        } else {
            if !self.broker_down && self.broker.poll_timeout().is_some_and(|d| d <= now) {
                self.broker.handle_timeout(now);
            }
            for n in self.nodes.iter_mut().filter(|n| n.alive) {
                let m = n.machine.client();
                if m.poll_timeout().is_some_and(|d| d <= now) {
                    m.handle_timeout(now);
                }
            }
        }
        self.flush();
        true
    }

    /// Run every event up to and including virtual time `t`, then set the clock to `t`.
    pub fn run_until(&mut self, t: Millis) {
        while self.next_event_time().is_some_and(|n| n <= t) {
            self.step();
        }
        self.now = self.now.max(t);
        self.flush();
    }

    pub fn run_for(&mut self, d: Millis) {
        self.run_until(self.now + d);
    }

    /// Run until `done` holds, or `limit_ms` of virtual time passes. Returns whether it held.
    pub fn run_until_cond(&mut self, limit_ms: Millis, mut done: impl FnMut(&mut Simulation) -> bool) -> bool {
        let stop = self.now + limit_ms;
        loop {
            if done(self) {
                return true;
            }
            match self.next_event_time() {
                Some(t) if t <= stop => {
                    self.step();
                }
                _ => {
                    self.now = self.now.max(stop);
                    return done(self);
                }
            }
        }
    }

    fn deliver(&mut self, message: Message) {
        let now = self.now;
        match message {
            // A crashed client's requests already on the wire still arrive, on its old connection.
            // A request reaching a broker that is down is lost.
            Message::Request { .. } if self.broker_down => {}
            Message::Request { conn, request, .. } => self.broker.handle_request(conn, request, now),
            Message::Closed { conn } => self.broker.handle_disconnect(conn),
            Message::Refused { node, conn, broker } => {
                let n = &mut self.nodes[node.0];
                if n.alive && n.conn == conn & !COORDINATOR_CONN {
                    n.in_flight.retain(|_, b| *b != broker);
                    n.machine.client().handle_disconnect(broker, now);
                }
            }
            Message::Response { node, response } => {
                let n = &mut self.nodes[node.0];
                if !n.alive || n.conn != response.conn & !COORDINATOR_CONN {
                    // Its process is gone: nobody reads the socket.
                    return;
                }
                let broker = n.in_flight.remove(&response.correlation_id).unwrap_or(BOOTSTRAP);
                let api = response.api_key;
                let cid = response.correlation_id;
                n.machine.client().handle_response(broker, cid, response.body, now);
                self.log(Some(node), EventKind::ResponseReceived { api: api_name(Some(api)), correlation_id: cid });
            }
        }
    }

    fn latency(&mut self) -> Millis {
        let jitter =
            if self.config.jitter_ms > 0 { self.rng.below(self.config.jitter_ms as u64 + 1) as Millis } else { 0 };
        self.config.latency_ms + jitter
    }

    fn schedule(&mut self, delay: Millis, message: Message) {
        let mut at = self.now + delay;
        if self.config.in_order_links {
            let link = match &message {
                Message::Request { conn, .. } => Some((*conn, true)),
                Message::Response { response, .. } => Some((response.conn, false)),
                Message::Closed { .. } | Message::Refused { .. } => None,
            };
            if let Some(link) = link {
                let last = self.last_arrival.entry(link).or_insert(at);
                at = at.max(*last);
                *last = at;
            }
        }
        self.schedule_at(at, message);
    }

    /// Equal times arrive in scheduling order (`seq`).
    fn schedule_at(&mut self, at: Millis, message: Message) {
        self.seq += 1;
        self.network.push(Reverse(Scheduled { at, seq: self.seq, message }));
    }

    /// Take the first armed rule matching this message, if any.
    fn take_rule(&mut self, node: NodeId, api: Option<ApiKey>, dir: Direction) -> Option<Fault> {
        let i = self.rules.iter().position(|r| r.matches(node, api, dir))?;
        let rule = &mut self.rules[i];
        let fault = rule.fault;
        rule.count -= 1;
        if rule.count == 0 {
            self.rules.remove(i);
        }
        Some(fault)
    }

    fn random_fault(&mut self, dir: Direction) -> Option<Fault> {
        let (drop, dup) = match dir {
            Direction::Request => (self.random.drop_request, self.random.duplicate_request),
            Direction::Response => (self.random.drop_response, 0.0),
        };
        if drop > 0.0 && self.rng.chance(drop) {
            return Some(Fault::Drop);
        }
        if dup > 0.0 && self.rng.chance(dup) {
            return Some(Fault::Duplicate);
        }
        if self.random.delay_max_ms > 0
            && self.random.delay_probability > 0.0
            && self.rng.chance(self.random.delay_probability)
        {
            let by = self.rng.below(self.random.delay_max_ms as u64 + 1) as Millis;
            return Some(Fault::Delay(by));
        }
        None
    }

    /// Move everything the machines want to send onto the network, applying faults,
    /// and collect application events into the journal. Called after every input.
    fn flush(&mut self) {
        let now = self.now;
        loop {
            let mut moved = false;
            for i in 0..self.nodes.len() {
                if !self.nodes[i].alive {
                    continue;
                }
                let node = NodeId(i);
                while let Some(t) = self.nodes[i].machine.client().poll_transmit(now) {
                    // Coordinator requests travel on the process's second connection.
                    let conn = if is_coordinator_link(t.broker) {
                        self.nodes[i].coordinator_conn = true;
                        self.nodes[i].conn | COORDINATOR_CONN
                    } else {
                        self.nodes[i].conn
                    };
                    moved = true;
                    let api = t.api_key();
                    let cid = t.correlation_id;
                    if t.expects_response {
                        self.nodes[i].in_flight.insert(cid, t.broker);
                    }
                    let client_id = Some(self.nodes[i].name.clone());
                    let broker = t.broker;
                    let request = t.into_request(client_id);
                    self.put_on_wire(node, api, cid, Message::Request { conn, request });
                    if self.broker_down {
                        // Nobody accepts the connection: the client hears so a round trip later.
                        let at = now + 2 * self.config.latency_ms;
                        self.schedule_at(at, Message::Refused { node, conn, broker });
                    }
                }
                self.collect_events(node);
            }
            self.drain_broker_notes();
            while let Some(response) = self.broker.poll_response() {
                moved = true;
                let Some(&node) = self.conn_to_node.get(&(response.conn & !COORDINATOR_CONN)) else { continue };
                let (api, cid) = (Some(response.api_key), response.correlation_id);
                let n = &self.nodes[node.0];
                if !n.alive || n.conn != response.conn & !COORDINATOR_CONN {
                    // The connection is closed (its client crashed): the response is lost.
                    let direction = Direction::Response;
                    self.log(
                        Some(node),
                        EventKind::Message { direction, api: api_name(api), correlation_id: cid, fate: Fate::Dropped },
                    );
                    continue;
                }
                self.put_on_wire(node, api, cid, Message::Response { node, response });
            }
            if !moved {
                break;
            }
        }
    }

    /// Schedule a message's arrival after the link latency, applying the first
    /// armed rule that matches it, else a random fault, and journal its fate.
    fn put_on_wire(&mut self, node: NodeId, api: Option<ApiKey>, correlation_id: i32, message: Message) {
        let direction = match message {
            Message::Request { .. } | Message::Closed { .. } | Message::Refused { .. } => Direction::Request,
            Message::Response { .. } => Direction::Response,
        };
        let fault = if self.broker_down && direction == Direction::Request {
            // Nobody listens: the request is lost (armed faults wait for the broker's return).
            Some(Fault::Drop)
        } else {
            self.take_rule(node, api, direction).or_else(|| self.random_fault(direction))
        };
        let fate = match fault {
            None => Fate::Sent,
            Some(Fault::Drop) => Fate::Dropped,
            Some(Fault::Delay(by_ms)) => Fate::Delayed { by_ms },
            Some(Fault::Duplicate) => Fate::Duplicated,
        };
        self.log(Some(node), EventKind::Message { direction, api: api_name(api), correlation_id, fate });
        match fate {
            Fate::Dropped => {}
            Fate::Sent => {
                let d = self.latency();
                self.schedule(d, message);
            }
            Fate::Delayed { by_ms } => {
                let d = self.latency() + by_ms;
                self.schedule(d, message);
            }
            Fate::Duplicated => {
                let d1 = self.latency();
                self.schedule(d1, message.clone());
                let d2 = self.latency();
                self.schedule(d2, message);
            }
        }
    }

    fn collect_events(&mut self, node: NodeId) {
        let now = self.now;
        let n = &mut self.nodes[node.0];
        let notes = match &mut n.machine {
            Machine::Producer(p) => p.take_notes(),
            Machine::Consumer(c) => c.take_notes(),
            Machine::Admin(_) => Vec::new(),
        };
        for note in notes {
            let kind = EventKind::Note { rule: note.rule, text: note.text, anomaly: note.anomaly };
            self.journal.push(SimEvent { at: note.at, node: Some(node), kind });
        }
        match &mut n.machine {
            Machine::Producer(p) => {
                while let Some(ev) = p.poll_event() {
                    let ProducerEvent::Delivery { id, result } = &ev;
                    let kind = match result {
                        Ok(md) => EventKind::Delivered { delivery: *id, partition: md.partition, offset: md.offset },
                        Err(e) => EventKind::DeliveryFailed { delivery: *id, error: e.code().name() },
                    };
                    self.journal.push(SimEvent { at: now, node: Some(node), kind });
                    n.deliveries.push(ev);
                }
            }
            Machine::Consumer(c) => {
                while let Some(ev) = c.poll_event() {
                    self.journal.push(SimEvent {
                        at: now,
                        node: Some(node),
                        kind: EventKind::ConsumerEvent { what: ev.to_string() },
                    });
                    if let Some(kind) = partition_note(&ev) {
                        self.journal.push(SimEvent { at: now, node: Some(node), kind });
                    }
                    n.consumer_events.push(ev);
                }
            }
            Machine::Admin(a) => {
                while let Some(ev) = a.poll_event() {
                    self.journal.push(SimEvent {
                        at: now,
                        node: Some(node),
                        kind: EventKind::AdminEvent { what: format!("{ev:?}") },
                    });
                    n.admin_events.push(ev);
                }
            }
        }
    }

    /// The broker's notes into the journal, each under the client whose request caused it.
    fn drain_broker_notes(&mut self) {
        for n in self.broker.take_notes() {
            let node = n.conn.and_then(|c| self.conn_to_node.get(&(c & !COORDINATOR_CONN)).copied());
            let kind = EventKind::Note { rule: n.rule, text: n.text, anomaly: n.anomaly };
            self.journal.push(SimEvent { at: n.at, node, kind });
        }
    }

    /// Collect notes of the broker (tests of the disabled path turn them off).
    pub fn set_broker_notes(&mut self, on: bool) {
        self.broker.set_notes(on);
    }

    fn log(&mut self, node: Option<NodeId>, kind: EventKind) {
        self.journal.push(SimEvent { at: self.now, node, kind });
    }
}

/// The note for a consumer's partitions changing hands (assigned, revoked, lost), if any.
fn partition_note(ev: &ConsumerEvent) -> Option<EventKind> {
    let list = |tps: &[consumer::TopicPartition]| tps.iter().map(|tp| tp.to_string()).collect::<Vec<_>>().join(", ");
    let (rule, text) = match ev {
        ConsumerEvent::Assigned(tps) if !tps.is_empty() => ("partitions-assigned", format!("assigned {}", list(tps))),
        ConsumerEvent::Revoked(tps) if !tps.is_empty() => ("partitions-revoked", format!("revoked {}", list(tps))),
        ConsumerEvent::Lost(tps) if !tps.is_empty() => {
            ("partitions-lost", format!("lost {}: no longer a member, nothing could be committed", list(tps)))
        }
        _ => return None,
    };
    Some(EventKind::Note { rule, text, anomaly: None })
}

fn api_name(api: Option<ApiKey>) -> String {
    match api {
        Some(a) => format!("{a:?}"),
        None => "Unknown".to_string(),
    }
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_coordinator_conn;
#[cfg(test)]
mod tests_crash;
#[cfg(test)]
mod tests_fetch;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_groups_checks;
#[cfg(test)]
mod tests_groups_scenarios;
#[cfg(test)]
mod tests_notes;
#[cfg(test)]
mod tests_outage;
#[cfg(test)]
mod tests_txn_copy;
#[cfg(test)]
mod tests_txn_zombie;
