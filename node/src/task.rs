//! Blocking work off the JavaScript thread: a closure run on libuv's thread pool
//! (`AsyncTask`), its result handed back to a promise. Also the shared slot each
//! client lives in, emptied by `close`.

use std::sync::{Arc, Mutex, MutexGuard};

use kafkette::error::{Error, ErrorCode, Result};
use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::{guard, to_napi};

/// The work of one promise: runs on a pool thread, its output converted on the JS thread.
pub struct Blocking<T> {
    work: Option<Box<dyn FnOnce() -> Result<T> + Send>>,
}

impl<T: Send + ToNapiValue + TypeName + 'static> Blocking<T> {
    pub fn spawn(work: impl FnOnce() -> Result<T> + Send + 'static) -> AsyncTask<Blocking<T>> {
        AsyncTask::new(Blocking { work: Some(Box::new(work)) })
    }
}

impl<T: Send + ToNapiValue + TypeName + 'static> Task for Blocking<T> {
    type Output = T;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<T> {
        let work = self.work.take().ok_or_else(|| to_napi(&Error::internal("task ran twice")))?;
        guard(work).map_err(|e| to_napi(&e))
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T> {
        Ok(output)
    }
}

/// A client shared between the JS object and the tasks working on it; `None` once closed.
pub struct Slot<C>(Arc<Mutex<Option<C>>>);

impl<C> Clone for Slot<C> {
    fn clone(&self) -> Self {
        Slot(self.0.clone())
    }
}

impl<C> Slot<C> {
    pub fn new(client: C) -> Self {
        Slot(Arc::new(Mutex::new(Some(client))))
    }

    fn lock(&self) -> MutexGuard<'_, Option<C>> {
        // A panic while locked was caught by `guard`; the client is still usable or closed.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` on the open client, or fail with DESTROYED after `close`.
    pub fn with<R>(&self, what: &str, f: impl FnOnce(&mut C) -> Result<R>) -> Result<R> {
        match self.lock().as_mut() {
            Some(c) => f(c),
            None => Err(Error::new(ErrorCode::DESTROYED, format!("the {what} is closed (disconnected)"))),
        }
    }

    /// Take the client out (closing it for every later call).
    pub fn take(&self) -> Option<C> {
        self.lock().take()
    }
}
