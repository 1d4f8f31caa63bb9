//! What one client may hold on the server: how long it may take to send a request's
//! headers and its body, and how many of its requests may be in flight at once from one
//! address. Without these, 1,100 connections trickling bodies at a byte a second kept the
//! server from answering anyone, and no token was needed to do it.
//!
//! It also bounds how often one address may use the public routes that take a person's
//! identifier or cost a signature check (the rate limit, GCRA from `governor`).
//!
//! The header time is enforced on each connection by `protocol::Guarded`, which answers
//! a head too slow with the envelope (actix's own timer stays behind it, see
//! `serve_with`); the body time, the per-address count and the rate by [`Gate`], a
//! middleware that runs once a request's headers are in.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, Sleep, sleep_until};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, ResponseError};
use futures_util::Stream;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

use super::CSV_LIMIT;

/// The bounds applied by `serve_with`. A zero duration means no bound, as in actix (and
/// a zero `header_timeout` also turns keep-alive off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests one client address may have in flight at once; 0: no cap.
    pub max_connections_per_address: usize,
    /// Time from a connection's opening until its first request's headers are in, and
    /// from the first byte of each later request's head until the rest is in (actix
    /// itself would time only the first); also how long an idle keep-alive connection
    /// is kept.
    pub header_timeout: Duration,
    /// Time from a request's headers until its body is in, plus the declared length at
    /// `MIN_BODY_RATE`.
    pub body_timeout: Duration,
    /// Requests per second one client address may make to the public routes that take
    /// a person's data or cost a signature check (enroll, statement, signatures,
    /// presence, verify), with bursts of twice as many; 0: no limit.
    pub rate_limit: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            // A hall of about 1,000 phones on one Wi-Fi reaches us from one NAT address,
            // and a phone has one request in flight at a time (statement request, then
            // signature). Even if all 1,000 press "sign" at once and answers are slow
            // (the README measures a p99 of some hundreds of milliseconds under load),
            // no phone of the hall is refused. 1,100 trickling connections from one
            // address are refused from the 1,025th, and the body deadline ends the rest.
            max_connections_per_address: 1024,
            header_timeout: Duration::from_secs(5),
            // Our JSON bodies are at most 64 KiB: seconds even on a poor mobile link.
            body_timeout: Duration::from_secs(10),
            // A hall of 1,000 officials behind one NAT makes about two public requests
            // each to sign (statement request, signature). If all press "sign" in the
            // same instant, a burst of 400 and 200/s after it let all 2,000 requests
            // through within 8 seconds, and none is refused; one address guessing
            // enrollment codes or flooding verifications is held to 200/s.
            rate_limit: 200,
        }
    }
}

/// Bytes per second a large body is granted on top of `body_timeout` (256 kbit/s, a poor
/// mobile uplink), so a 16 MiB roster import from a slow office line is not cut off. The
/// declared length counts only up to [`CSV_LIMIT`], the largest body any route reads, so
/// a client cannot buy more time by declaring more.
const MIN_BODY_RATE: u64 = 32 * 1024;

/// The limits and the count of requests in flight per client, shared by all workers.
#[derive(Clone)]
pub(super) struct Gate {
    limits: Limits,
    in_flight: Arc<Mutex<HashMap<IpAddr, usize>>>,
    /// Requests per client on the public routes (GCRA, from `governor`).
    rate: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
}

/// The public routes whose use the rate limit bounds: those a stranger can call with a
/// person's identifier, and those that cost the server a signature check.
fn is_rate_limited(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    match path.strip_prefix("/api/") {
        Some("enroll" | "signatures" | "verify" | "receipts/pdf" | "recaps") => true,
        Some(rest) => {
            rest.strip_prefix("ceremonies/")
                .is_some_and(|rest| rest.ends_with("/statement") || rest.ends_with("/presence"))
                || rest
                    .strip_prefix("campaigns/")
                    .is_some_and(|rest| rest.ends_with("/recap-statement"))
        }
        None => false,
    }
}

