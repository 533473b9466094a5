//! Client connections: the accept loop, per-connection timeouts, the connection cap, graceful
//! shutdown, and the cut at the drain deadline.
//!
//! Each connection is watched: how many requests it has in flight, since when it is idle, and
//! whether bytes of a next request have started to arrive (a few atomic stores per request,
//! nothing that wakes a task). A sweeper visits every connection a few times per timeout
//! period and closes those past their deadline:
//!
//! - idle (no request in flight, nothing received): closed after `idle_timeout`;
//! - a request head arriving (bytes received, head not complete): closed `header_timeout`
//!   after its first byte (slow headers);
//! - a request in flight: no deadline here (its body is bounded by `body_timeout` in the
//!   handler; the answer by the deployment's timeouts).
//!
//! At `max_connections`, a new connection takes the place of the connection idle longest (a
//! flood of idle connections cannot lock out a health probe); when every connection has a
//! request in flight, the new one gets a 503 and is closed.
//!
//! On stop: the listener closes, every connection is asked to finish (HTTP/1 closes after
//! its response, HTTP/2 sends GOAWAY); at the drain deadline the rest are cut: their tasks
//! (and the HTTP/2 stream tasks, spawned through [`Spawner`]) are dropped, which writes the
//! records of what was cut ([`super::usage::Pending`]).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::service::Service;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::limits::{CUT_GRACE, Limits};
use super::usage::UsageLog;

/// The connection-level limits.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    max: usize,
    header: Duration,
    idle: Duration,
}

/// What is known about one connection.
#[derive(Debug)]
struct Watch {
    /// Requests in flight (their answers not yet fully sent).
    in_flight: AtomicUsize,
    /// Milliseconds after `base` when it last became idle.
    idle_since: AtomicU64,
    /// Milliseconds after `base` (+1) when the first byte of a next request arrived while
    /// idle; 0 when none has.
    head_since: AtomicU64,
    base: Instant,
    /// Set by the sweeper (deadline passed) and by eviction (the cap): close when idle.
    evict: Notify,
    /// Asked to close and not yet gone: not counted against the cap, not chosen again.
    evicting: AtomicBool,
}

impl Watch {
    fn new(base: Instant) -> Self {
        let w = Watch {
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            head_since: AtomicU64::new(0),
            base,
            evict: Notify::new(),
            evicting: AtomicBool::new(false),
        };
        w.idle_since.store(w.now(), Ordering::SeqCst);
        w
    }

    fn now(&self) -> u64 {
        self.base.elapsed().as_millis() as u64
    }

    fn idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }

    /// Bytes arrived: when idle, they start a request head.
    fn read_some(&self) {
        if self.idle() && self.head_since.load(Ordering::Relaxed) == 0 {
            self.head_since.store(self.now() + 1, Ordering::SeqCst);
        }
    }

    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.head_since.store(0, Ordering::SeqCst);
    }

    fn request_done(&self) {
        if self.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle_since.store(self.now(), Ordering::SeqCst);
            self.head_since.store(0, Ordering::SeqCst);
        }
    }

    /// When the connection must be closed if nothing changes, or `None` (a request in flight).
    fn deadline(&self, b: &Bounds) -> Option<Instant> {
        if !self.idle() {
            return None;
        }
        let head = self.head_since.load(Ordering::SeqCst);
        let at = if head > 0 {
            Duration::from_millis(head - 1) + b.header
        } else {
            Duration::from_millis(self.idle_since.load(Ordering::SeqCst)) + b.idle
        };
        Some(self.base + at)
    }
}

/// Open connections, for the cap and for eviction.
#[derive(Debug, Default)]
struct Registry {
    next: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Watch>>>,
}

impl Registry {
    /// Connections open and not on their way out.
    fn len(&self) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.values()
            .filter(|w| !w.evicting.load(Ordering::SeqCst))
            .count()
    }

    fn add(self: &Arc<Self>, w: Arc<Watch>) -> Registered {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, w);
        Registered {
            registry: Arc::clone(self),
            id,
        }
    }

    /// Ask every connection past its deadline to close.
    fn sweep(&self, b: &Bounds) {
        let now = Instant::now();
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        for w in open.values() {
            if w.deadline(b).is_some_and(|d| d <= now) && !w.evicting.swap(true, Ordering::SeqCst) {
                w.evict.notify_one();
            }
        }
    }

    /// Ask the connection idle longest to close; `false` when none is idle.
    fn evict_one(&self) -> bool {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let victim = open
            .values()
            .filter(|w| w.idle() && !w.evicting.load(Ordering::SeqCst))
            .min_by_key(|w| w.idle_since.load(Ordering::SeqCst));
        match victim {
            Some(w) => {
                w.evicting.store(true, Ordering::SeqCst);
                w.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Removes its connection from the registry when the connection's task ends.
struct Registered {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

/// A socket that tells its [`Watch`] when bytes arrive.
struct Watched {
    sock: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.sock).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.read_some();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.sock).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.sock).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.sock).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.sock).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.sock.is_write_vectored()
    }
}

/// One request in flight on a connection, until its answer is sent (or dropped).
struct InFlight(Arc<Watch>);

impl InFlight {
    fn new(w: &Arc<Watch>) -> Self {
        w.request_started();
        InFlight(Arc::clone(w))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_done();
    }
}

