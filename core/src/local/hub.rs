//! The broker hub: one [`Broker`] under a mutex and the routes of its responses. A
//! connection is either an in-process client's mailbox (the client waits on the
//! hub's condition variable) or a TCP connection's writer channel (`net::server`);
//! both take their ids from one [`ConnId`] space, so a produce from either side
//! releases a Fetch parked by the other, and the broker's timers run once whoever
//! drives them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::broker::Broker;
use crate::protocol::{ConnId, Millis, Response};

/// Where a connection's responses go.
enum Route {
    /// An in-process client's mailbox, drained under the lock by its transport.
    Mailbox(VecDeque<Response>),
    /// A TCP connection's writer.
    #[cfg(not(target_arch = "wasm32"))]
    Wire(tokio::sync::mpsc::UnboundedSender<crate::net::server::Out>),
}

pub(crate) struct State {
    pub(crate) broker: Broker,
    routes: HashMap<ConnId, Route>,
    next_conn: ConnId,
    /// A TCP server serves this broker: its timer task sleeps until the broker's next
    /// deadline, so requests from in-process clients must wake it too.
    pub(crate) listening: bool,
}

impl State {
    pub(crate) fn new(broker: Broker) -> State {
        State { broker, routes: HashMap::new(), next_conn: 1, listening: false }
    }

    fn open(&mut self, route: Route) -> ConnId {
        let conn = self.next_conn;
        self.next_conn += 1;
        self.routes.insert(conn, route);
        conn
    }

    /// A new in-process connection.
    pub(crate) fn open_mailbox(&mut self) -> ConnId {
        self.open(Route::Mailbox(VecDeque::new()))
    }

    /// A new TCP connection whose responses go to `tx`.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn open_wire(&mut self, tx: tokio::sync::mpsc::UnboundedSender<crate::net::server::Out>) -> ConnId {
        self.open(Route::Wire(tx))
    }

    /// The connection went away: forget its route and tell the broker.
    pub(crate) fn close(&mut self, conn: ConnId) {
        self.routes.remove(&conn);
        self.broker.handle_disconnect(conn);
    }

    /// Move `conn`'s waiting responses to `into`.
    #[inline]
    pub(crate) fn take_mail(&mut self, conn: ConnId, into: &mut Vec<Response>) {
        if let Some(Route::Mailbox(mb)) = self.routes.get_mut(&conn) {
            into.extend(mb.drain(..));
        }
    }

    pub(crate) fn has_mail(&self, conn: ConnId) -> bool {
        matches!(self.routes.get(&conn), Some(Route::Mailbox(mb)) if !mb.is_empty())
    }

    /// Move the broker's responses to the connections that asked, and its closes to TCP
    /// connections (an in-process client has nothing to close). Returns true if a mailbox
    /// received something: its owner may be waiting on the condition variable.
    #[inline]
    pub(crate) fn route(&mut self) -> bool {
        let mut mail = false;
        while let Some(resp) = self.broker.poll_response() {
            match self.routes.get_mut(&resp.conn) {
                Some(Route::Mailbox(mb)) => {
                    mb.push_back(resp);
                    mail = true;
                }
                #[cfg(not(target_arch = "wasm32"))]
                Some(Route::Wire(tx)) => {
                    let _ = tx.send(crate::net::server::Out::Response(Box::new(resp)));
                }
                None => {}
            }
        }
        while let Some(conn) = self.broker.poll_close() {
            #[cfg(not(target_arch = "wasm32"))]
            if let Some(Route::Wire(tx)) = self.routes.get(&conn) {
                let _ = tx.send(crate::net::server::Out::Close);
            }
            let _ = conn;
        }
        mail
    }

    /// Run the broker's deadlines that have passed (once, whoever calls). Returns what `route` does.
    pub(crate) fn run_broker_timers(&mut self, now: Millis) -> bool {
        if self.broker.poll_timeout().is_some_and(|t| t <= now) {
            self.broker.handle_timeout(now);
            return self.route();
        }
        false
    }
}

/// The hub's lock and its wake-ups.
pub(crate) struct Hub {
    state: Mutex<State>,
    /// A mailbox received responses.
    pub(crate) responses_ready: Condvar,
    /// A request arrived: the broker's next deadline may have moved (the TCP timer task).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) deadline_moved: tokio::sync::Notify,
}

impl Hub {
    pub(crate) fn new(broker: Broker) -> Hub {
        Hub {
            state: Mutex::new(State::new(broker)),
            responses_ready: Condvar::new(),
            #[cfg(not(target_arch = "wasm32"))]
            deadline_moved: tokio::sync::Notify::new(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in another thread while it held the lock leaves the broker as it was
        // between two requests (handlers do not panic by design); keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After requests from one side: wake in-process waiters if `mail` arrived, and the
    /// TCP timer if one runs.
    #[inline]
    pub(crate) fn wake(&self, st: &State, mail: bool) {
        if mail {
            self.responses_ready.notify_all();
        }
        #[cfg(not(target_arch = "wasm32"))]
        if st.listening {
            self.deadline_moved.notify_one();
        }
        #[cfg(target_arch = "wasm32")]
        let _ = st;
    }
}