/// Clients the rate limiter remembers before it forgets those that are back to a full
/// burst: its memory stays bounded however many addresses come by.
const RATE_CLIENTS_KEPT: usize = 10_000;

enum Admission {
    Unlimited,
    Admitted(Slot),
    Refused,
}

/// One request's place in its client's count, given back when dropped: a request that is
/// answered, fails, or is abandoned by a client that hangs up all free their slot.
struct Slot {
    in_flight: Arc<Mutex<HashMap<IpAddr, usize>>>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = lock(&self.in_flight);
        if let Some(count) = counts.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                // Removed so that the map holds only clients with requests in flight.
                counts.remove(&self.client);
            }
        }
    }
}

fn lock(map: &Mutex<HashMap<IpAddr, usize>>) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
    // The map holds plain counts, consistent after every statement; a panic elsewhere
    // while holding the lock leaves nothing half-done.
    map.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The client an address stands for: an IPv6 host normally holds a whole /64, so its
/// addresses count together; an IPv4 client seen through an IPv6 socket counts as itself.
fn client_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl Gate {
    pub(super) fn new(limits: Limits) -> Gate {
        let rate = NonZeroU32::new(limits.rate_limit).map(|per_second| {
            let burst = per_second.saturating_mul(NonZeroU32::new(2).expect("2 is not 0"));
            Arc::new(RateLimiter::keyed(
                Quota::per_second(per_second).allow_burst(burst),
            ))
        });
        Gate {
            limits,
            in_flight: Arc::default(),
            rate,
        }
    }

    /// How long `client` must wait before this request is allowed, if it must.
    fn rate_wait(&self, req: &ServiceRequest, client: Option<IpAddr>) -> Option<Duration> {
        let limiter = self.rate.as_ref()?;
        let client = client_of(client?);
        if !is_rate_limited(req.method(), req.path()) {
            return None;
        }
        if limiter.len() > RATE_CLIENTS_KEPT {
            limiter.retain_recent();
        }
        limiter
            .check_key(&client)
            .err()
            .map(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn admit(&self, client: Option<IpAddr>) -> Admission {
        let cap = self.limits.max_connections_per_address;
        let Some(client) = client.filter(|_| cap > 0) else {
            return Admission::Unlimited;
        };
        let client = client_of(client);
        let mut counts = lock(&self.in_flight);
        let count = counts.entry(client).or_insert(0);
        if *count >= cap {
            return Admission::Refused;
        }
        *count += 1;
        Admission::Admitted(Slot {
            in_flight: self.in_flight.clone(),
            client,
        })
    }

    /// Clients with requests in flight (for tests of the bookkeeping).
    #[cfg(test)]
    fn clients(&self) -> usize {
        lock(&self.in_flight).len()
    }

    /// The middleware: refuses a client over its cap at once, before reading its body;
    /// otherwise puts a deadline on the body and answers 408 if the handler's reading
    /// ran into it, whatever the extractor made of the failure.
    pub(super) async fn enforce<B: MessageBody>(
        self,
        mut req: ServiceRequest,
        next: Next<B>,
    ) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
        let client = req.peer_addr().map(|a| a.ip());
        let _slot = match self.admit(client) {
            Admission::Refused => {
                let refusal = super::error::too_many_connections().error_response();
                return Ok(req.into_response(refusal).map_into_right_body());
            }
            Admission::Admitted(slot) => Some(slot),
            Admission::Unlimited => None,
        };
        if let Some(wait) = self.rate_wait(&req, client) {
            let refusal = super::error::rate_limited(wait);
            return Ok(req.into_response(refusal).map_into_right_body());
        }
        let timed_out = Rc::new(Cell::new(false));
        let body = req.take_payload();
        if !matches!(body, Payload::None) && !self.limits.body_timeout.is_zero() {
            let deadline = Instant::now() + self.body_time(&req);
            let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
                Box::pin(Deadline {
                    body,
                    timer: Box::pin(sleep_until(deadline)),
                    timed_out: timed_out.clone(),
                });
            req.set_payload(Payload::from(stream));
        } else {
            req.set_payload(body);
        }
        let result = next.call(req).await;
        if !timed_out.get() {
            return result.map(ServiceResponse::map_into_left_body);
        }
        let timeout = super::error::body_timeout();
        match result {
            Ok(answered) => {
                let (request, _) = answered.into_parts();
                let answer = timeout.error_response();
                Ok(ServiceResponse::new(request, answer).map_into_right_body())
            }
            // Rendered by the same `ResponseError`, so the answer is the same.
            Err(_) => Err(timeout.into()),
        }
    }

    fn body_time(&self, req: &ServiceRequest) -> Duration {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            .min(CSV_LIMIT as u64);
        self.limits.body_timeout + Duration::from_millis(declared * 1000 / MIN_BODY_RATE)
    }
}

/// Marks the payload error of a body that missed its deadline, so it is told apart from
/// any other I/O failure.
#[derive(Debug)]
struct BodyDeadline;

impl std::fmt::Display for BodyDeadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyDeadline {}

/// Whether a payload error is a body that missed its deadline.
pub(super) fn is_body_timeout(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(e)
        if e.get_ref().is_some_and(|inner| inner.is::<BodyDeadline>()))
}