/// An answer body that keeps its request counted as in flight until it is sent.
struct TrackedBody {
    inner: axum::body::Body,
    _in_flight: InFlight,
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The app as a hyper service of one connection.
#[derive(Clone)]
struct Tracked {
    app: hyper_util::service::TowerToHyperService<Router>,
    watch: Arc<Watch>,
}

type Answer = hyper::Response<TrackedBody>;

impl Service<hyper::Request<Incoming>> for Tracked {
    type Response = Answer;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Answer, Infallible>> + Send>>;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        let in_flight = InFlight::new(&self.watch);
        let fut = self.app.call(req);
        Box::pin(async move {
            let resp = match fut.await {
                Ok(r) => r,
                Err(e) => match e {},
            };
            Ok(resp.map(|inner| TrackedBody {
                inner,
                _in_flight: in_flight,
            }))
        })
    }
}

/// Spawns HTTP/2 stream tasks where the drain deadline can cut them.
#[derive(Clone, Default)]
struct Spawner(Arc<Mutex<JoinSet<()>>>);

impl<F> hyper::rt::Executor<F> for Spawner
where
    F: Future<Output = ()> + Send + 'static,
{
    fn execute(&self, fut: F) {
        let mut set = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while set.try_join_next().is_some() {}
        set.spawn(fut);
    }
}

/// Serve `app` on `listener` until `stop` turns true, then drain for at most
/// `limits.drain` and cut what is left (see the module).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
    usage: UsageLog,
) {
    let bounds = Bounds {
        max: limits.max_connections.max(1),
        header: limits.header_timeout,
        idle: limits.idle_timeout,
    };
    let base = Instant::now();
    let registry = Arc::new(Registry::default());
    let spawner = Spawner::default();
    let builder = Arc::new(hyper_util::server::conn::auto::Builder::new(
        spawner.clone(),
    ));
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let mut tasks: JoinSet<()> = JoinSet::new();
    let sweeper = tokio::spawn({
        let registry = Arc::clone(&registry);
        async move {
            let mut every = tokio::time::interval(sweep_every(&bounds));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                registry.sweep(&bounds);
            }
        }
    });
    let mut refusals: JoinSet<()> = JoinSet::new();
    loop {
        tokio::select! {
            () = async { let _ = stop.wait_for(|s| *s).await; } => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => {
                let sock = match accepted {
                    Ok((sock, _)) => sock,
                    Err(e) => {
                        // Out of file descriptors (or a connection reset before accept):
                        // make room if an idle connection can go, and try again shortly.
                        tracing::warn!("cannot accept a connection: {e}");
                        registry.evict_one();
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = sock.set_nodelay(true);
                if registry.len() >= bounds.max && !registry.evict_one() {
                    while refusals.try_join_next().is_some() {}
                    if refusals.len() < MAX_REFUSALS {
                        refusals.spawn(refuse(sock));
                    }
                    continue;
                }
                let watch = Arc::new(Watch::new(base));
                let registered = registry.add(Arc::clone(&watch));
                let svc = Tracked {
                    app: hyper_util::service::TowerToHyperService::new(app.clone()),
                    watch: Arc::clone(&watch),
                };
                let builder = Arc::clone(&builder);
                let shutdown = shutdown_rx.clone();
                tasks.spawn(connection(sock, watch, svc, builder, shutdown, registered));
            }
        }
    }
    drop(listener);
    sweeper.abort();
    let _ = shutdown_tx.send(true);
    let drained = tokio::time::timeout(limits.drain, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "requests still in flight after {:.0} s; cutting them",
            limits.drain.as_secs_f64()
        );
        usage.mark_drain_deadline();
        tasks.abort_all();
        spawner
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .abort_all();
        let _ = tokio::time::timeout(CUT_GRACE, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
    }
    // HTTP/2 streams of connections that closed in time are done; any left are cut too.
    let mut streams = std::mem::take(&mut *spawner.0.lock().unwrap_or_else(|e| e.into_inner()));
    if !streams.is_empty() {
        usage.mark_drain_deadline();
        streams.abort_all();
        let _ = tokio::time::timeout(CUT_GRACE, async {
            while streams.join_next().await.is_some() {}
        })
        .await;
    }
}

/// One connection, until it closes, times out, is evicted or is cut.
async fn connection(
    sock: TcpStream,
    watch: Arc<Watch>,
    svc: Tracked,
    builder: Arc<hyper_util::server::conn::auto::Builder<Spawner>>,
    mut shutdown: watch::Receiver<bool>,
    _registered: Registered,
) {
    let io = hyper_util::rt::TokioIo::new(Watched {
        sock,
        watch: Arc::clone(&watch),
    });
    let conn = builder.serve_connection(io, svc);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = watch.evict.notified() => {
                // Past its deadline or evicted at the cap: closed, unless a request started
                // in the meantime (then it stays, and counts again).
                if watch.idle() {
                    return;
                }
                watch.evicting.store(false, Ordering::SeqCst);
            }
            () = async { let _ = shutdown.wait_for(|s| *s).await; }, if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// How often the sweeper looks for connections past their deadline: a quarter of the shorter
/// timeout, between 10 ms and 1 s (so a timeout is kept within a quarter of itself).
fn sweep_every(b: &Bounds) -> Duration {
    (b.header.min(b.idle) / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
}

/// A connection over the cap that no idle one could make room for: its request gets a 503
/// (in a shape both families read), then the connection closes.
async fn refuse(sock: TcpStream) {
    let svc = hyper::service::service_fn(|_req: hyper::Request<Incoming>| async {
        Ok::<_, Infallible>(super::errors::too_many_connections())
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .serve_connection(hyper_util::rt::TokioIo::new(sock), svc);
    let _ = tokio::time::timeout(REFUSAL_TIME, conn).await;
}

/// How long a refused connection may take to send its request head.
const REFUSAL_TIME: Duration = Duration::from_secs(2);
/// Refused connections being answered at once; past it, more are closed unanswered.
const MAX_REFUSALS: usize = 64;