/// A request body that fails once its deadline has passed while still waiting on the
/// client. Bytes already received are handed out first, so a handler that reads late a
/// body that came in time is not penalised.
struct Deadline {
    body: Payload,
    timer: Pin<Box<Sleep>>,
    timed_out: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.body).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.timed_out.set(true);
        Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            BodyDeadline,
        )))))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_the_public_routes_that_take_a_person_or_a_signature_check_are_rate_limited() {
        for path in [
            "/api/enroll",
            "/api/signatures",
            "/api/verify",
            "/api/receipts/pdf",
            "/api/ceremonies/1/statement",
            "/api/ceremonies/12/presence",
            "/api/campaigns/1/recap-statement",
            "/api/recaps",
        ] {
            assert!(is_rate_limited(&Method::POST, path), "{path}");
        }
        for (method, path) in [
            (Method::GET, "/api/verify"),
            (Method::GET, "/api/registry/head"),
            (Method::POST, "/api/ceremonies/1/attendance"),
            (Method::POST, "/api/officials/import"),
            (Method::GET, "/checkpoint"),
        ] {
            assert!(!is_rate_limited(&method, path), "{method} {path}");
        }
    }

    use super::*;

    fn gate(cap: usize) -> Gate {
        Gate::new(Limits {
            max_connections_per_address: cap,
            ..Limits::default()
        })
    }

    #[test]
    fn slots_are_given_back_and_idle_clients_forgotten() {
        let gate = gate(2);
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        let first = gate.admit(Some(a));
        let second = gate.admit(Some(a));
        assert!(matches!(gate.admit(Some(a)), Admission::Refused));
        assert!(matches!(gate.admit(Some(b)), Admission::Admitted(_)));
        drop(first);
        let third = gate.admit(Some(a));
        assert!(matches!(third, Admission::Admitted(_)));
        drop((second, third));
        assert_eq!(gate.clients(), 0);
    }

    #[test]
    fn no_cap_counts_nothing() {
        let gate = gate(0);
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let held: Vec<_> = (0..1000).map(|_| gate.admit(Some(a))).collect();
        assert!(held.iter().all(|s| matches!(s, Admission::Unlimited)));
        assert_eq!(gate.clients(), 0);
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64_and_a_mapped_ipv4_as_itself() {
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(client_of(one), client_of(other));
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        assert_eq!(client_of(mapped), "10.0.0.7".parse::<IpAddr>().unwrap());
    }
}
